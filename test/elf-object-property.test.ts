// readObject on mutated fixture bytes: a typed error (ObjectError or the ELF/BTF/.BTF.ext errors
// it wraps) or a parse, never another exception or a hang.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BtfError, BtfExtError, ElfError, ObjectError, readElf, readObject, writeObject } from '../elf/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'obj');
const names = ['subprog_static', 'map_array_of_maps', 'kconfig', 'ksym_kfunc', 'global_bss', 'core_flavors', 'prog_xdp_redirect', 'bpf_loop'];
const objects = names.map((n) => new Uint8Array(readFileSync(join(FIX, `${n}.bpf.o`))));

function check(bytes: Uint8Array): void {
  try {
    const obj = readObject(bytes);
    try { writeObject(obj); } catch (e) {
      if (!(e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError || e instanceof BtfExtError)) throw e;
    }
  } catch (e) {
    if (e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError || e instanceof BtfExtError) return;
    throw e;
  }
}

/** Offsets of the header fields that say where and how long things are. */
function sizeFields(bytes: Uint8Array): number[] {
  const out = [40, 58, 60, 62];
  const elf = readElf(bytes);
  elf.sections.forEach((s, i) => {
    const h = bytes[40]! | (bytes[41]! << 8) | (bytes[42]! << 16);
    const p = h + i * 64;
    out.push(p + 24, p + 32, p + 40, p + 44);
    if (s.name === '.BTF') for (const k of [4, 8, 12, 16, 20]) out.push(s.offset + k);
    if (s.name === '.BTF.ext') for (const k of [4, 8, 12, 16, 20, 24, 28, 32, 36, 40]) out.push(s.offset + k);
  });
  return out;
}
const fields = objects.map(sizeFields);

describe('readObject on mutated fixtures', () => {
  it('byte flips', () => {
    fc.assert(fc.property(fc.nat(objects.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (k, flips) => {
      const b = objects[k]!.slice();
      for (const [p, x] of flips) { const i = p % b.length; b[i] = (b[i] ?? 0) ^ x; }
      check(b);
    }), { numRuns: 3000 });
  });
  it('truncations', () => {
    fc.assert(fc.property(fc.nat(objects.length - 1), fc.nat(), (k, n) => {
      const o = objects[k]!;
      check(o.subarray(0, n % o.length));
    }), { numRuns: 1000 });
  });
  it('lying size and offset fields (section headers, .BTF and .BTF.ext headers)', () => {
    fc.assert(fc.property(fc.nat(objects.length - 1), fc.nat(), fc.oneof(fc.constant(0xffffffff), fc.constant(0x7fffffff), fc.nat(), fc.integer({ min: 0, max: 64 })), (k, i, v) => {
      const b = objects[k]!.slice();
      const f = fields[k]!;
      const p = f[i % f.length]!;
      new DataView(b.buffer).setUint32(Math.min(p, b.length - 4), v, true);
      check(b);
    }), { numRuns: 3000 });
  });
  it('the unmutated fixtures parse', () => {
    for (const o of objects) expect(readObject(o).programs.length).toBeGreaterThan(0);
  });
});

// readObject (and writeObject of what it accepts) on mutated clang-19 objects: every fixture in
// fixtures/obj, mutated by byte flips, truncations and lying size/offset/count fields in the ELF
// header, the section headers, the symbol table, REL entries, the .BTF header and type records and
// the .BTF.ext header, record sizes, block counts and records. Only the typed errors may escape,
// each with a byte offset inside the file; a lying length never drives an allocation (a huge
// typed-array or Array allocation would throw a RangeError, which fails the test).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BtfError, BtfExtError, ElfError, ObjectError, readObject, writeObject } from '../elf/index.js';
import { DecodeError } from '../isa/index.js';
import { fieldsOf, lie, withLies } from './support/object-mutations.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'obj');
const files = readdirSync(FIX).filter((f) => f.endsWith('.bpf.o')).sort();
const objects = files.map((f) => new Uint8Array(readFileSync(join(FIX, f))));

const fields = objects.map(fieldsOf);

const typed = (e: unknown): boolean =>
  e instanceof ObjectError || e instanceof ElfError || e instanceof BtfError || e instanceof BtfExtError || e instanceof DecodeError;

const counts = { parsed: 0, rejected: 0 };

/** readObject, then writeObject of what was accepted: a result or a typed error with an offset in the file. */
function check(bytes: Uint8Array): void {
  try {
    const obj = readObject(bytes);
    writeObject(obj);
    counts.parsed++;
  } catch (e) {
    if (!typed(e)) throw e;
    const off = (e as { byteOffset: number }).byteOffset;
    if (!(Number.isSafeInteger(off) && off >= 0 && off <= bytes.length)) {
      throw new Error(`${(e as Error).name} with byte offset ${off} outside the file of ${bytes.length} bytes: ${(e as Error).message}`);
    }
    counts.rejected++;
  }
}

const fixture = fc.nat(objects.length - 1);

describe('readObject on mutated fixtures (every fixture in fixtures/obj)', () => {
  it('the unmutated fixtures parse and write', () => {
    for (const o of objects) {
      const obj = readObject(o);
      expect(obj.programs.length).toBeGreaterThan(0);
      writeObject(obj);
    }
  });
  it('byte flips', () => {
    fc.assert(fc.property(fixture, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (k, flips) => {
      const b = objects[k]!.slice();
      for (const [p, x] of flips) { const i = p % b.length; b[i] = b[i]! ^ x; }
      check(b);
    }), { numRuns: 6000 });
  });
  it('truncations', () => {
    fc.assert(fc.property(fixture, fc.nat(), (k, n) => {
      const o = objects[k]!;
      check(o.slice(0, n % o.length));
    }), { numRuns: 2000 });
  });
  it('lying size, offset, count, index and record fields', () => {
    fc.assert(fc.property(fixture, fc.array(fc.tuple(fc.nat(), lie), { minLength: 1, maxLength: 3 }), (k, lies) => {
      check(withLies(objects[k]!, fields[k]!, lies));
    }), { numRuns: 12000 });
  });
  it('both outcomes happen (the mutations reach past the first check)', () => {
    expect(counts.parsed).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(1000);
  });
});

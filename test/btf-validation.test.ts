// decodeBtf's two levels of checking. 'structure' (for the kernel's own BTF) checks what libbpf 1.1's
// btf__parse checks plus every type's name offset; 'full' (the default) also every member, parameter
// and enumerator name and every type id referenced. Checked here: both give the same graph for every
// fixture and for vmlinux; a fault the structural check finds gives the very error of the full check;
// a fault only the full check finds is found by validateBtf later and when the faulty type is built;
// and which faults libbpf 1.1's btf__new lets through is asked of libbpf itself, not assumed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Btf, BtfError, type BtfValidation, decodeBtf, formatBtfRaw, readElf, validateBtf } from '../elf/index.js';
import { libbpfParseOracle } from './support/libbpf-parse-oracle.js';
import { inCI, requireReferences } from './support/references.js';

const OBJ_DIR = join(import.meta.dirname, '..', 'fixtures', 'obj');
const VMLINUX = '/sys/kernel/btf/vmlinux';

/** The .BTF section of every fixture object. */
const fixtureBlobs: { name: string; blob: Uint8Array }[] = readdirSync(OBJ_DIR).filter((f) => f.endsWith('.bpf.o')).sort().map((f) => {
  const sec = readElf(new Uint8Array(readFileSync(join(OBJ_DIR, f)))).sections.find((s) => s.name === '.BTF')!;
  return { name: f, blob: sec.data.slice() };
});

/** The outcome of a decode: the graph, or the BtfError's message and offset. */
function outcome(bytes: Uint8Array, validation: BtfValidation): { btf: Btf } | { error: string } {
  try {
    return { btf: decodeBtf(bytes, { validation }) };
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
    return { error: `${e.byteOffset}: ${e.message}` };
  }
}

const errorOf = (f: () => void): string => {
  try { f(); } catch (e) { if (e instanceof BtfError) return `${e.byteOffset}: ${e.message}`; throw e; }
  return 'no error';
};

describe('structural and full checks agree on well-formed BTF', () => {
  it('every fixture: the same records, the same name index and the same bpftool-format dump', () => {
    expect(fixtureBlobs.length).toBeGreaterThanOrEqual(25);
    for (const { blob } of fixtureBlobs) {
      const full = decodeBtf(blob);
      const structure = decodeBtf(blob, { validation: 'structure' });
      expect(structure.raw!.validation).toBe('structure');
      expect([...structure.raw!.offsets]).toEqual([...full.raw!.offsets]);
      expect(formatBtfRaw(structure)).toBe(formatBtfRaw(full));
      for (const [id] of full.types()) {
        const n = full.nameOf(id);
        if (n !== '') expect(structure.findByName(n)).toEqual(full.findByName(n));
      }
      expect(() => validateBtf(structure)).not.toThrow();
    }
  });

  const hasVmlinux = (() => { try { readFileSync(VMLINUX, { flag: 'r' }).length; return true; } catch { return false; } })();
  if (inCI && !hasVmlinux) throw new Error(`CI=true requires ${VMLINUX}`);
  it.skipIf(!hasVmlinux)('vmlinux: the same record offsets and the same lookups', () => {
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    const full = decodeBtf(bytes);
    const structure = decodeBtf(bytes, { validation: 'structure' });
    expect(structure.length).toBe(full.length);
    expect(Buffer.from(structure.raw!.offsets.buffer, structure.raw!.offsets.byteOffset, structure.raw!.offsets.byteLength)
      .equals(Buffer.from(full.raw!.offsets.buffer, full.raw!.offsets.byteOffset, full.raw!.offsets.byteLength))).toBe(true);
    for (let i = 0; i < 300; i++) {
      const id = 1 + Math.floor((i * (full.length - 1)) / 300);
      const n = full.nameOf(id);
      if (n !== '') expect(structure.findByName(n)).toEqual(full.findByName(n));
    }
  });
});

describe('faults: the structural check gives the full check\'s error, or leaves it to validateBtf', () => {
  it('random byte edits of the fixtures (2,000 runs)', () => {
    let structureOnly = 0;
    let bothRejected = 0;
    fc.assert(fc.property(
      fc.nat({ max: fixtureBlobs.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
      (which, edits) => {
        const b = fixtureBlobs[which]!.blob.slice();
        // Edits within the type and string sections (the header is the same code for both levels).
        for (const [pos, val] of edits) b[24 + (pos % (b.length - 24))] = val;
        const full = outcome(b, 'full');
        const structure = outcome(b, 'structure');
        if ('btf' in full) {
          expect('btf' in structure).toBe(true);
          expect(formatBtfRaw((structure as { btf: Btf }).btf)).toBe(formatBtfRaw(full.btf));
        } else if ('error' in structure) {
          bothRejected++;
          expect(structure.error).toBe(full.error);
        } else {
          structureOnly++;
          expect(errorOf(() => validateBtf(structure.btf))).toBe(full.error);
          // Building the types finds the fault too: some record's own check throws a BtfError —
          // unless the fault is a reference loop, which is a property of the graph, not of a record.
          if (!/: (Loop detected|Exceeded max resolving depth:32) /.test(full.error)) {
            expect(errorOf(() => { for (const [id] of structure.btf.types()) structure.btf.requireType(id); })).not.toBe('no error');
          }
        }
      },
    ), { numRuns: 2000 });
    expect(bothRejected).toBeGreaterThan(50);
    expect(structureOnly).toBeGreaterThan(50);
  });
});

// ---------------------------------------------------------------------------------------------
// Which faults libbpf 1.1's btf__new accepts, asked of libbpf.


type FaultKind = 'member-name' | 'type-ref' | 'record-name' | 'vlen' | 'kind';

interface Fault { readonly kind: FaultKind; readonly blob: Uint8Array; readonly where: string; readonly word: number }

/** Word positions in a decoded (little-endian) blob where each kind of fault can be planted. */
function faultSites(btf: Btf): Record<FaultKind, number[]> {
  const { words, offsets } = btf.raw!;
  const sites: Record<FaultKind, number[]> = { 'member-name': [], 'type-ref': [], 'record-name': [], vlen: [], kind: [] };
  for (const p of offsets) {
    const info = words[p + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    sites['record-name'].push(p);
    sites.kind.push(p + 1);
    const q = p + 3;
    if (kind === 4 || kind === 5) {
      sites.vlen.push(p + 1);
      for (let k = 0; k < vlen; k++) { sites['member-name'].push(q + 3 * k); sites['type-ref'].push(q + 3 * k + 1); }
    } else if (kind === 13) {
      sites['type-ref'].push(p + 2);
      for (let k = 0; k < vlen; k++) { sites['member-name'].push(q + 2 * k); sites['type-ref'].push(q + 2 * k + 1); }
    } else if (kind === 6) {
      for (let k = 0; k < vlen; k++) sites['member-name'].push(q + 2 * k);
    } else if (kind === 2 || kind === 8 || kind === 10 || kind === 12) {
      sites['type-ref'].push(p + 2);
    }
  }
  return sites;
}

function plant(blob: Uint8Array, btf: Btf, kind: FaultKind, site: number, k: number): Uint8Array {
  const out = blob.slice();
  const v = new DataView(out.buffer);
  const at = btf.raw!.typeOffset + 4 * site;
  const word = v.getUint32(at, true);
  switch (kind) {
    case 'member-name': case 'record-name': v.setUint32(at, btf.stringsEnd + k, true); break;
    case 'type-ref': v.setUint32(at, btf.lastId + 1 + k, true); break;
    case 'vlen': v.setUint32(at, (word & 0xffff0000) | 0xffff, true); break;
    case 'kind': v.setUint32(at, (word & 0xe0ffffff) | ((20 + (k % 12)) << 24), true); break;
  }
  return out;
}

const ok = requireReferences('cc');

describe.skipIf(!ok)('what libbpf 1.1 btf__new accepts, against the two levels', () => {
  it('planted faults: libbpf and the structural check accept bad member names and type ids, and both reject what breaks the records', () => {
    const faults: Fault[] = [];
    const kinds: FaultKind[] = ['member-name', 'type-ref', 'record-name', 'vlen', 'kind'];
    fc.assert(fc.property(fc.nat({ max: fixtureBlobs.length - 1 }), fc.constantFrom(...kinds), fc.nat(), fc.nat({ max: 1000 }), (which, kind, pick, k) => {
      const { name, blob } = fixtureBlobs[which]!;
      const btf = decodeBtf(blob);
      const sites = faultSites(btf)[kind];
      if (sites.length === 0) return;
      const site = sites[pick % sites.length]!;
      faults.push({ kind, blob: plant(blob, btf, kind, site, k), where: `${name} ${kind} at word ${site}`, word: site });
    }), { numRuns: 400 });
    const verdicts = libbpfParseOracle('btf__new')(faults.map((f) => f.blob)).map((a) => (a ? 'ACCEPT' : 'REJECT'));
    expect(verdicts.length).toBe(faults.length);
    const seen = new Set<string>();
    faults.forEach((f, i) => {
      const libbpf = verdicts[i];
      const full = outcome(f.blob, 'full');
      const structure = outcome(f.blob, 'structure');
      seen.add(f.kind);
      expect('error' in full, f.where).toBe(true);
      if (f.kind === 'member-name' || f.kind === 'type-ref') {
        // Not looked at by libbpf's parse, nor by the structural check; the full check and validateBtf find it.
        expect(libbpf, f.where).toBe('ACCEPT');
        expect('btf' in structure, f.where).toBe(true);
        if ('btf' in structure && 'error' in full) {
          expect(errorOf(() => validateBtf(structure.btf)), f.where).toBe(full.error);
          // The faulty type, when built, throws the full check's error; the types before it build.
          const { offsets } = structure.btf.raw!;
          let i = 0;
          while (i + 1 < offsets.length && offsets[i + 1]! <= f.word) i++;
          const id = structure.btf.firstId + i;
          expect(errorOf(() => structure.btf.requireType(id)), f.where).toBe(full.error);
          for (let j = structure.btf.firstId; j < id; j++) structure.btf.requireType(j);
        }
      } else if (f.kind === 'record-name') {
        // libbpf's parse does not look at names at all; our name index needs them, so both levels check.
        expect(libbpf, f.where).toBe('ACCEPT');
        expect(structure, f.where).toEqual(full);
      } else {
        expect(libbpf, f.where).toBe('REJECT');
        expect(structure, f.where).toEqual(full);
      }
    });
    expect([...seen].sort()).toEqual([...kinds].sort());
  });
});

// tsbpf/lang per-CPU maps' lookupOnCpu (bpf_map_lookup_percpu_elem) in the kernel: user space
// writes a different value for every possible CPU, the program reads each CPU's back (and null
// for a CPU number past them, a missing key); the mistakes tsc or the compiler catch at their line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, possibleCpus, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireRoot } from './support/references.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-percpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u64 = (n: bigint): Uint8Array => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return b; };

const SOURCE = `import { arrayMap, perCpuArrayMap, perCpuHashMap, socketFilter, type s64, type u32, type u64 } from 'tsbpf/lang';
interface Pair { a: u32; b: u32 }
export const perCpu = perCpuArrayMap<u64>({ maxEntries: 2 });
export const byKey = perCpuHashMap<u32, Pair>({ maxEntries: 4 });
export const cmd = arrayMap<u32>({ maxEntries: 2 });
export const out = arrayMap<s64>({ maxEntries: 2 });
export const prog = socketFilter((pkt) => {
  const cpu = cmd.lookup(0)?.value ?? 0;
  const key = cmd.lookup(1)?.value ?? 0;
  out.update(0, perCpu.lookupOnCpu(1, cpu)?.value ?? -1);
  const p = byKey.lookupOnCpu(key, cpu);
  out.update(1, p ? (p.a * 1000 + p.b) as s64 : -1);
  return 0;
});
`;

describe.skipIf(!requireRoot())('lookupOnCpu in the kernel', () => {
  it("each possible CPU's value as user space wrote it; null past the CPUs and for a missing key", () => {
    const c = loadObject(compileSource(ts, SOURCE, 'percpu.ts').build(), { name: 'percpu' });
    try {
      const n = possibleCpus();
      c.maps.get('perCpu')!.updatePerCpu(u32(1), Array.from({ length: n }, (_, i) => u64(BigInt(100 + i))));
      c.maps.get('byKey')!.updatePerCpu(u32(7), Array.from({ length: n }, (_, i) => { const b = Buffer.alloc(8); b.writeUInt32LE(i + 1, 0); b.writeUInt32LE(i + 2, 4); return b; }));
      const read = (cpu: number, key: number): bigint[] => {
        c.maps.get('cmd')!.update(u32(0), u32(cpu)); c.maps.get('cmd')!.update(u32(1), u32(key));
        expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(64) }).retval).toBe(0);
        return [0, 1].map((k) => Buffer.from(c.maps.get('out')!.lookup(u32(k))!).readBigInt64LE(0));
      };
      expect(Array.from({ length: n }, (_, i) => read(i, 7))).toEqual(Array.from({ length: n }, (_, i) => [BigInt(100 + i), BigInt((i + 1) * 1000 + i + 2)]));
      expect(read(n, 7)).toEqual([-1n, -1n]);
      expect(read(0, 8)).toEqual([100n, -1n]);
    } finally { c.close(); }
  });
});

describe('lookupOnCpu mistakes: errors at the TypeScript line', () => {
  const HEAD = "import { hashMap, perCpuArrayMap, socketFilter, type u32, type u64 } from 'tsbpf/lang';\nexport const plain = hashMap<u32, u64>({ maxEntries: 4 });\nexport const perCpu = perCpuArrayMap<u64>({ maxEntries: 4 });\n";
  it('tsc: lookupOnCpu on a map that is not per-CPU, a value read before the null check', () => {
    const a = tscError(dir, `${HEAD}export const p = socketFilter((pkt) => {\n  plain.lookupOnCpu(1, 0);\n  return 0;\n});\n`);
    expect(a.message).toMatch(/Property 'lookupOnCpu' does not exist on type 'HashMap<number, number>'/);
    expect(a.location.line).toBe(5);
    const b = tscError(dir, `${HEAD}export const p = socketFilter((pkt) => perCpu.lookupOnCpu(1, 0).value as u32);\n`);
    expect(b.message).toMatch(/possibly 'null'/);
    expect(b.location.line).toBe(4);
  });
  it('the compiler: lookupOnCpu on a hash map (past tsc), and without the CPU', () => {
    const a = compileError(`${HEAD}export const p = socketFilter((pkt) => {\n  plain.lookupOnCpu(1, 0);\n  return 0;\n});\n`);
    expect(a.message).toMatch(/lookupOnCpu reads another CPU's value of a per-CPU map; plain is a hashMap/);
    expect(a.location.line).toBe(5);
    const b = compileError(`${HEAD}export const p = socketFilter((pkt) => {\n  perCpu.lookupOnCpu(1);\n  return 0;\n});\n`);
    expect(b.message).toMatch(/lookupOnCpu takes the key and the CPU/);
    expect(b.location.line).toBe(5);
  });
});

// Runs tsbpf/lang programs in the kernel: compile (src/compiler), load (loader), and
// BPF_PROG_TEST_RUN a socket filter that reads its inputs from the `args` array map and stores
// its result in `out` (the shape test/support/lang-programs.ts prints).

import ts from 'typescript';
import { loadObject, testRun } from '../../loader/index.js';
import { compileSource } from '../../src/compiler/index.js';

const u64 = (v: bigint): Uint8Array => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, v)); return b; };
const u32 = (v: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const FRAME = new Uint8Array(64);

/** Compiles `source` and runs its program `prog` once per input vector; the u64 in out[0] after each run. */
export function runArgsProgram(source: string, vectors: readonly (readonly bigint[])[]): bigint[] {
  let bytes: Uint8Array;
  try { bytes = compileSource(ts, source, 'generated.ts').build(); } catch (e) { throw new Error(`${(e as Error).message}\n--- program ---\n${source}`); }
  let c;
  try { c = loadObject(bytes, { name: 'gen' }); } catch (e) { throw new Error(`${(e as Error).message}\n--- program ---\n${source}`); }
  try {
    const args = c.maps.get('args')!, out = c.maps.get('out')!;
    return vectors.map((inputs) => {
      inputs.forEach((v, i) => args.update(u32(i), u64(v)));
      const r = testRun(c.programs.get('prog')!, { data: FRAME });
      if (r.retval !== 0) throw new Error(`the program returned ${r.retval}\n--- program ---\n${source}`);
      return Buffer.from(out.lookup(u32(0))!).readBigUInt64LE(0);
    });
  } finally { c.close(); }
}

// tsbpf/lang loop(n, body) in the kernel: bpf_loop with a subprogram of the module as its
// callback (an ld_imm64 BPF_PSEUDO_FUNC of the function), run by BPF_PROG_TEST_RUN — the sums the
// body leaves in global variables and the count bpf_loop returns, for a loop that runs out and one
// the body stops; and the mistakes the compiler catches at their line.

import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError } from './support/lang-errors.js';
import { requireRoot } from './support/references.js';

const SOURCE = `import { loop, socketFilter, subprogram, type s64, type u32, type u64 } from 'tsbpf/lang';
export let sum: u64 = 0;
export let stopAt: u32 = 0;
export let calls: s64 = 0;
const step = subprogram((i: u32): u32 => {
  sum += i;
  if (stopAt !== 0 && i === stopAt) return 1;
  return 0;
});
export const prog = socketFilter((pkt) => {
  sum = 0;
  calls = loop(pkt.length, step);
  return 0;
});
`;

describe.skipIf(!requireRoot())('loop in the kernel', () => {
  it('runs the body for 0 … n-1, or until it returns 1: the sums and the counts bpf_loop returns', () => {
    const o = compileSource(ts, SOURCE, 'loop.ts').build();
    // The callback's address: an ld_imm64 relocated against .text (where the static function is), as clang writes it.
    const prog = readObject(o).programs.find((p) => p.name === 'prog')!;
    expect(prog.instructions.filter((i) => i.insn.kind === 'ldImm64' && i.relocation?.symbol === '.text').map((i) => i.relocation!.type)).toEqual(['R_BPF_64_64']);
    const c = loadObject(o, { name: 'loop' });
    try {
      const run = (frame: number, stopAt: number): [bigint, bigint] => {
        c.globals.stopAt = stopAt;
        expect(testRun(c.programs.get('prog')!, { data: new Uint8Array(frame) }).retval).toBe(0);
        return [BigInt(c.globals.sum as number | bigint), BigInt(c.globals.calls as number | bigint)];
      };
      // A socket filter's test run sees the frame past its 14-byte Ethernet header: n = frame - 14.
      expect(run(24, 0)).toEqual([45n, 10n]);
      expect(run(24, 5)).toEqual([15n, 6n]);
      expect(run(1014, 0)).toEqual([BigInt((1000 * 999) / 2), 1000n]);
    } finally { c.close(); }
  });
});

describe('loop mistakes: errors at the TypeScript line', () => {
  const HEAD = "import { global, loop, socketFilter, subprogram, type u32 } from 'tsbpf/lang';\nfunction inlined(i: u32): u32 { return 0; }\nconst g = global((i: u32): u32 => 0);\nconst two = subprogram((i: u32, j: u32): u32 => 0);\nconst any = subprogram((i: u32): u32 => i);\nconst ok = subprogram((i: u32): u32 => 0);\n";
  const cases: [string, string, number, RegExp][] = [
    ['an inlined function as the body', 'export const p = socketFilter((pkt) => { loop(3, inlined); return 0; });', 7, /the loop body is a subprogram of the module/],
    ['a global function as the body', 'export const p = socketFilter((pkt) => { loop(3, g); return 0; });', 7, /g is a global function; a loop body is a static subprogram/],
    ['a body with two parameters', 'export const p = socketFilter((pkt) => { loop(3, two); return 0; });', 4, /a loop body takes the index only/],
    ['a body returning something other than 0 or 1', 'export const p = socketFilter((pkt) => { loop(3, any); return 0; });', 5, /a loop body returns 0 \(go on\) or 1 \(stop\) as a literal/],
    ['more iterations than bpf_loop makes', 'export const p = socketFilter((pkt) => { loop(8388609, ok); return 0; });', 7, /bpf_loop makes at most 8388608 iterations/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

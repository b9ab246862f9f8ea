// Parses libbpf 1.1's debug lines about CO-RE relocations (from `bpftool -d` or the C harness) into
// one outcome per (program, relo #), so tests can compare them with relocateObjectCore's results.

import { expect } from 'vitest';
import type { CoreRelocationResult } from '../loader/index.js';

export interface LibbpfRelo {
  readonly program: string;
  readonly relo: number;
  /** libbpf's insn # (slot from the program's start). */
  slot: number;
  outcome: 'alu' | 'mem' | 'ldimm64' | 'poison';
  from?: bigint;
  to?: bigint;
  memSize?: [number, number];
  /** The "matching candidate" / "no matching targets" decision was logged. */
  noTarget?: boolean;
}

export function parseLibbpfCoreLog(log: string): Map<string, LibbpfRelo> {
  const out = new Map<string, LibbpfRelo>();
  const get = (program: string, relo: number): LibbpfRelo => {
    const key = `${program}#${relo}`;
    let r = out.get(key);
    if (r === undefined) { r = { program, relo, slot: -1, outcome: 'poison' }; out.set(key, r); }
    return r;
  };
  for (const line of log.split('\n')) {
    let m = /prog '([^']+)': relo #(\d+): patched insn #(\d+) \((ALU\/ALU64|LDX\/ST\/STX|LDIMM64)\) (?:imm|off|imm64) (\d+) -> (\d+)/.exec(line);
    if (m !== null) {
      const r = get(m[1]!, Number(m[2]));
      r.slot = Number(m[3]);
      r.outcome = m[4] === 'ALU/ALU64' ? 'alu' : m[4] === 'LDIMM64' ? 'ldimm64' : 'mem';
      r.from = BigInt(m[5]!); r.to = BigInt(m[6]!);
      continue;
    }
    m = /prog '([^']+)': relo #(\d+): patched insn #(\d+) \(LDX\/ST\/STX\) mem_sz (\d+) -> (\d+)/.exec(line);
    if (m !== null) { get(m[1]!, Number(m[2])).memSize = [Number(m[4]), Number(m[5])]; continue; }
    m = /prog '([^']+)': relo #(\d+): substituting insn #(\d+) w\/ invalid insn/.exec(line);
    if (m !== null) {
      const r = get(m[1]!, Number(m[2]));
      const slot = Number(m[3]);
      r.outcome = 'poison';
      r.slot = r.slot < 0 ? slot : Math.min(r.slot, slot); // an ld_imm64 logs slot+1 first, then slot
      continue;
    }
    m = /prog '([^']+)': relo #(\d+): no matching targets found/.exec(line);
    if (m !== null) get(m[1]!, Number(m[2])).noTarget = true;
  }
  return out;
}

/** Asserts that our results and libbpf's log say the same for every relocation, and returns how many. */
export function expectSameAsLibbpf(results: readonly CoreRelocationResult[], log: Map<string, LibbpfRelo>, where: string): number {
  const ours = results.map((r) => {
    const o: Record<string, unknown> = { key: `${r.program}#${r.relocationIndex}`, slot: r.slot, ok: r.ok };
    if (r.ok) { o.from = BigInt(r.originalValue); o.to = BigInt(r.patchedValue); o.memSize = r.newSize; }
    return o;
  });
  const theirs = results.map((r) => {
    const l = log.get(`${r.program}#${r.relocationIndex}`);
    if (l === undefined) return { key: `${r.program}#${r.relocationIndex}`, missing: 'not in libbpf log' };
    const o: Record<string, unknown> = { key: `${l.program}#${l.relo}`, slot: l.slot, ok: l.outcome !== 'poison' };
    if (l.outcome !== 'poison') { o.from = l.from; o.to = l.to; o.memSize = l.memSize?.[1]; }
    return o;
  });
  expect(ours, where).toEqual(theirs);
  expect(results.length, `${where}: relocation count`).toBe(log.size);
  return results.length;
}

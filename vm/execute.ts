// One run of a program in a Machine with a chosen engine: the fault boundary (a FaultSignal
// becomes a value, anything else is a bug and propagates), tail calls, and bpf_loop callbacks.

import { FaultSignal, type VmFault } from './fault.js';
import type { EngineResult } from './interpreter.js';
import type { Invoker, Machine } from './machine.js';
import type { PreparedProgram } from './program.js';

/** An engine runs a program from a slot, in a frame, with r1..r5, until its outermost exit. */
export type Engine = (prog: PreparedProgram, m: Machine, entry: number, args: readonly bigint[], depth: number) => EngineResult;

export interface ExecuteResult {
  /** r0 at the final exit (u64); 0 after a fault. */
  readonly r0: bigint;
  readonly fault: VmFault | null;
  readonly insnsExecuted: number;
  /** Index in `programs` of the program that ran last (after tail calls). */
  readonly program: number;
}

/** The kernel's MAX_TAIL_CALL_CNT. */
export const MAX_TAIL_CALLS = 33;

/** bpf_loop's callbacks run in the program that is current (after tail calls). One object per run, no closures. */
class Callbacks implements Invoker {
  constructor(private readonly programs: readonly PreparedProgram[], private readonly m: Machine, private readonly engine: Engine, public current: number) {}
  callback(slot: number, args: readonly bigint[], depth: number): bigint {
    return this.engine(this.programs[this.current]!, this.m, slot, args, depth).r0;
  }
}

export function execute(programs: readonly PreparedProgram[], first: number, m: Machine, args: readonly bigint[], engine: Engine): ExecuteResult {
  const run = new Callbacks(programs, m, engine, first);
  m.invoker = run;
  try {
    for (let tails = 0; ; tails++) {
      m.tailCall = undefined;
      const r = engine(programs[run.current]!, m, 0, args, 0);
      if (!r.tail) return { r0: r.r0, fault: null, insnsExecuted: m.count, program: run.current };
      run.current = m.tailCall!;
    }
  } catch (e) {
    if (e instanceof FaultSignal) return { r0: 0n, fault: e.fault, insnsExecuted: m.count, program: run.current };
    throw e;
  }
}

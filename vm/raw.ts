// Running bare bytecode on a block of memory, as the conformance suite's runners do:
// r1 = the memory, r2 = its length, helpers from the default table.

import type { Instruction } from '../isa/index.js';
import { type Engine, execute, type ExecuteResult } from './execute.js';
import { fault } from './fault.js';
import { DEFAULT_HELPERS, helperName } from './helpers/index.js';
import { interpret } from './interpreter.js';
import { DEFAULT_ENVIRONMENT, Machine, type VmEnvironment } from './machine.js';
import { Memory } from './memory.js';
import { prepareProgram } from './program.js';

export interface RawRunOptions {
  readonly memory?: Uint8Array;
  readonly engine?: Engine;
  readonly maxInstructions?: number;
  readonly env?: Partial<VmEnvironment>;
}

export const DEFAULT_MAX_INSTRUCTIONS = 1e9;

export function unknownHelper(id: number, insn: number): never {
  return fault('helper', insn, `helper ${helperName(id)} is not supported by the vm`);
}

export function runRaw(code: Uint8Array | readonly Instruction[], o: RawRunOptions = {}): ExecuteResult & { printk: readonly string[]; memory: Uint8Array } {
  const prog = prepareProgram('program', code);
  const mem = new Memory();
  const m = new Machine({
    mem, helpers: DEFAULT_HELPERS, maxInsns: o.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, unknownHelper,
    env: { ...DEFAULT_ENVIRONMENT, ...o.env },
  });
  const bytes = o.memory ?? new Uint8Array(0);
  const copy = new Uint8Array(bytes);
  const hi = mem.map('mem', copy);
  const r = execute([prog], 0, m, [mem.base(hi), BigInt(bytes.length)], o.engine ?? interpret);
  return { ...r, printk: m.printk, memory: copy };
}

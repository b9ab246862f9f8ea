// Which field fault, if any, the kernel is certain to report first.
//
// do_check starts at slot 0 with r1 = ctx, r10 = frame pointer and the other
// registers uninitialised. Along the straight-line start of the program
// (moves, arithmetic on scalars, plain ld_imm64, ja/gotol) nothing can fail
// except the field checks themselves, so the first field fault met there is
// the kernel's verdict. The walk stops, leaving the decision to abstract
// interpretation, at the first instruction whose outcome depends on more than
// initialisation and scalar-vs-pointer (memory access, conditional jump,
// call, exit, arithmetic involving a pointer), at a read of an uninitialised
// register (the kernel then reports `R%d !read_ok`), and at a loop.

import type { RawSlot } from '../isa/index.js';
import { AluCode, Class, JmpCode } from '../isa/index.js';
import { isPlainLdImm64, runEntrySteps } from './instruction-faults.js';
import type { ResolvedOptions } from './options.js';
import { classOf, opOf, usesSrcReg } from './slots.js';
import type { InstructionFault } from './verdict.js';

type RegisterState = 'uninit' | 'scalar' | 'pointer';

/** The slot after `slot` when its outcome is certain, updating `regs`; undefined to stop. */
function certainSuccessor(slot: RawSlot, index: number, regs: RegisterState[]): number | undefined {
  const { opcode, dst, src, offset, imm } = slot;
  const cls = classOf(opcode);
  if (cls === Class.ALU || cls === Class.ALU64) {
    const op = opOf(opcode);
    const x = usesSrcReg(opcode);
    if (op === AluCode.mov) {
      if (!x) {
        regs[dst] = 'scalar';
        return index + 1;
      }
      const from = regs[src];
      // A 64-bit copy keeps the type; narrowing or sign-extending a pointer is left to later stages.
      if (cls === Class.ALU64 && offset === 0) regs[dst] = from!;
      else if (from === 'scalar' && !(cls === Class.ALU64 && offset === 1)) regs[dst] = 'scalar';
      else return undefined;
      return index + 1;
    }
    if (regs[dst] !== 'scalar') return undefined;
    if (x && op !== AluCode.neg && op !== AluCode.end && regs[src] !== 'scalar') return undefined;
    return index + 1;
  }
  if (isPlainLdImm64(slot)) {
    regs[dst] = 'scalar';
    return index + 2;
  }
  if (opcode === (Class.JMP | JmpCode.ja)) return index + offset + 1;
  if (opcode === (Class.JMP32 | JmpCode.ja)) return index + imm + 1;
  return undefined;
}

export function firstReachedFault(slots: readonly RawSlot[], options: ResolvedOptions): InstructionFault | undefined {
  const regs: RegisterState[] = ['uninit', 'pointer', 'uninit', 'uninit', 'uninit', 'uninit', 'uninit', 'uninit', 'uninit', 'uninit', 'pointer'];
  const visited = new Set<number>();
  let index: number | undefined = 0;
  while (index !== undefined && index >= 0 && index < slots.length && !visited.has(index)) {
    visited.add(index);
    // Scalars pass the atomic destination check (the access itself fails later); pointers depend on
    // their type. A stored pointer depends on the loader (the walk decides).
    const result = runEntrySteps(slots[index]!, index, options, (condition) =>
      (condition.kind === 'initialised' ? regs[condition.reg] !== 'uninit' : regs[condition.reg] === 'scalar'));
    if (result !== undefined) return result === 'undecided' ? undefined : result;
    index = certainSuccessor(slots[index]!, index, regs);
  }
  return undefined;
}

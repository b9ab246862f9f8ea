// The control-flow walk: an iterative depth-first search from slot 0 over
// fall-through, jump, call and function-reference edges, then a scan in slot
// order for the first slot the walk never finished (`unreachable insn %d`)
// and the first ld_imm64 whose second slot is a jump target (`jump into the
// middle of ldimm64 insn %d`). Subprograms are reached only through calls and
// function references, so an uncalled subprogram is unreachable code.
//
// A privileged loader may have loops: an edge back to a slot still on the
// search stack is simply not followed. For an unprivileged loader it is an
// error, reported for the first such edge in search order.

import type { RawSlot } from '../isa/index.js';
import { Class, JmpCode } from '../isa/index.js';
import { fail, type PassFailure } from './failure.js';
import { classOf, isFunctionReference, isJumpClass, isLdImm64, isLocalCall, opOf, usesSrcReg } from './slots.js';

const DISCOVERED = 0x10;
const EXPLORED = 0x20;
const FALLTHROUGH = 1;
const BRANCH = 2;

/** Results of a search step: the slot is finished, or a successor was pushed. */
const Step = { Done: 0, KeepExploring: 1 } as const;

type StepResult = 0 | 1 | PassFailure;

export function checkControlFlow(slots: readonly RawSlot[], privileged: boolean): PassFailure | undefined {
  const n = slots.length;
  const state = new Uint8Array(n);
  const stack: number[] = [0];
  state[0] = DISCOVERED;

  const push = (t: number, w: number, edge: number): StepResult => {
    if (state[t]! >= (DISCOVERED | edge)) return Step.Done;
    if (w < 0 || w >= n) return fail('EINVAL', `jump out of range from insn ${t} to ${w}`, t);
    if (state[w] === 0) {
      state[t] = DISCOVERED | edge;
      state[w] = DISCOVERED;
      stack.push(w);
      return Step.KeepExploring;
    }
    if ((state[w]! & 0xf0) === DISCOVERED) {
      if (privileged) return Step.Done;
      return fail('EINVAL', `back-edge from insn ${t} to ${w}`, t);
    }
    state[t] = DISCOVERED | edge;
    return Step.Done;
  };

  const pushBoth = (t: number, next: number, target: number | undefined): StepResult => {
    const first = push(t, next, FALLTHROUGH);
    if (first !== Step.Done || target === undefined) return first;
    return push(t, target, BRANCH);
  };

  const visit = (t: number): StepResult => {
    const slot = slots[t]!;
    if (isFunctionReference(slot)) return pushBoth(t, t + 2, (t + slot.imm + 1) | 0);
    if (!isJumpClass(slot.opcode)) return push(t, t + (isLdImm64(slot) ? 2 : 1), FALLTHROUGH);
    switch (opOf(slot.opcode)) {
      case JmpCode.exit:
        return Step.Done;
      case JmpCode.call:
        return pushBoth(t, t + 1, isLocalCall(slot) ? (t + slot.imm + 1) | 0 : undefined);
      case JmpCode.ja: {
        // The register form does not exist on 6.18 and never gets here.
        if (usesSrcReg(slot.opcode)) return fail('EINVAL', [], t);
        const delta = classOf(slot.opcode) === Class.JMP ? slot.offset : slot.imm;
        return push(t, (t + delta + 1) | 0, FALLTHROUGH);
      }
      default:
        return pushBoth(t, t + 1, t + slot.offset + 1);
    }
  };

  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const result = visit(t);
    if (typeof result === 'object') return result;
    if (result === Step.Done) {
      state[t] = EXPLORED;
      stack.pop();
    }
  }

  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) return fail('EINVAL', `unreachable insn ${i}`, i);
    if (isLdImm64(slots[i]!)) {
      if (state[i + 1] !== 0) return fail('EINVAL', `jump into the middle of ldimm64 insn ${i}`, i);
      i++;
    }
  }
  return undefined;
}

// The two callback helpers beyond bpf_loop and bpf_for_each_map_elem: bpf_find_vma (its task
// argument is ARG_PTR_TO_BTF_ID of task_struct) and bpf_user_ringbuf_drain (its callback gets a
// local dynptr in R1). The kernel sets their callback frames up in set_find_vma_callback_state
// and set_user_ringbuf_callback_state; callbacks.ts queues the body as for the others.

import type { Instruction } from '../../isa/index.js';
import { tnumIsConst } from '../scalar/tnum.js';
import { notModelled } from './outcome.js';
import { btfPointer } from './btf-pointer.js';
import { cloneReg, type RegState } from './reg.js';

/**
 * check_reg_type for ARG_PTR_TO_BTF_ID of `struct name` (a helper's argN_btf_id): the model
 * accepts an unmodified, non-NULL, not untrusted pointer to exactly that struct; any other
 * register (where the kernel's message depends on btf_struct_ids_match) has no model verdict.
 */
export function checkHelperBtfIdArg(regno: number, reg: RegState, name: string): void {
  const exact = reg.type === 'ptr' && reg.btfName === name && !reg.flags.maybeNull && reg.flags.untrusted !== true
    && reg.off === 0 && tnumIsConst(reg.s.varOff) && reg.s.varOff.value === 0n;
  if (!exact) notModelled(`R${regno} as the struct ${name} argument of a helper`);
}

/**
 * The callee's R1-R3 for bpf_find_vma's callback (task, vma, callback_ctx): R1 the caller's task,
 * R2 a plain PTR_TO_BTF_ID of vm_area_struct, R3 the caller's R4.
 */
export function findVmaCallbackArgs(caller: readonly RegState[], r: RegState[]): void {
  r[1] = cloneReg(caller[1]!);
  r[2] = btfPointer('vm_area_struct');
  r[3] = cloneReg(caller[4]!);
}

/**
 * bpf_user_ringbuf_drain's callback (dynptr, callback_ctx): R2 the caller's R3. R1 is a
 * PTR_TO_DYNPTR the model has no register for, so the model follows only a callback that
 * overwrites R1 before anything can read it (on the straight-line code at its start).
 */
export function userRingbufCallbackArgs(caller: readonly RegState[], r: RegState[], body: readonly (Instruction | undefined)[], start: number): void {
  if (!overwritesR1First(body, start)) notModelled('the dynptr argument of a bpf_user_ringbuf_drain callback');
  r[2] = cloneReg(caller[3]!);
}

/** Whether the straight-line code at `start` writes R1 before any instruction that may read it. */
function overwritesR1First(body: readonly (Instruction | undefined)[], start: number): boolean {
  for (let i = start; i < body.length; i++) {
    const insn = body[i];
    if (insn === undefined) return false;
    switch (insn.kind) {
      case 'alu':
        if (insn.op === 'mov' && insn.dst === 1) return insn.src.kind === 'imm' || insn.src.reg !== 1;
        if (insn.dst === 1 || (insn.src.kind === 'reg' && insn.src.reg === 1)) return false;
        break;
      case 'ldx':
        if (insn.src === 1) return false;
        if (insn.dst === 1) return true;
        break;
      case 'ldImm64':
        if (insn.dst === 1) return insn.pseudo === 0;
        break;
      case 'st':
        if (insn.dst === 1) return false;
        break;
      case 'stx':
        if (insn.dst === 1 || insn.src === 1) return false;
        break;
      case 'exit':
        return true;
      default:
        return false;
    }
  }
  return false;
}

// checkStructure: the structural stage of the verifier model, running the
// kernel's passes in the kernel's order and stopping at the first failure.

import type { RawSlot } from '../isa/index.js';
import { checkAttachBtfId, checkSleepable } from './attach.js';
import { checkControlFlow } from './cfg.js';
import { Assumptions, type PassFailure } from './failure.js';
import { firstReachedFault } from './first-instructions.js';
import { instructionFault } from './instruction-faults.js';
import { checkInstructionTable } from './instruction-table.js';
import { resolveOptions, type StructureOptions } from './options.js';
import { type ProgramInput, isLdImm64, toRawSlots } from './slots.js';
import { checkFunctionReturns, checkJumpRanges, checkSubprogramContents, findSubprograms } from './subprogs.js';
import type { InstructionFault, StructuralPass, StructureRejection, StructureResult } from './verdict.js';

/** BPF_COMPLEXITY_LIMIT_INSNS: the most slots a bpf_capable loader may pass. */
export const MAX_PROGRAM_SLOTS = 1_000_000;
/** BPF_MAXINSNS: the most slots a loader without CAP_BPF may pass. */
export const MAX_UNPRIVILEGED_PROGRAM_SLOTS = 4096;

function reject(pass: StructuralPass, failure: PassFailure, assumptions: Assumptions): StructureRejection {
  const message = failure.log[failure.log.length - 1];
  return {
    verdict: 'reject',
    errno: failure.errno,
    ...(message === undefined ? {} : { message }),
    log: failure.log,
    ...(failure.insnIndex === undefined ? {} : { insnIndex: failure.insnIndex }),
    pass,
    assumptions: assumptions.list(),
  };
}

/**
 * Runs the checks Linux 6.18 applies before abstract interpretation, in its
 * order, on the raw slots of one program:
 * 1. program size (0 or too many slots: E2BIG with an empty log),
 * 2. subprograms: call and function-reference targets, subprogram count, kfunc ids,
 * 3. jump ranges within subprograms and the last slot of each subprogram,
 * 4. no legacy packet loads or tail calls in subprograms (no BTF function info),
 * 5. the instruction table: LDX reserved fields, ld_imm64 pairs and pseudo sources, unknown opcodes,
 * 6. the control-flow walk: unreachable slots, jumps into the middle of an ld_imm64,
 * 7. field checks of do_check on the instructions the kernel reaches first for certain.
 * The result rejects with the kernel's errno and final log line, or accepts
 * the structure and lists the field faults abstract interpretation will report
 * if it reaches them.
 */
export function checkStructure(input: ProgramInput, options?: StructureOptions): StructureResult {
  const resolved = resolveOptions(options);
  const slots = toRawSlots(input);
  const assumptions = new Assumptions();

  const limit = resolved.privileged ? MAX_PROGRAM_SLOTS : MAX_UNPRIVILEGED_PROGRAM_SLOTS;
  if (slots.length === 0 || slots.length > limit) return reject('program-size', { errno: 'E2BIG', log: [] }, assumptions);

  const attachId = checkAttachBtfId(resolved.progType, options?.attachBtfId);
  if (attachId !== undefined) return reject('attach', attachId, assumptions);

  const subprograms = findSubprograms(slots, resolved, assumptions);
  if ('errno' in subprograms) return reject('subprograms', subprograms, assumptions);

  const ranges = checkJumpRanges(slots, subprograms.starts);
  if (ranges !== undefined) return reject('jump-ranges', ranges, assumptions);

  const functions = options?.functions;
  const contents = functions === undefined ? checkSubprogramContents(slots, subprograms.starts) : checkFunctionReturns(slots, subprograms.starts, functions);
  if (contents !== undefined) return reject('subprogram-contents', contents, assumptions);

  const table = checkInstructionTable(slots, resolved, assumptions);
  if (table !== undefined) return reject('instruction-table', table, assumptions);

  const cfg = checkControlFlow(slots, resolved.privileged);
  if (cfg !== undefined) return reject('control-flow', cfg, assumptions);

  const sleepable = checkSleepable(resolved.progType, options?.expectedAttachType ?? 0, options?.sleepable ?? false);
  if (sleepable !== undefined) return reject('attach', sleepable, assumptions);

  const first = firstReachedFault(slots, resolved);
  if (first !== undefined) {
    return reject('first-instructions', { errno: first.errno, log: [first.message], insnIndex: first.insnIndex }, assumptions);
  }

  const instructionFaults: InstructionFault[] = [];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const found = instructionFault(slot, i, resolved);
    if (found !== undefined) instructionFaults.push(found);
    if (isLdImm64(slot)) i++;
  }
  return {
    verdict: 'accept-structure',
    subprograms: subprograms.starts,
    instructionFaults,
    assumptions: assumptions.list(),
  };
}

/**
 * The field fault do_check reports for one raw slot when abstract
 * interpretation reaches it, if its encoding has one. Opcodes outside the
 * kernel's table and second halves of ld_imm64 never get there.
 */
export function instructionFaultOf(slot: RawSlot, index: number, options?: StructureOptions): InstructionFault | undefined {
  return instructionFault(toRawSlots([slot])[0]!, index, resolveOptions(options));
}

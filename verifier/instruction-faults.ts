// The field checks do_check applies to an instruction when abstract
// interpretation reaches it. They are interleaved with the register checks of
// the same instruction in a fixed order (for example `r1 /= 0` first needs r1
// to hold a value, then fails with `div by zero`), and they are applied only
// to instructions that are actually reached: `div by zero` in a branch the
// verifier proves dead is accepted.
//
// Each instruction is described by its entry steps, up to and including the
// first failure that depends on the encoding alone:
// - read rN: SRC_OP register check (`R%d is invalid` for N > 10, `R%d !read_ok` if uninitialised),
// - write rN: DST_OP register check (`R%d is invalid`, `frame pointer is read only` for r10),
// - stored rN: the value a BPF_ATOMIC stores (and R0 that cmpxchg compares) must be no pointer
//   unless the loader may leak pointers (`R%d leaks addr into mem`), checked before
// - atomic-target rN: the BPF_ATOMIC destination-type check, which depends on
//   the abstract state but comes before the check of the register a fetching
//   atomic writes,
// - fault: a field check that fails.
// After the steps come checks that depend on the abstract state, which later
// stages model.

import type { RawSlot } from '../isa/index.js';
import { AluCode, AtomicImm, Class, JmpCode, Mode, PseudoSrc, SizeCode } from '../isa/index.js';
import { isKnownOpcode } from './opcode-table.js';
import type { ResolvedOptions } from './options.js';
import { classOf, hex2, modeOf, opOf, sizeBitsOf, usesSrcReg } from './slots.js';
import type { Errno, FaultPrecondition, InstructionFault } from './verdict.js';

export type EntryStep =
  | { readonly kind: 'read'; readonly reg: number }
  | { readonly kind: 'write'; readonly reg: number }
  | { readonly kind: 'stored'; readonly reg: number }
  | { readonly kind: 'atomic-target'; readonly reg: number }
  | { readonly kind: 'fault'; readonly message: string; readonly errno: Errno };

const FRAME_POINTER = 10;
const MAX_REGISTER = 10;

const read = (reg: number): EntryStep => ({ kind: 'read', reg });
const write = (reg: number): EntryStep => ({ kind: 'write', reg });
const fault = (message: string): EntryStep => ({ kind: 'fault', message, errno: 'EINVAL' });

/** `then` when the field check passed, otherwise just its fault. */
function withFieldCheck(failed: boolean, message: string, then: EntryStep[]): EntryStep[] {
  return failed ? [fault(message)] : then;
}

const readModifyWriteImms: ReadonlySet<number> = new Set([
  AtomicImm.add, AtomicImm.add | AtomicImm.fetch, AtomicImm.or, AtomicImm.or | AtomicImm.fetch,
  AtomicImm.and, AtomicImm.and | AtomicImm.fetch, AtomicImm.xor, AtomicImm.xor | AtomicImm.fetch,
  AtomicImm.xchg, AtomicImm.cmpxchg,
]);

/** Program types whose context is an sk_buff that the legacy packet loads can use. */
const skbProgramTypes: ReadonlySet<string> = new Set(['socket_filter', 'sched_cls', 'sched_act']);

function aluSteps(slot: RawSlot, options: ResolvedOptions): EntryStep[] {
  const { opcode, dst, src, offset, imm } = slot;
  const x = usesSrcReg(opcode);
  const alu64 = classOf(opcode) === Class.ALU64;
  const op = opOf(opcode);
  if (op === AluCode.neg) {
    return withFieldCheck(x || src !== 0 || offset !== 0 || imm !== 0, 'BPF_NEG uses reserved fields', [read(dst), write(dst)]);
  }
  if (op === AluCode.end) {
    const bad = src !== 0 || offset !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (alu64 && x);
    return withFieldCheck(bad, 'BPF_END uses reserved fields', [read(dst), write(dst)]);
  }
  if (op === AluCode.mov) {
    if (!x) return withFieldCheck(src !== 0 || offset !== 0, 'BPF_MOV uses reserved fields', [write(dst)]);
    if (!alu64) {
      return withFieldCheck((offset !== 0 && offset !== 8 && offset !== 16) || imm !== 0, 'BPF_MOV uses reserved fields', [read(src), write(dst)]);
    }
    if (offset === 1) {
      if (imm !== 1 && imm !== 0x10000) return [fault('addr_space_cast insn can only convert between address space 1 and 0')];
      if (!options.arena) return [fault('addr_space_cast insn can only be used in a program that has an associated arena')];
      return [read(src), write(dst)];
    }
    const bad = (offset !== 0 && offset !== 8 && offset !== 16 && offset !== 32) || imm !== 0;
    return withFieldCheck(bad, 'BPF_MOV uses reserved fields', [read(src), write(dst)]);
  }
  // The signed forms of div and mod set off to 1; no other op has an offset.
  const badOffset = (offset !== 0 && offset !== 1) || (offset === 1 && op !== AluCode.div && op !== AluCode.mod);
  const steps: EntryStep[] = [];
  if (x) {
    if (imm !== 0 || badOffset) return [fault('BPF_ALU uses reserved fields')];
    steps.push(read(src));
  } else if (src !== 0 || badOffset) {
    return [fault('BPF_ALU uses reserved fields')];
  }
  steps.push(read(dst));
  if (!x && (op === AluCode.div || op === AluCode.mod) && imm === 0) return [...steps, fault('div by zero')];
  if (!x && (op === AluCode.lsh || op === AluCode.rsh || op === AluCode.arsh) && (imm < 0 || imm >= (alu64 ? 64 : 32))) {
    return [...steps, fault(`invalid shift ${imm}`)];
  }
  return [...steps, write(dst)];
}

function storeSteps(slot: RawSlot): EntryStep[] {
  const { opcode, dst, src, imm } = slot;
  if (modeOf(opcode) === Mode.ATOMIC) {
    if (readModifyWriteImms.has(imm)) {
      const size = sizeBitsOf(opcode);
      if (size !== SizeCode.W && size !== SizeCode.DW) return [fault('invalid atomic operand size')];
      const steps: EntryStep[] = imm === AtomicImm.cmpxchg ? [read(src), read(dst), read(0), { kind: 'stored', reg: 0 }] : [read(src), read(dst)];
      steps.push({ kind: 'stored', reg: src }, { kind: 'atomic-target', reg: dst });
      // A fetching operation returns the old value in src (r0 for cmpxchg).
      if ((imm & AtomicImm.fetch) !== 0) steps.push(write(imm === AtomicImm.cmpxchg ? 0 : src));
      return steps;
    }
    if (imm === AtomicImm.loadAcquire) return [read(src), write(dst)];
    if (imm === AtomicImm.storeRelease) return [read(src), read(dst)];
    return [fault(`BPF_ATOMIC uses invalid atomic opcode ${hex2(imm)}`)];
  }
  return withFieldCheck(modeOf(opcode) !== Mode.MEM || imm !== 0, 'BPF_STX uses reserved fields', [read(src), read(dst)]);
}

function jumpSteps(slot: RawSlot): EntryStep[] {
  const { opcode, dst, src, offset, imm } = slot;
  const x = usesSrcReg(opcode);
  const jmp32 = classOf(opcode) === Class.JMP32;
  switch (opOf(opcode)) {
    case JmpCode.call: {
      const bad = x || (src !== 2 && offset !== 0) || src > 2 || dst !== 0 || jmp32;
      return withFieldCheck(bad, 'BPF_CALL uses reserved fields', []);
    }
    case JmpCode.ja: {
      const bad = x || src !== 0 || dst !== 0 || (!jmp32 && imm !== 0) || (jmp32 && offset !== 0);
      return withFieldCheck(bad, 'BPF_JA uses reserved fields', []);
    }
    case JmpCode.exit:
      return withFieldCheck(x || imm !== 0 || src !== 0 || dst !== 0 || jmp32, 'BPF_EXIT uses reserved fields', []);
    case JmpCode.jcond:
      return withFieldCheck(opcode !== (Class.JMP | JmpCode.jcond) || src !== 0 || dst !== 0 || imm !== 0, `invalid may_goto imm ${imm}`, []);
    default:
      if (x) return imm !== 0 ? [read(dst), fault('BPF_JMP/JMP32 uses reserved fields')] : [read(dst), read(src)];
      return src !== 0 ? [read(dst), fault('BPF_JMP/JMP32 uses reserved fields')] : [read(dst)];
  }
}

function loadSteps(slot: RawSlot, options: ResolvedOptions): EntryStep[] {
  const { opcode, dst, src, offset } = slot;
  const mode = modeOf(opcode);
  if (mode === Mode.ABS || mode === Mode.IND) {
    if (!skbProgramTypes.has(options.progType)) return [fault('BPF_LD_[ABS|IND] instructions not allowed for this program type')];
    const bad = dst !== 0 || offset !== 0 || sizeBitsOf(opcode) === SizeCode.DW || (mode === Mode.ABS && src !== 0);
    // r6 must hold the context; the index register of the IND form is read after that type check.
    return withFieldCheck(bad, 'BPF_LD_[ABS|IND] uses reserved fields', [read(6)]);
  }
  // The only other LD opcode in the table is ld_imm64.
  return withFieldCheck(offset !== 0, 'BPF_LD_IMM64 uses reserved fields', [write(dst)]);
}

/**
 * The entry steps of the instruction in `slot`, ending at its first field
 * fault if it has one. Empty for opcodes outside the kernel's table, which
 * never reach do_check.
 */
export function entrySteps(slot: RawSlot, options: ResolvedOptions): EntryStep[] {
  if (!isKnownOpcode(slot.opcode)) return [];
  switch (classOf(slot.opcode)) {
    case Class.ALU:
    case Class.ALU64:
      return aluSteps(slot, options);
    case Class.LDX:
      // Its reserved fields were checked with the instruction table.
      return [read(slot.src), write(slot.dst)];
    case Class.STX:
      return storeSteps(slot);
    case Class.ST:
      return withFieldCheck(modeOf(slot.opcode) !== Mode.MEM || slot.src !== 0, 'BPF_ST uses reserved fields', [read(slot.dst)]);
    case Class.JMP:
    case Class.JMP32:
      return jumpSteps(slot);
    default:
      return loadSteps(slot, options);
  }
}

/** The failure a register step causes regardless of state, if any. */
export function registerFault(step: EntryStep): { message: string; errno: Errno } | undefined {
  if (step.kind === 'fault') return step;
  if (step.kind === 'atomic-target' || step.kind === 'stored') return undefined;
  if (step.reg > MAX_REGISTER) return { message: `R${step.reg} is invalid`, errno: 'EINVAL' };
  if (step.kind === 'write' && step.reg === FRAME_POINTER) return { message: 'frame pointer is read only', errno: 'EACCES' };
  return undefined;
}

/**
 * Runs the entry steps of the instruction at `index`. `holds` decides each
 * state-dependent condition (r10 is always initialised); the result is the
 * field fault reached, 'undecided' when a condition does not hold (the kernel
 * then fails in a later stage's check), or undefined when the encoding is fine.
 */
export function runEntrySteps(
  slot: RawSlot, index: number, options: ResolvedOptions, holds: (condition: FaultPrecondition) => boolean,
): InstructionFault | 'undecided' | undefined {
  const preconditions: FaultPrecondition[] = [];
  for (const step of entrySteps(slot, options)) {
    const failure = registerFault(step);
    if (failure !== undefined) return { insnIndex: index, message: failure.message, errno: failure.errno, preconditions };
    let condition: FaultPrecondition | undefined;
    if (step.kind === 'atomic-target') condition = { kind: 'atomic-target', reg: step.reg };
    else if (step.kind === 'stored') condition = { kind: 'not-pointer', reg: step.reg };
    else if (step.kind === 'read' && step.reg !== FRAME_POINTER) condition = { kind: 'initialised', reg: step.reg };
    if (condition === undefined || preconditions.some((c) => c.kind === condition.kind && c.reg === condition.reg)) continue;
    if (!holds(condition)) return 'undecided';
    preconditions.push(condition);
  }
  return undefined;
}

/**
 * The encoding-only failure of the instruction at `index`, if it has one,
 * with what must hold for the kernel to get there.
 */
export function instructionFault(slot: RawSlot, index: number, options: ResolvedOptions): InstructionFault | undefined {
  const result = runEntrySteps(slot, index, options, () => true);
  return result === 'undecided' ? undefined : result;
}

/** Whether this is the first slot of an ld_imm64 whose value is a plain constant. */
export const isPlainLdImm64 = (slot: RawSlot): boolean => slot.opcode === (Class.LD | Mode.IMM | SizeCode.DW) && slot.src === PseudoSrc.none;

// The per-slot pass the kernel runs after the jump ranges and before the
// control-flow walk: for each slot in order, (1) LDX reserved fields, (2) for
// ld_imm64 the second slot and the pseudo source (map fds, BTF ids, fd_array
// indices), skipping the second slot, (3) the opcode table. The first failure
// ends the pass, so an unknown opcode after a bad ld_imm64 is never reported.

import { BTF_KIND } from '../elf/index.js';
import type { RawSlot } from '../isa/index.js';
import { Class, Mode, PseudoSrc } from '../isa/index.js';
import { type Assumptions, fail, type PassFailure } from './failure.js';
import { isKnownOpcode } from './opcode-table.js';
import { type ResolvedOptions } from './options.js';
import { classOf, hex2, isLdImm64, modeOf } from './slots.js';

function checkLdxFields(slot: RawSlot, index: number): PassFailure | undefined {
  if (classOf(slot.opcode) !== Class.LDX) return undefined;
  const mode = modeOf(slot.opcode);
  if ((mode !== Mode.MEM && mode !== Mode.MEMSX) || slot.imm !== 0) return fail('EINVAL', 'BPF_LDX uses reserved fields', index);
  return undefined;
}

function checkBtfReference(first: RawSlot, second: RawSlot, index: number, options: ResolvedOptions, assumptions: Assumptions): PassFailure | undefined {
  const btfFd = second.imm;
  if (btfFd !== 0) {
    if (options.fdKind(btfFd) !== 'btf') return fail('EINVAL', 'invalid module BTF object FD specified.', index);
    assumptions.add(`module BTF fd ${btfFd} has a VAR or FUNC with id ${first.imm >>> 0} and the symbol has an address`);
    return undefined;
  }
  if (options.kernelBtfKind === undefined) {
    assumptions.add(`kernel BTF id ${first.imm >>> 0} is a VAR or FUNC whose symbol has an address`);
    return undefined;
  }
  const kind = options.kernelBtfKind(first.imm >>> 0);
  if (kind === undefined) return fail('ENOENT', `ldimm64 insn specifies invalid btf_id ${first.imm}.`, index);
  if (kind !== BTF_KIND.VAR && kind !== BTF_KIND.FUNC) {
    return fail('EINVAL', `pseudo btf_id ${first.imm} in ldimm64 isn't KIND_VAR or KIND_FUNC`, index);
  }
  assumptions.add(`the kernel symbol of BTF id ${first.imm >>> 0} has an address`);
  return undefined;
}

function checkMapReference(first: RawSlot, second: RawSlot, index: number, options: ResolvedOptions, assumptions: Assumptions): PassFailure | undefined {
  // Map fds and fd_array indices must not carry an offset; the value forms may.
  if ((first.src === PseudoSrc.mapFd || first.src === PseudoSrc.mapIdx) && second.imm !== 0) {
    return fail('EINVAL', 'unrecognized bpf_ld_imm64 insn', index);
  }
  if (first.src === PseudoSrc.mapIdx || first.src === PseudoSrc.mapIdxValue) {
    if (!options.fdArray) return fail('EPROTO', 'fd_idx without fd_array is invalid', index);
    assumptions.add(`fd_array[${first.imm}] is a map usable by this program`);
    return undefined;
  }
  const kind = options.fdKind(first.imm);
  if (kind !== 'map') return fail(kind === 'closed' ? 'EBADF' : 'EINVAL', `fd ${first.imm} is not pointing to valid bpf_map`, index);
  assumptions.add(`map fd ${first.imm} is usable by this program${first.src === PseudoSrc.mapValue ? ` with a direct value offset of ${second.imm}` : ''}`);
  return undefined;
}

function checkLdImm64(slots: readonly RawSlot[], index: number, options: ResolvedOptions, assumptions: Assumptions): PassFailure | undefined {
  const first = slots[index]!;
  const second = slots[index + 1];
  if (second === undefined || second.opcode !== 0 || second.dst !== 0 || second.src !== 0 || second.offset !== 0) {
    return fail('EINVAL', 'invalid bpf_ld_imm64 insn', index);
  }
  switch (first.src) {
    case PseudoSrc.none:
    case PseudoSrc.func:
      return undefined;
    case PseudoSrc.btfId:
      return checkBtfReference(first, second, index, options, assumptions);
    case PseudoSrc.mapFd:
    case PseudoSrc.mapValue:
    case PseudoSrc.mapIdx:
    case PseudoSrc.mapIdxValue:
      return checkMapReference(first, second, index, options, assumptions);
    default:
      return fail('EINVAL', 'unrecognized bpf_ld_imm64 insn', index);
  }
}

export function checkInstructionTable(slots: readonly RawSlot[], options: ResolvedOptions, assumptions: Assumptions): PassFailure | undefined {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const ldx = checkLdxFields(slot, i);
    if (ldx !== undefined) return ldx;
    if (isLdImm64(slot)) {
      const failure = checkLdImm64(slots, i, options, assumptions);
      if (failure !== undefined) return failure;
      i++;
      continue;
    }
    if (!isKnownOpcode(slot.opcode)) return fail('EINVAL', `unknown opcode ${hex2(slot.opcode)}`, i);
  }
  return undefined;
}

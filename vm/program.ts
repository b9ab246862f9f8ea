// A program prepared for execution: its instructions indexed by slot (jump offsets count slots),
// ld_imm64 values resolved (map references, function addresses), and its basic-block starts.

import { decodeInstructions, type Instruction, ldImm64Value, type LdImm64Instruction } from '../isa/index.js';
import { VmError } from './fault.js';

/** Function pointers (BPF_PSEUDO_FUNC) live in a region no access can reach: high word CODE_HI, low word the slot. */
export const CODE_HI = 0x7fff0000;
/** Map pointers (BPF_PSEUDO_MAP_FD/IDX): high word MAP_HI, low word the map's index. */
export const MAP_HI = 0x7fff0001;

export interface PreparedProgram {
  readonly name: string;
  /** Instruction at each slot; the second slot of an ld_imm64 is undefined. */
  readonly slots: readonly (Instruction | undefined)[];
  /** The 64-bit value each ld_imm64 loads (pseudo forms resolved), by slot. */
  readonly imm64: ReadonlyMap<number, bigint>;
}

/** Resolves an ld_imm64 whose src field is not 0 (map fd/idx, map value, func) to the value it loads. */
export type PseudoResolver = (insn: LdImm64Instruction, slot: number) => bigint;

export function prepareProgram(name: string, code: Uint8Array | readonly Instruction[], resolve?: PseudoResolver): PreparedProgram {
  let insns: readonly Instruction[];
  if (code instanceof Uint8Array) {
    insns = decodeInstructions(code);
  } else insns = code;
  const slots: (Instruction | undefined)[] = [];
  const imm64 = new Map<number, bigint>();
  for (const insn of insns) {
    const slot = slots.length;
    slots.push(insn);
    if (insn.kind !== 'ldImm64') continue;
    slots.push(undefined);
    if (insn.pseudo === 0) imm64.set(slot, ldImm64Value(insn));
    else if (insn.pseudo === 4) imm64.set(slot, (BigInt(CODE_HI) << 32n) | BigInt((slot + 1 + insn.imm) >>> 0));
    else if (resolve !== undefined) imm64.set(slot, BigInt.asUintN(64, resolve(insn, slot)));
    else throw new VmError(`${name}: instruction ${slot}: ld_imm64 with pseudo source ${insn.pseudo} needs a map or BTF reference the program does not provide`);
  }
  if (slots.length === 0) throw new VmError(`${name}: the program is empty`);
  return { name, slots, imm64 };
}

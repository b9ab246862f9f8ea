// Writing a resolution into an instruction (libbpf's bpf_core_patch_insn): ALU immediates,
// load/store offsets (with the access size adjusted when the field's size changed), ld_imm64
// values, or poisoning with `call 0xbad2310` — a helper id no kernel has, so the verifier
// rejects the instruction only if it is reachable.

import type { Instruction, Size } from '../../isa/index.js';
import type { CoreResolution } from './calc.js';
import { CoreError } from './errors.js';

/** 0xbad2310 ("bad relo"): the helper id of a poisoned instruction. */
export const POISON_HELPER_ID = 0xbad2310;

const POISON: Instruction = { kind: 'call', callee: 'helper', imm: POISON_HELPER_ID, offset: 0 };
const SHRT_MAX = 0x7fff;

export interface PatchOutcome {
  /** Replacement: one instruction, or two calls for a poisoned ld_imm64 (both of its slots). */
  readonly insns: readonly Instruction[];
  /** The value the instruction held (as libbpf reads it: imm or off sign-extended, ld_imm64 as u64). */
  readonly original: bigint;
  readonly poisoned: boolean;
  /** New load/store size when it changed. */
  readonly newSize?: Size;
}

const u64 = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));

function poison(insn: Instruction, original: bigint): PatchOutcome {
  return { insns: insn.kind === 'ldImm64' ? [POISON, POISON] : [POISON], original, poisoned: true };
}

/** The value libbpf reads from an instruction of a patchable class (undefined for other classes). */
export function patchableValue(insn: Instruction): bigint | undefined {
  switch (insn.kind) {
    case 'alu': return insn.src.kind === 'imm' ? u64(insn.src.value) : undefined;
    case 'ldx': case 'st': case 'stx': case 'atomic': return u64(insn.offset);
    case 'ldImm64': return BigInt.asUintN(32, BigInt(insn.imm)) | (BigInt.asUintN(32, BigInt(insn.nextImm)) << 32n);
    default: return undefined;
  }
}

/** Applies one resolution; CoreError where libbpf fails the load. */
export function patchInstruction(insn: Instruction, res: CoreResolution): PatchOutcome {
  const original = patchableValue(insn) ?? 0n;
  if (res.poison) return poison(insn, original);
  const mismatch = (what: string): CoreError =>
    new CoreError(`unexpected ${what} value: instruction holds ${original}, expected ${res.original} (-> ${res.value})`);
  switch (insn.kind) {
    case 'alu': {
      if (insn.src.kind !== 'imm') throw new CoreError('ALU instruction with a register source cannot be relocated');
      if (res.validate && original !== res.original) throw mismatch('ALU/ALU64');
      const value = Number(BigInt.asIntN(32, res.value));
      return { insns: [{ ...insn, src: { kind: 'imm', value } }], original, poisoned: false };
    }
    case 'ldx': case 'st': case 'stx': case 'atomic': {
      if (res.validate && original !== res.original) throw mismatch('LDX/ST/STX');
      if (res.value > BigInt(SHRT_MAX)) throw new CoreError(`LDX/ST/STX offset ${res.value} does not fit in 16 bits`);
      if (res.failMemSizeAdjust) return poison(insn, original);
      let patched: Instruction = { ...insn, offset: Number(res.value) };
      if (res.newSize !== res.originalSize) {
        if (insn.size !== res.originalSize) throw new CoreError(`LDX/ST/STX accesses ${insn.size} bytes, expected ${res.originalSize}`);
        const size = res.newSize;
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new CoreError(`LDX/ST/STX cannot access ${size} bytes`);
        patched = { ...patched, size } as Instruction;
        return { insns: [patched], original, poisoned: false, newSize: size };
      }
      return { insns: [patched], original, poisoned: false };
    }
    case 'ldImm64': {
      if (insn.pseudo !== 0) throw new CoreError(`ld_imm64 with src_reg ${insn.pseudo} cannot be relocated`);
      if (res.validate && original !== res.original) throw mismatch('LDIMM64');
      const v = res.value;
      return {
        insns: [{ ...insn, imm: Number(BigInt.asIntN(32, v)), nextImm: Number(BigInt.asIntN(32, v >> 32n)) }],
        original, poisoned: false,
      };
    }
    default:
      throw new CoreError(`instruction of kind ${insn.kind} cannot be relocated`);
  }
}

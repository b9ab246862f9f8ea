// What an instruction-layer program is made of: instructions (maybe jumping to a label by name,
// maybe referring to a map, global or function the object writer relocates) and labels.

import type { InsnCoreRelocation } from '../../../elf/index.js';
import type { Instruction } from '../../../isa/index.js';
import type { SourceLocation } from '../line-info.js';

/** A symbol an instruction refers to; the object writer turns it into an ELF relocation. */
export type AsmReference =
  /** `ld_imm64 rX, map` — the map's fd at load time. */
  | { readonly kind: 'map'; readonly map: string }
  /** `ld_imm64 rX, &global` — address of a variable (or offset) in a data section. */
  | { readonly kind: 'global'; readonly section: string; readonly variable?: string; readonly offset: number }
  /** `call fn` — a bpf-to-bpf call of a function of the object. */
  | { readonly kind: 'call'; readonly function: string }
  /** `ld_imm64 rX, fn` — address of a function (bpf_loop and other callbacks). */
  | { readonly kind: 'func'; readonly function: string }
  /** `ld_imm64 rX, extern` — a `.kconfig` value's address or a `.ksyms` variable (by symbol name). */
  | { readonly kind: 'extern'; readonly name: string; readonly section: '.kconfig' | '.ksyms' }
  /** `call kfunc` — a kernel function by name (an extern FUNC in `.ksyms`). */
  | { readonly kind: 'kfunc'; readonly name: string };

export interface AsmInsn {
  readonly kind: 'insn';
  readonly insn: Instruction;
  /** Label a jump goes to; its offset is filled in when labels are resolved. */
  readonly target?: string;
  readonly ref?: AsmReference;
  /** CO-RE relocations libbpf applies to this instruction's offset or immediate. */
  readonly core?: readonly InsnCoreRelocation[];
  readonly loc?: SourceLocation;
}

export interface AsmLabel { readonly kind: 'label'; readonly name: string }

export type AsmItem = AsmInsn | AsmLabel;

/** An instruction with its jump resolved: what the object writer takes. */
export interface ResolvedInsn {
  readonly insn: Instruction;
  readonly ref?: AsmReference;
  readonly core?: readonly InsnCoreRelocation[];
  readonly loc?: SourceLocation;
}

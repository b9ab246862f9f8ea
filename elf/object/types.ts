// The eBPF object model shared by readObject and writeObject.

import type { ByteOrder, Instruction } from '../../isa/index.js';
import type { Btf } from '../btf/index.js';
import type { BtfExt, CoreRelocation, LineInfo } from '../btf-ext/index.js';
import type { RelocationTypeName } from '../constants.js';
import type { SymbolBinding } from '../object-model.js';
import type { ProgramTypeInfo } from './program-types.js';

/** The ELF relocation an instruction carries, exactly as written: against a named symbol or a section symbol. */
export interface InsnRelocation {
  readonly type: RelocationTypeName;
  /** Symbol name, or the section name when `sectionSymbol` is true. */
  readonly symbol: string;
  readonly sectionSymbol: boolean;
}

/** What a relocated instruction refers to, as a loader resolves it. */
export type InsnReference =
  | { readonly kind: 'map'; readonly map: string }
  | { readonly kind: 'global'; readonly section: string; readonly variable?: string; readonly offset: number }
  | { readonly kind: 'subprogram'; readonly section: string; readonly target?: string }
  | { readonly kind: 'extern'; readonly name: string; readonly externKind: ExternKind }
  | { readonly kind: 'kfunc'; readonly name: string }
  | { readonly kind: 'other'; readonly symbol: string };

/** CO-RE relocation of one instruction; insnOffset is not kept (it is the instruction's position). */
export type InsnCoreRelocation = Omit<CoreRelocation, 'insnOffset'>;
export type InsnLineInfo = Omit<LineInfo, 'insnOffset'>;

export interface BpfInstruction {
  readonly insn: Instruction;
  readonly relocation?: InsnRelocation;
  readonly reference?: InsnReference;
  readonly lineInfo?: InsnLineInfo;
  readonly coreRelocations?: readonly InsnCoreRelocation[];
}

export interface BpfProgram {
  readonly name: string;
  /** ELF section holding it. */
  readonly section: string;
  /** True for functions in .text (bpf-to-bpf callees), false for entry programs. */
  readonly subprogram: boolean;
  readonly binding: SymbolBinding;
  /** st_other's visibility when not default (2: hidden, as libbpf's `__hidden`): libbpf makes hidden global subprograms static in the BTF. */
  readonly visibility?: number;
  /** Derived from the section name for entry programs; undefined for .text and unknown sections. */
  readonly programType?: ProgramTypeInfo;
  /** BTF FUNC type id from func_info. */
  readonly funcInfo?: number;
  readonly instructions: readonly BpfInstruction[];
}

export interface BtfMap {
  readonly name: string;
  readonly binding: SymbolBinding;
  /** Byte offset and size of the definition in .maps. */
  readonly offset: number;
  readonly size: number;
  /** BTF VAR id. */
  readonly btfVar: number;
  /** BPF_MAP_TYPE_* number. */
  readonly type?: number;
  readonly keyType?: number;
  readonly valueType?: number;
  readonly keySize?: number;
  readonly valueSize?: number;
  readonly maxEntries?: number;
  readonly flags?: number;
  readonly numaNode?: number;
  readonly pinning?: number;
  readonly mapExtra?: number;
  /** Inner map template (`__array(values, …)` of a map-in-map); prog arrays have none. */
  readonly inner?: Omit<BtfMap, 'name' | 'binding' | 'offset' | 'size' | 'btfVar' | 'values' | 'valuesOffset'>;
  /** Byte offset of the `values` member in the definition. */
  readonly valuesOffset?: number;
  /** `.values` initialisers by slot: the symbol (map or program) named, or null. */
  readonly values: readonly (string | null)[];
}

export interface GlobalVariable {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** ELF symbol binding, or undefined when the object has no symbol for it. */
  readonly binding?: SymbolBinding;
  readonly btfVar?: number;
}

export interface DataSection {
  readonly name: string;
  /** 'arena': `.addr_space.1`, the __arena globals (address_space(1)) of a BPF_MAP_TYPE_ARENA map. */
  readonly kind: 'data' | 'rodata' | 'bss' | 'arena';
  readonly align: number;
  readonly writable: boolean;
  /** Content (zeros of `size` for .bss). */
  readonly data: Uint8Array;
  readonly size: number;
  readonly variables: readonly GlobalVariable[];
}

/** A function pointer member of a struct_ops map set to a program (an R_BPF_64_ABS64 relocation). */
export interface StructOpsPointer {
  /** Byte offset in the map's struct. */
  readonly offset: number;
  /** Member name, from the struct's BTF; '' when the BTF does not say. */
  readonly member: string;
  /** The program (a FUNC symbol of a struct_ops/ section). */
  readonly program: string;
}

/** A struct_ops map: a variable of a `.struct_ops*` section whose BTF type is the kernel struct it fills in. */
export interface StructOpsMap {
  readonly name: string;
  readonly binding: SymbolBinding;
  /** Byte offset and size in its section. */
  readonly offset: number;
  readonly size: number;
  /** BTF VAR id in the section's DATASEC. */
  readonly btfVar?: number;
  /** Name of the struct (e.g. tcp_congestion_ops), from BTF; '' without BTF. */
  readonly structName: string;
  /** Initial bytes of the struct (function pointer slots as clang wrote them, zero). */
  readonly data: Uint8Array;
  readonly pointers: readonly StructOpsPointer[];
}

/** A `.struct_ops` or `.struct_ops.link` section. */
export interface StructOpsSection {
  readonly name: string;
  readonly align: number;
  readonly size: number;
  readonly maps: readonly StructOpsMap[];
}

export type ExternKind = 'kconfig' | 'ksym' | 'kfunc' | 'unknown';

export interface Extern {
  readonly name: string;
  readonly kind: ExternKind;
  readonly binding: SymbolBinding;
  /** BTF VAR or FUNC id in the .kconfig/.ksyms DATASEC. */
  readonly btfType?: number;
}

export interface BpfObject {
  readonly byteOrder: ByteOrder;
  readonly license: string;
  /** Name of the symbol over the license string ('LICENSE' from bpf_helpers.h). */
  readonly licenseSymbol?: string;
  readonly kernelVersion?: number;
  /** Entry programs and .text subprograms, in section order then offset order. */
  readonly programs: readonly BpfProgram[];
  readonly maps: readonly BtfMap[];
  readonly globals: readonly DataSection[];
  /** `.struct_ops*` sections and their maps (absent when the object has none). */
  readonly structOps?: readonly StructOpsSection[];
  readonly externs: readonly Extern[];
  readonly btf?: Btf;
  readonly btfExt?: BtfExt;
}

// struct_ops maps: a kernel ops struct (tcp_congestion_ops, …) as a variable of `.struct_ops` or
// `.struct_ops.link` whose function-pointer members are programs of the same object (in C:
// `SEC(".struct_ops") struct tcp_congestion_ops cc = { .init = (void *)cc_init, .name = "cc" };`).
// The program slots are the function pointer members (funcPtr(…), as `btf gen-ts` writes them).

import { DslError } from './errors.js';
import { callerLocation, type SourceLocation } from './line-info.js';
import type { ProgramDef } from './program/definitions.js';
import {
  type CType, CTypeError, encodeValue, type FieldNames, type FieldType, findField, type FuncProtoType, type PtrType, resolve,
  type Resolved, type StructType, type ValueOf,
} from './types/index.js';

/** Sections of libbpf's table whose programs are BPF_PROG_TYPE_STRUCT_OPS (`struct_ops+`, `struct_ops.s+`). */
export type StructOpsProgramSection = 'struct_ops' | `struct_ops/${string}` | 'struct_ops.s' | `struct_ops.s/${string}`;

/** A program a function-pointer member can point to. */
export type StructOpsProgram = ProgramDef<StructOpsProgramSection>;

/** Members of `S` that hold a program: its function pointers. */
export type StructOpsSlot<S> = { [K in FieldNames<S>]: Resolved<FieldType<S, K>> extends PtrType<FuncProtoType> ? K : never }[FieldNames<S>];

/**
 * Initialiser of a struct_ops map: each member by name (also those of anonymous members), a
 * program for a function pointer, a value (as encodeValue takes it) for the others. Absent
 * members are zero. A descriptor whose fields are not known statically takes any keys.
 */
export type StructOpsInit<S> = string extends FieldNames<S> ? { readonly [member: string]: unknown } : {
  readonly [K in FieldNames<S>]?: K extends StructOpsSlot<S> ? StructOpsProgram | null : ValueOf<FieldType<S, K>>;
};

export interface StructOpsOptions {
  /** `.struct_ops.link`: registered through a bpf_link (BPF_LINK_CREATE) instead of a map update. */
  readonly link?: boolean;
}

/** A declared struct_ops map; pass it to defineObject({ maps }) under its name. */
export class StructOpsDef<S extends StructType = StructType> {
  readonly dslKind = 'struct_ops' as const;
  constructor(
    readonly type: S,
    readonly init: StructOpsInit<S>,
    readonly options: StructOpsOptions,
    /** Where structOps() was called, for errors found when the object is built. */
    readonly location: SourceLocation | undefined,
  ) {}
  /** The ELF section: `.struct_ops` or `.struct_ops.link`. */
  get section(): '.struct_ops' | '.struct_ops.link' { return this.options.link === true ? '.struct_ops.link' : '.struct_ops'; }
}

/**
 * A struct_ops map of kernel struct `type` (a descriptor named as the kernel's struct, e.g.
 * `tcp_congestion_ops` from a `tsbpf btf gen-ts` module). Function-pointer members take programs
 * of `struct_ops/…` sections that are in the same object's `programs`.
 */
export function structOps<S extends StructType>(type: S, init: StructOpsInit<S>, options: StructOpsOptions = {}): StructOpsDef<S> {
  return new StructOpsDef(type, init, options, callerLocation());
}

/** By its kind tag rather than instanceof, as for programs: a module may hold another copy of tsbpf. */
export function isStructOpsDef(v: unknown): v is StructOpsDef {
  return typeof v === 'object' && v !== null && (v as StructOpsDef).dslKind === 'struct_ops';
}

export function isStructOpsSection(section: string): boolean {
  return /^struct_ops(\.s)?(\/|$)/.test(section);
}

/** A member of a struct_ops map set to a program. */
export interface StructOpsPointerSlot {
  readonly member: string;
  readonly offset: number;
  readonly program: ProgramDef;
  /** The return type of the member's prototype. */
  readonly returns: CType;
}

/** The bytes of a struct_ops map (program slots zero) and its program slots, by byte offset. */
export interface StructOpsLayout { readonly data: Uint8Array; readonly pointers: readonly StructOpsPointerSlot[] }

function isProgram(v: unknown): v is ProgramDef {
  return typeof v === 'object' && v !== null && (v as ProgramDef).dslKind === 'program';
}

/** Whether a member type is a program slot: a function pointer. */
export function isFunctionSlot(t: CType): boolean {
  const r = resolve(t);
  return r.kind === 'ptr' && resolve(r.target).kind === 'func_proto';
}

function slotPrototype(t: CType): FuncProtoType {
  const r = resolve(t);
  const p = r.kind === 'ptr' ? resolve(r.target) : r;
  if (p.kind !== 'func_proto') throw new DslError('not a function pointer');
  return p;
}

/**
 * Lays out one struct_ops map, checking what tsc checks (and what it cannot: programs of other
 * objects or sections, bitfields) so that a declaration built from untyped data fails the same way.
 */
export function layoutStructOps(name: string, def: StructOpsDef, isInObject: (p: ProgramDef) => boolean): StructOpsLayout {
  const fail = (reason: string): never => { throw new DslError(`struct_ops map '${name}': ${reason}`, def.location); };
  const s = resolve(def.type);
  if (s.kind !== 'struct') return fail(`its type must be a struct, not ${s.kind}`);
  if (s.name === '') return fail('its struct type must be named as the kernel struct it fills in (e.g. tcp_congestion_ops)');
  const data = new Uint8Array(s.size);
  const pointers: StructOpsPointerSlot[] = [];
  for (const [member, value] of Object.entries(def.init as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const f = findField(s, member);
    if (f === undefined) return fail(`struct ${s.name} has no member '${member}'`);
    if (f.bitSize !== 0) return fail(`member '${member}' is a bitfield, which struct_ops maps do not support`);
    if (isProgram(value)) {
      if (!isFunctionSlot(f.type)) return fail(`member '${member}' is not a function pointer, so it cannot point to a program`);
      if (!isStructOpsSection(value.section)) return fail(`member '${member}': program of section '${value.section}' is not a struct_ops program (section struct_ops/NAME)`);
      if (!isInObject(value)) return fail(`member '${member}': its program is not in defineObject({ programs })`);
      pointers.push({ member, offset: f.offset, program: value, returns: slotPrototype(f.type).returns });
      continue;
    }
    if (isFunctionSlot(f.type)) return fail(`member '${member}' is a function pointer: give it a program, not ${typeof value}`);
    try {
      data.set(encodeValue(f.type, value as never), f.offset);
    } catch (e) {
      if (e instanceof CTypeError) return fail(`member '${member}': ${e.message.replace(/^value: /, '')}`);
      throw e;
    }
  }
  pointers.sort((a, b) => a.offset - b.offset);
  return { data, pointers };
}

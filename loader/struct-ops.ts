// struct_ops maps (`SEC(".struct_ops")` / `SEC(".struct_ops.link")` variables whose type is a
// kernel struct such as tcp_congestion_ops). As libbpf does it: the kernel describes the value
// of a BPF_MAP_TYPE_STRUCT_OPS map with `struct bpf_struct_ops_<name>` (a header, then the struct
// in its member `data`); the object's struct is copied into that layout member by member (matched
// by name, since the object's struct comes from a vmlinux.h that may differ from this kernel),
// function pointer members get the fds of their programs, and each such program is loaded with
// attach_btf_id = the kernel struct and expected_attach_type = the member's index in it.

import type { Btf, BtfType, StructOpsMap, StructOpsSection } from '../elf/index.js';
import { sizeOf } from './btf-values.js';
import { ByteWriter, TsbpfError } from '../isa/index.js';

/** BPF_F_LINK: a `.struct_ops.link` map is registered through a bpf_link instead of a map update. */
export const STRUCT_OPS_LINK_FLAG = 1 << 13;

export class StructOpsError extends TsbpfError {
  override readonly name = 'StructOpsError';
}

/** One function pointer slot of the kernel value, filled with a program fd when registering. */
export interface StructOpsSlot {
  readonly member: string;
  readonly program: string;
  /** Byte offset in the kernel value (bpf_struct_ops_<name>). */
  readonly valueOffset: number;
  /** Index of the member in the kernel struct: the program's expected_attach_type. */
  readonly memberIndex: number;
}

/** What loadObject needs to create, load and register one struct_ops map. */
export interface StructOpsPlan {
  readonly name: string;
  readonly section: string;
  /** `.struct_ops.link`: registered with BPF_LINK_CREATE, created with BPF_F_LINK. */
  readonly link: boolean;
  readonly structName: string;
  /** Kernel BTF id of the struct (tcp_congestion_ops): the programs' attach_btf_id. */
  readonly structTypeId: number;
  /** Kernel BTF id of bpf_struct_ops_<name>: the map's btf_vmlinux_value_type_id. */
  readonly valueTypeId: number;
  /** The kernel value with the object's data in place and zero function pointers. */
  readonly value: Uint8Array;
  readonly slots: readonly StructOpsSlot[];
}

function skipModifiers(btf: Btf, id: number): { id: number; t: BtfType | undefined } {
  for (let i = 0; i < 32; i++) {
    const t = btf.type(id);
    if (t === undefined) return { id, t };
    if (t.kind !== 'TYPEDEF' && t.kind !== 'CONST' && t.kind !== 'VOLATILE' && t.kind !== 'RESTRICT' && t.kind !== 'TYPE_TAG') return { id, t };
    id = t.type;
  }
  throw new StructOpsError(`BTF type ${id}: modifier chain too long`);
}

function isFuncPointer(btf: Btf, id: number): boolean {
  const { t } = skipModifiers(btf, id);
  return t?.kind === 'PTR' && skipModifiers(btf, t.type).t?.kind === 'FUNC_PROTO';
}

/** The object's struct type of a struct_ops variable. */
function localStruct(btf: Btf, map: StructOpsMap): Extract<BtfType, { kind: 'STRUCT' }> {
  const v = map.btfVar === undefined ? undefined : btf.type(map.btfVar);
  if (v?.kind !== 'VAR') throw new StructOpsError(`struct_ops map ${map.name}: no BTF variable`);
  const { t } = skipModifiers(btf, v.type);
  if (t?.kind !== 'STRUCT') throw new StructOpsError(`struct_ops map ${map.name}: its type is not a struct`);
  return t;
}

/** Plans every struct_ops map of the object against the kernel's BTF. */
export function planStructOps(sections: readonly StructOpsSection[], btf: Btf, kernel: Btf): StructOpsPlan[] {
  const plans: StructOpsPlan[] = [];
  for (const sec of sections) {
    for (const map of sec.maps) plans.push(planOne(sec, map, btf, kernel));
  }
  return plans;
}

function planOne(sec: StructOpsSection, map: StructOpsMap, btf: Btf, kernel: Btf): StructOpsPlan {
  const local = localStruct(btf, map);
  const structName = local.name;
  const where = `struct_ops map ${map.name} (struct ${structName})`;
  const structTypeId = kernel.findOne(structName, 'STRUCT');
  if (structTypeId === undefined) throw new StructOpsError(`${where}: the kernel's BTF has no struct ${structName}`);
  const valueName = `bpf_struct_ops_${structName}`;
  const valueTypeId = kernel.findOne(valueName, 'STRUCT');
  if (valueTypeId === undefined) throw new StructOpsError(`${where}: the kernel has no ${valueName}, so it does not support this struct_ops type`);
  const kstruct = kernel.requireType(structTypeId);
  const vtype = kernel.requireType(valueTypeId);
  if (kstruct.kind !== 'STRUCT' || vtype.kind !== 'STRUCT') throw new StructOpsError(`${where}: unexpected kernel BTF kinds`);
  // The member of bpf_struct_ops_<name> that holds the struct itself.
  const dataMember = vtype.members.find((m) => skipModifiers(kernel, m.type).id === structTypeId);
  if (dataMember === undefined) throw new StructOpsError(`${where}: ${valueName} has no member of type struct ${structName}`);
  const dataOffset = dataMember.bitsOffset / 8;
  const value = new Uint8Array(vtype.size);
  const slots: StructOpsSlot[] = [];
  const pointerAt = new Map(map.pointers.map((p) => [p.offset, p.program]));

  for (const m of local.members) {
    const off = m.bitsOffset / 8;
    const memberIndex = kstruct.members.findIndex((k) => k.name === m.name);
    const km = kstruct.members[memberIndex];
    const program = pointerAt.get(off);
    if (km === undefined) {
      // A member this kernel does not have is fine as long as the object leaves it unset.
      const size = sizeOf(btf, m.type);
      if (program !== undefined || map.data.subarray(off, off + size).some((b) => b !== 0)) {
        throw new StructOpsError(`${where}: member ${m.name} is set but this kernel's struct ${structName} has no such member`);
      }
      continue;
    }
    const kOff = dataOffset + km.bitsOffset / 8;
    if (isFuncPointer(kernel, km.type)) {
      if (program !== undefined) slots.push({ member: m.name, program, valueOffset: kOff, memberIndex });
      continue;
    }
    if (program !== undefined) throw new StructOpsError(`${where}: member ${m.name} is not a function pointer in the kernel but names program ${program}`);
    if (m.bitfieldSize !== 0 || km.bitfieldSize !== 0) throw new StructOpsError(`${where}: bitfield member ${m.name} is not supported`);
    const size = sizeOf(btf, m.type);
    const kSize = sizeOf(kernel, km.type);
    if (size !== kSize) throw new StructOpsError(`${where}: member ${m.name} is ${size} bytes in the object and ${kSize} in the kernel`);
    value.set(map.data.subarray(off, off + size), kOff);
  }
  return { name: map.name, section: sec.name, link: sec.name.startsWith('.struct_ops.link'), structName, structTypeId, valueTypeId, value, slots };
}

/** The kernel value with each slot's program fd written in (8-byte little-endian), for registration. */
export function structOpsValue(plan: StructOpsPlan, progFd: (program: string) => number): Uint8Array {
  const v = new Uint8Array(plan.value);
  const w = ByteWriter.over(v);
  for (const s of plan.slots) w.setU64(s.valueOffset, progFd(s.program));
  return v;
}

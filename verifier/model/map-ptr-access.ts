// Loads through a map pointer (check_ptr_to_map_access): the map's kernel struct (struct bpf_array,
// struct bpf_htab, … by the map type's map_btf_id) walked in the kernel's BTF like a BTF pointer.
// Only reads, at non-negative offsets; scalar members give a scalar (pointer members: not modelled).

import type { AccessKind } from '../tables/types.js';
import type { Env } from './env.js';
import { mapKernelTypeName } from './map-info.js';
import { notModelled, reject } from './outcome.js';
import { type RegState, unknownReg } from './reg.js';
import { structId, walkBtfStruct } from './btf-walk.js';

/** check_mem_access on a CONST_PTR_TO_MAP: `off` includes the register's fixed offset. */
export function checkMapPtrAccess(env: Env, reg: RegState, regno: number, off: number, size: number, kind: AccessKind): RegState {
  const name = mapKernelTypeName(reg.map!.type);
  if (name === undefined) notModelled(`map_ptr access to map type ${reg.map!.type}`);
  if (!env.opts.privileged) {
    // Refused once the kernel has its BTF (without it: ENOTSUPP first).
    if (env.opts.kernelBtf === undefined) notModelled('map_ptr access without CAP_PERFMON and without the kernel BTF');
    reject('EPERM', `'struct ${name}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`);
  }
  if (off < 0) reject('EACCES', `R${regno} is ${name} invalid negative access: off=${off}`);
  if (kind === 'write') reject('EACCES', `only read from ${name} is supported`);
  const btf = env.opts.kernelBtf;
  if (btf === undefined) notModelled('reads through a map pointer without the kernel BTF');
  const id = structId(btf, name);
  if (id === undefined) notModelled(`struct ${name} is not in the kernel BTF`);
  if (walkBtfStruct(btf, id, off, size) !== 'scalar') notModelled(`a pointer member of struct ${name} read through a map pointer`);
  return unknownReg();
}

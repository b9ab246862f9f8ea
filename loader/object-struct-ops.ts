// The struct_ops maps of an object: each created with the kernel's bpf_struct_ops_<struct> value
// type, the object's data copied into that layout (see struct-ops.ts for the plan).

import type { BpfObject } from '../elf/index.js';
import type { OwnedFd } from './fd.js';
import { kernelBtf } from './kernel-btf.js';
import { MapType } from './map-types.js';
import { BpfMap } from './maps.js';
import { NAME_LEN } from './internal-map-name.js';
import { planStructOps, STRUCT_OPS_LINK_FLAG, StructOpsError, type StructOpsPlan } from './struct-ops.js';

/** Where a struct_ops program goes: its map's plan and its member's index in the kernel struct. */
export interface StructOpsProgramSlot { readonly plan: StructOpsPlan; readonly memberIndex: number }

/** Creates the struct_ops maps, adding each to `maps` as it is created. */
export function createStructOpsMaps(
  object: BpfObject, btfFd: OwnedFd | undefined, btfPath: string | undefined, maps: Map<string, BpfMap>,
): { plans: Map<string, StructOpsPlan>; programs: Map<string, StructOpsProgramSlot> } {
  const plans = new Map<string, StructOpsPlan>();
  const programs = new Map<string, StructOpsProgramSlot>();
  if (object.structOps === undefined || object.structOps.length === 0) return { plans, programs };
  const btf = object.btf;
  if (btf === undefined) throw new StructOpsError('struct_ops maps need the object\'s BTF');
  for (const plan of planStructOps(object.structOps, btf, kernelBtf(btfPath))) {
    const m = BpfMap.create({
      name: plan.name.slice(0, NAME_LEN - 1), type: MapType.STRUCT_OPS, keySize: 4, valueSize: plan.value.length, maxEntries: 1,
      flags: plan.link ? STRUCT_OPS_LINK_FLAG : 0, ...(btfFd === undefined ? {} : { btfFd: btfFd.fd }), btfVmlinuxValueTypeId: plan.valueTypeId,
    });
    maps.set(plan.name, m);
    plans.set(plan.name, plan);
    for (const slot of plan.slots) programs.set(slot.program, { plan, memberIndex: slot.memberIndex });
  }
  return { plans, programs };
}

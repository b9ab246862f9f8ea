// The BTF attach target of each entry program, as BPF_PROG_LOAD is given it, with no system call:
// a tracing or LSM program's target named by its section (programSetup), or for a struct_ops
// program the kernel struct and the member index its struct_ops map puts it in.

import type { BpfObject, BpfProgram } from '../elf/index.js';
import { TsbpfError } from '../isa/index.js';
import { kernelBtf } from './kernel-btf.js';
import { programSetup } from './program-setup.js';
import { planStructOps } from './struct-ops.js';

export interface AttachTarget {
  /** attach_btf_id: a type id of the kernel BTF. */
  readonly btfId: number;
  /** expected_attach_type when the target decides it (a struct_ops member's index). */
  readonly expectedAttachType?: number;
}

/**
 * The attach target of every entry program that has one. A target the kernel BTF lacks is left
 * out (loading such a program fails before the verifier; preparing it for a model need not).
 */
export function attachTargets(object: BpfObject, btfPath: string | undefined): Map<string, AttachTarget> {
  const out = new Map<string, AttachTarget>();
  if (object.structOps !== undefined && object.structOps.length > 0 && object.btf !== undefined) {
    try {
      for (const plan of planStructOps(object.structOps, object.btf, kernelBtf(btfPath))) {
        for (const slot of plan.slots) out.set(slot.program, { btfId: plan.structTypeId, expectedAttachType: slot.memberIndex });
      }
    } catch (e) {
      // A struct_ops map this kernel cannot take: its programs get no target.
      if (!(e instanceof TsbpfError)) throw e;
    }
  }
  for (const p of object.programs) {
    if (p.subprogram || out.has(p.name)) continue;
    const id = sectionTarget(p, btfPath);
    if (id !== undefined) out.set(p.name, { btfId: id });
  }
  return out;
}

function sectionTarget(p: BpfProgram, btfPath: string | undefined): number | undefined {
  if (p.programType === undefined) return undefined;
  try {
    return programSetup(p, btfPath).attachBtfId;
  } catch (e) {
    // A target this kernel's BTF lacks (the load would fail before the verifier).
    if (!(e instanceof TsbpfError)) throw e;
    return undefined;
  }
}

// What a load's attach attributes decide before abstract interpretation:
// BPF_PROG_LOAD refuses an attach_btf_id for program types that do not attach
// through BTF (EINVAL with an empty log, bpf_prog_load_check_attach), and the
// verifier refuses a sleepable program of a type that cannot sleep
// (check_attach_btf_id, after the control-flow walk).

import { fail, type PassFailure } from './failure.js';

/** Program types that take an attach_btf_id. */
const BTF_ATTACHED = new Set(['tracing', 'lsm', 'struct_ops', 'ext']);

/** uapi enum bpf_attach_type values that matter here. */
const Attach = { TRACE_FENTRY: 24, TRACE_FEXIT: 25, MODIFY_RETURN: 26, TRACE_ITER: 28, LSM_CGROUP: 43 } as const;

export function checkAttachBtfId(progType: string, attachBtfId: number | undefined): PassFailure | undefined {
  if (attachBtfId === undefined || attachBtfId === 0 || BTF_ATTACHED.has(progType)) return undefined;
  return fail('EINVAL', []);
}

/** Syscall programs must sleep; others may when can_be_sleepable: fentry/fexit/fmod_ret and iterators, LSM (not cgroup LSM), uprobes (kprobe type) and struct_ops. */
export function checkSleepable(progType: string, expectedAttachType: number, sleepable: boolean): PassFailure | undefined {
  if (progType === 'syscall') return sleepable ? undefined : fail('EINVAL', 'Syscall programs can only be sleepable');
  if (!sleepable) return undefined;
  const ok = progType === 'tracing'
    ? ([Attach.TRACE_FENTRY, Attach.TRACE_FEXIT, Attach.MODIFY_RETURN, Attach.TRACE_ITER] as number[]).includes(expectedAttachType)
    : (progType === 'lsm' && expectedAttachType !== Attach.LSM_CGROUP) || progType === 'kprobe' || progType === 'struct_ops';
  return ok ? undefined : fail('EINVAL', 'Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable');
}

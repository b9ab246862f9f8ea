// What the running kernel refuses by policy, proven by a probe. Machines of this project differ
// from session to session: some refuse arena maps or trampoline programs (fentry/fexit/LSM) with
// EPERM and no verifier log. A test of such a feature skips only when the probe proves the
// refusal, with a note that starts with NOT_AVAILABLE; the summary reporter accepts those skips
// under CI=true (and lists them) and fails every other skip.

import { probeHelper, probeMapType, probeProgramType, PROGRAM_TYPE_NAMES } from '../../loader/index.js';
import { HELPER_TABLE, type LoadEnvironment } from '../../verifier/index.js';
import { runningKernelHelperAvailable } from '../../src/kernel-helpers.js';
import { NOT_AVAILABLE } from './not-available.js';
import { isRoot } from './references.js';

export { NOT_AVAILABLE };


export interface Refusal {
  /** True when the kernel refused with EPERM before doing any work: a policy, not a missing feature. */
  readonly refused: boolean;
  /** What the probe did and got, for the skip note. */
  readonly detail: string;
}

/** Probes a map type by a real BPF_MAP_CREATE of a minimal valid map (loader/probes.ts). */
export function mapTypeRefusal(name: string, type: number): Refusal {
  if (!isRoot()) return { refused: false, detail: 'not root: not probed' };
  const r = probeMapType(type);
  return { refused: !r.supported && r.detail === 'EPERM', detail: `BPF_MAP_CREATE of a minimal ${name} map: ${r.detail}` };
}

/**
 * Probes a program type by a real BPF_PROG_LOAD of `r0 = 0; exit` (with the attach target the type
 * needs). EPERM with an empty log is a refusal before verification.
 */
export function programTypeRefusal(name: string, type: number): Refusal {
  if (!isRoot()) return { refused: false, detail: 'not root: not probed' };
  const r = probeProgramType(type);
  return { refused: !r.supported && r.detail === 'EPERM', detail: `BPF_PROG_LOAD of a minimal ${name} program: ${r.detail} with an empty log` };
}

const helperRefusals = new Map<string, Refusal>();

/**
 * Whether the running kernel refuses helper `helper` (HELPER_TABLE's name, without bpf_) to
 * programs of `progType` although tsbpf's table of Linux 6.18 offers it: kernel builds and
 * policies differ (one build seen here refuses bpf_xdp_adjust_meta to XDP). The verdict is the
 * loader's probe (kernelRefusesHelper, through runningKernelHelperAvailable), the one the
 * model's environment uses; a refusal's skip note quotes the kernel's words.
 */
export function helperRefusal(progType: string, helper: string): Refusal {
  const key = `${progType}/${helper}`;
  const known = helperRefusals.get(key);
  if (known !== undefined) return known;
  const entry = HELPER_TABLE[helper];
  const type = PROGRAM_TYPE_NAMES.find(([name]) => name === progType)?.[1];
  if (entry === undefined || type === undefined) throw new Error(`helperRefusal: unknown helper ${helper} or program type ${progType}`);
  let refusal: Refusal;
  if (!isRoot()) refusal = { refused: false, detail: 'not root: not probed' };
  else if (!entry.programTypes.includes(progType)) refusal = { refused: false, detail: `tsbpf's table does not offer bpf_${helper} to ${progType}` };
  else if (runningKernelHelperAvailable(progType, entry.id) !== false) refusal = { refused: false, detail: `a ${progType} program may call bpf_${helper} here` };
  else refusal = { refused: true, detail: `BPF_PROG_LOAD of a ${progType} program calling bpf_${helper}: ${probeHelper(type, entry.id).detail}` };
  helperRefusals.set(key, refusal);
  return refusal;
}

/**
 * The running kernel's refusals of helpers tsbpf's table offers, for the verifier model's
 * environment (LoadEnvironment.helperAvailable): the one `tsbpf load`'s preverification uses.
 */
export const liveHelperAvailable: NonNullable<LoadEnvironment['helperAvailable']> = runningKernelHelperAvailable;

/** The skip note for a proven refusal. */
export function notAvailable(feature: string, refusal: Refusal): string {
  return `${NOT_AVAILABLE} ${feature} (${refusal.detail})`;
}

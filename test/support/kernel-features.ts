// What the running kernel refuses by policy, proven by a probe. Machines of this project differ
// from session to session: some refuse arena maps or trampoline programs (fentry/fexit/LSM) with
// EPERM and no verifier log. A test of such a feature skips only when the probe proves the
// refusal, with a note that starts with NOT_AVAILABLE; the summary reporter accepts those skips
// under CI=true (and lists them) and fails every other skip.

import { probeMapType, probeProgramType } from '../../loader/index.js';
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

/** The skip note for a proven refusal. */
export function notAvailable(feature: string, refusal: Refusal): string {
  return `${NOT_AVAILABLE} ${feature} (${refusal.detail})`;
}

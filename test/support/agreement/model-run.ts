// Runs the verifier model on a prepared corpus program, with no system call: the maps are
// described to it by fd, as the harness created them for the kernel.

import { kernelBtf, PROGRAM_TYPE_NAMES } from '../../../loader/index.js';
import { mapsWithoutBtf, verifyProgram } from '../../../verifier/index.js';
import { liveHelperAvailable } from '../kernel-features.js';
import { attachTarget, type PreparedProgram } from './kernel-label.js';

/** A verdict, from the kernel or the model. */
export interface Verdict {
  readonly kind: 'verdict';
  readonly verdict: 'accept' | 'reject';
  readonly errno: string | null;
  readonly message: string | null;
  readonly insnIndex: number | null;
  readonly insnsProcessed: number | null;
}

export type ModelOutcome =
  | Verdict
  /** The model has no verdict for this program (a stage that is not built yet, or a bug it reports). */
  | { readonly kind: 'not-modelled'; readonly reason: string };

const BPF_F_STRICT_ALIGNMENT = 1;

const typeNames = new Map(PROGRAM_TYPE_NAMES.map(([name, n]) => [n, name]));

export function progTypeName(type: number): string {
  return typeNames.get(type) ?? `type ${type}`;
}

/** BPF_F_SLEEPABLE, BPF_F_TEST_STATE_FREQ. */
const SLEEPABLE = 16;
const TEST_STATE_FREQ = 8;

/** The loader's privileges the model assumes (--caps bpf: CAP_BPF alone; --caps unpriv: no capability). */
export interface ModelProfile {
  readonly capBpfOnly?: boolean;
  readonly unprivileged?: boolean;
}

export function runModel(p: { readonly progType: number; readonly expectedAttachType?: number; readonly progFlags?: number; readonly attachTo?: string }, prepared: PreparedProgram & { readonly attachBtfId?: number }, profile: ModelProfile = {}): ModelOutcome {
  try {
    // The attach target as the kernel is given it: the object's (resolved by the loader's preparation) or the corpus entry's named one.
    const attachBtfId = prepared.attachBtfId ?? (p.attachTo === undefined ? undefined : attachTarget(p.attachTo, p.expectedAttachType ?? 0) ?? 0);
    // Without CAP_BPF the kernel refuses the object's BTF and the loader goes on without it.
    const unprivileged = profile.unprivileged === true;
    const r = verifyProgram(prepared.insns, {
      progType: progTypeName(p.progType),
      maps: unprivileged ? mapsWithoutBtf((fd) => prepared.maps.get(fd)) : (fd) => prepared.maps.get(fd),
      expectedAttachType: p.expectedAttachType ?? 0,
      strictAlignment: ((p.progFlags ?? 0) & BPF_F_STRICT_ALIGNMENT) !== 0,
      logLevel: 1,
      kernelBtf: kernelBtf(),
      // The machine's kernel is the label: helpers its build or policy refuses are refused to the model too.
      environment: { helperAvailable: liveHelperAvailable },
      ...(prepared.functions === undefined || unprivileged ? {} : { functions: prepared.functions }),
      sleepable: ((p.progFlags ?? 0) & SLEEPABLE) !== 0 || prepared.sleepable === true,
      testStateFreq: ((p.progFlags ?? 0) & TEST_STATE_FREQ) !== 0,
      ...(attachBtfId === undefined ? {} : { attachBtfId }),
      ...(profile.capBpfOnly === true ? { capBpfOnly: true } : {}),
      ...(profile.unprivileged === true ? { privileged: false } : {}),
    });
    if (r.verdict === 'unknown') return { kind: 'not-modelled', reason: r.notModelled ?? 'not modelled' };
    return { kind: 'verdict', verdict: r.verdict, errno: r.errno ?? null, message: r.message ?? null, insnIndex: r.insnIndex ?? null, insnsProcessed: r.insnsProcessed ?? null };
  } catch (e) {
    return { kind: 'not-modelled', reason: `model error: ${(e as Error).message}` };
  }
}

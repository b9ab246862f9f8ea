// The verifier model as the loader's preverifier: loadObject (through the `tsbpf` entry) and
// `tsbpf load` predict each program's verdict before BPF_PROG_LOAD and compare it with the kernel's.

import type { Preverifier } from '../loader/index.js';
import { isGplCompatible } from '../verifier/index.js';
import { runningKernelHelperAvailable } from './kernel-helpers.js';
import { verifyWithCaps } from './verify-object.js';

/**
 * The verifier model, run as a privileged load would be verified by the running kernel: helpers
 * that kernel refuses although Linux 6.18 offers them are refused to the model too.
 */
export const modelPreverifier: Preverifier = (p) => {
  const v = verifyWithCaps(p.insns, p.type, {
    gpl: isGplCompatible(p.license), maps: p.maps, logLevel: 1, helperAvailable: runningKernelHelperAvailable,
    ...(p.attach === undefined ? {} : { attach: p.attach }),
  });
  return { accepted: v.accepted, errno: v.errno, message: v.error?.message ?? null, insn: v.error?.insn ?? null, log: v.log };
};

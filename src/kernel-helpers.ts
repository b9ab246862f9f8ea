// The running kernel's refusals of helpers tsbpf's table of Linux 6.18 offers, as the verifier
// model's LoadEnvironment.helperAvailable: a kernel build or policy may refuse what the source
// offers (one build refuses bpf_xdp_adjust_meta to XDP). Only helpers the table offers to the
// program type are probed, each once per process (loader/probes.ts kernelRefusesHelper).

import { PROGRAM_TYPE_NAMES } from '../loader/index.js';
import { kernelRefusesHelper } from '../loader/probes.js';
import { HELPER_TABLE, type LoadEnvironment } from '../verifier/index.js';

const HELPER_BY_ID = new Map(Object.values(HELPER_TABLE).map((e) => [e.id, e]));
const PROGRAM_TYPE_NUMBER = new Map(PROGRAM_TYPE_NAMES);

/** False where the running kernel refuses a helper the table offers to the type; undefined (the table decides) elsewhere. */
export const runningKernelHelperAvailable: NonNullable<LoadEnvironment['helperAvailable']> = (progType, id) => {
  const helper = HELPER_BY_ID.get(id);
  const type = PROGRAM_TYPE_NUMBER.get(progType);
  if (helper === undefined || type === undefined || !helper.programTypes.includes(progType)) return undefined;
  return kernelRefusesHelper(type, id) ? false : undefined;
};

// R0 of the helpers that copy at most `size` bytes (bpf_get_stack, bpf_probe_read_*_str, …):
// a length or an error, [-MAX_ERRNO, size] in both widths (do_refine_retval_range).

import { syncBounds, unknownScalar } from '../scalar/scalar.js';
import { type RegState, scalarReg } from './reg.js';

const MAX_ERRNO = 4095n;

export function sizeBoundedResult(msizeMax: bigint): RegState {
  const s = unknownScalar();
  // The kernel stores the u64 maximum in s64 and s32 fields: it truncates as C does.
  s.smax = BigInt.asIntN(64, msizeMax);
  s.s32max = BigInt.asIntN(32, msizeMax);
  s.smin = -MAX_ERRNO;
  s.s32min = -MAX_ERRNO;
  syncBounds(s);
  return scalarReg(s);
}

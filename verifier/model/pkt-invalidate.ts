// Helpers that may move or resize the packet (bpf_helper_changes_pkt_data) invalidate every
// packet pointer of the state, spilled ones included (clear_all_pkt_pointers): for a loader
// that may leak pointers they become unknown scalars, otherwise uninitialised (mark_reg_invalid).

import { notInit, unknownReg } from './reg.js';
import { forEachReg, type VerifierState } from './state.js';

export function clearAllPktPointers(state: VerifierState, privileged: boolean): void {
  forEachReg(state, (r) => {
    if (r.type !== 'pkt' && r.type !== 'pkt_meta' && r.type !== 'pkt_end') return;
    Object.assign(r, privileged ? unknownReg() : notInit());
  });
}

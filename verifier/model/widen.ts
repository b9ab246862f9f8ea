// widen_imprecise_scalars: when a loop (may_goto, a callback's iterations) comes back to its head,
// the scalars that changed since the state kept there by the previous iteration and that no check
// relied on (not precise, precision.ts) become unknown, so that the next iteration's state is
// contained in this one and the loop converges instead of being unrolled.

import { IdMap, regsExact } from './prune.js';
import { type RegState, unknownReg } from './reg.js';
import { isSpilledSlot } from './stack.js';
import { SLOT_BYTES, type VerifierState } from './state.js';

/** maybe_widen_reg: the register of `cur` to keep, or an unknown scalar. */
function widened(o: RegState, c: RegState, ids: IdMap): RegState {
  if (o.type !== 'scalar' || c.type !== 'scalar') return c;
  if (o.precise === true || c.precise === true || regsExact(o, c, ids)) return c;
  return unknownReg();
}

/** Widens `cur` (the next iteration) against `old` (the previous one) in place. */
export function widenImpreciseScalars(old: VerifierState, cur: VerifierState): void {
  const ids = new IdMap();
  for (let fr = old.frames.length - 1; fr >= 0; fr--) {
    const fo = old.frames[fr]!;
    const fc = cur.frames[fr];
    if (fc === undefined) continue;
    for (let i = 0; i < fo.regs.length; i++) fc.regs[i] = widened(fo.regs[i]!, fc.regs[i]!, ids);
    for (let spi = 0; spi < fo.allocated / SLOT_BYTES; spi++) {
      const so = fo.stack[spi];
      const sc = fc.stack[spi];
      if (so === undefined || sc === undefined || !isSpilledSlot(so) || !isSpilledSlot(sc) || so.spilled === undefined || sc.spilled === undefined) continue;
      const w = widened(so.spilled, sc.spilled, ids);
      if (w !== sc.spilled) fc.stack[spi] = { bytes: sc.bytes, spilled: w };
    }
  }
}

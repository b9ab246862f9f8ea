// The last few results of reg_bounds_sync's bigint steps (scalar.ts), by the ten fields they read.
// A loop's branch refines the same unknown value the same way on every iteration: one corpus
// program (generated/random/114) takes the bigint steps 285,706 times with two distinct scalars,
// at about 10 µs a time. The result depends on the fields alone, and a hit writes it back sharing
// the remembered bigints and tnum, which nothing changes in place (both are immutable).

import type { Scalar } from './scalar.js';
import type { Tnum } from './tnum.js';

interface Remembered {
  // What the steps were given.
  readonly value: bigint;
  readonly mask: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
  // What they gave.
  readonly out: {
    readonly varOff: Tnum;
    readonly smin: bigint;
    readonly smax: bigint;
    readonly umin: bigint;
    readonly umax: bigint;
    readonly s32min: bigint;
    readonly s32max: bigint;
    readonly u32min: bigint;
    readonly u32max: bigint;
  };
}

/** Few entries, compared field by field: a miss must cost little next to the steps. */
const SIZE = 4;
const remembered: (Remembered | undefined)[] = [undefined, undefined, undefined, undefined];
let replace = 0;

/** `steps(s)`, or its remembered result for a scalar with the same fields. */
export function syncRemembered(s: Scalar, steps: (s: Scalar) => void): void {
  const t = s.varOff;
  for (let i = 0; i < SIZE; i++) {
    const e = remembered[i];
    if (e !== undefined && e.umin === s.umin && e.umax === s.umax && e.smin === s.smin && e.smax === s.smax
      && e.value === t.value && e.mask === t.mask && e.u32min === s.u32min && e.u32max === s.u32max && e.s32min === s.s32min && e.s32max === s.s32max) {
      const o = e.out;
      s.varOff = o.varOff; s.smin = o.smin; s.smax = o.smax; s.umin = o.umin; s.umax = o.umax;
      s.s32min = o.s32min; s.s32max = o.s32max; s.u32min = o.u32min; s.u32max = o.u32max;
      return;
    }
  }
  const { smin, smax, umin, umax, s32min, s32max, u32min, u32max } = s;
  steps(s);
  remembered[replace] = {
    value: t.value, mask: t.mask, smin, smax, umin, umax, s32min, s32max, u32min, u32max,
    out: { varOff: s.varOff, smin: s.smin, smax: s.smax, umin: s.umin, umax: s.umax, s32min: s.s32min, s32max: s.s32max, u32min: s.u32min, u32max: s.u32max },
  };
  replace = (replace + 1) % SIZE;
}

// mulberry32: a small seeded generator, so that a seed names a generated input. The one copy: the
// plain-JS campaign (run.mjs) and the tests (test/support/seeded-rng.ts) both use it, so that a
// seed names the same cases in both.

/** A generator of numbers in [0, 1) for `seed`: the same seed gives the same sequence. */
export function seededRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

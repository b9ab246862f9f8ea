// Types of seeded-rng.mjs, for the tests that import it.

export function seededRng(seed: number): () => number;

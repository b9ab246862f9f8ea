// Limits of one program, from what the kernel and clang accept (docs/dsl.md, "Limits").

/**
 * Instructions (8-byte slots: a 64-bit immediate load counts 2) of one program as loaded: the
 * entry program and every function it calls. bpf_prog_load refuses `insn_cnt` above
 * BPF_COMPLEXITY_LIMIT_INSNS (1,000,000) with E2BIG for a loader with CAP_BPF (above
 * BPF_MAXINSNS, 4096, without).
 */
export const MAX_INSNS = 1_000_000;

/**
 * Nested blocks (if/else, loop, lookup bodies) in one function: clang's default bracket depth
 * (-fbracket-depth=256). Deeper nesting is refused with a DslError rather than running the
 * JavaScript stack out.
 */
export const MAX_NESTING = 256;

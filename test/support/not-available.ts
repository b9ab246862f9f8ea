// The note prefix of a test skipped because the machine refuses a kernel feature, proven by a
// probe (see kernel-features.ts). Kept apart so the summary reporter needs no loader.
export const NOT_AVAILABLE = 'not available here:';

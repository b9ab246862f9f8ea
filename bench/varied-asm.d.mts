// Types of varied-asm.mjs (the bench's input generator, also used by test/asm-llvm.test.ts).
export function variedSource(count: number, seed?: number): string;

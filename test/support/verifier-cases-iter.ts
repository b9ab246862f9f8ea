// Hand-written programs for open-coded iterators and the cast kfuncs (part of the model's
// differential test, test/support/verifier-cases.ts): `call_kfunc NAME` calls the kernel function
// NAME by its BTF id in the running kernel. BTF ids and struct offsets come from the running
// kernel's BTF; the live kernel labels every case when the test runs.

import { kernelStruct, kernelTypeId, member } from './kernel-struct.js';
import type { ModelCase } from './verifier-cases.js';

const typeId = kernelTypeId;
const memberOffset = (struct: string, name: string): number => member(struct, name).off;
const structSize = (name: string): number => kernelStruct(name).size;

/** r1 = &iterator at fp-8 (or `off`). */
const it = (off = -8): string[] => ['r1 = r10', `r1 += ${off}`];
/** bpf_iter_num_new(&it, 0, 10). */
const numNew = (off = -8): string[] => [...it(off), 'r2 = 0', 'r3 = 10', 'call_kfunc bpf_iter_num_new'];
const numNext = (off = -8): string[] => [...it(off), 'call_kfunc bpf_iter_num_next'];
const numDestroy = (off = -8): string[] => [...it(off), 'call_kfunc bpf_iter_num_destroy'];
const done = ['r0 = 0', 'exit'];
/** while ((r0 = next(&it))) { body }: `body` must not jump; the loop's back edge is a goto. */
const loop = (body: readonly string[]): string[] => [...numNext(), `if r0 == 0 goto +${body.length + 1}`, ...body, `goto -${body.length + 5}`];

export const iterCases: readonly ModelCase[] = [
  { name: 'iter_num loop reading each element', type: 'socket_filter', asm: [...numNew(), ...loop(['r0 = *(u32 *)(r0 + 0)']), ...numDestroy(), ...done] },
  { name: 'iter_num loop with an empty body', type: 'socket_filter', asm: [...numNew(), ...loop([]), ...numDestroy(), ...done] },
  { name: 'iter_num loop keeping a constant', type: 'socket_filter', asm: ['r6 = 7', ...numNew(), ...loop(['r6 = 7']), ...numDestroy(), 'r0 = r6', 'exit'] },
  { name: 'iter_num loop counting into the stack', type: 'socket_filter', asm: ['*(u64 *)(r10 - 16) = 0', ...numNew(), ...loop(['r6 = *(u32 *)(r10 - 12)', 'r6 += 1', '*(u32 *)(r10 - 12) = r6', 'r6 = 0']), ...numDestroy(), ...done] },
  { name: 'iter_num element read past its size', type: 'socket_filter', asm: [...numNew(), ...loop(['r0 = *(u64 *)(r0 + 0)']), ...numDestroy(), ...done] },
  { name: 'iter_num element written', type: 'socket_filter', asm: [...numNew(), ...loop(['r1 = 0', '*(u32 *)(r0 + 0) = r1']), ...numDestroy(), ...done] },
  { name: 'iter_num element read without a NULL check', type: 'socket_filter', asm: [...numNew(), ...numNext(), 'r0 = *(u32 *)(r0 + 0)', ...numDestroy(), ...done] },
  { name: 'iter_num element used after destroy', type: 'socket_filter', asm: [...numNew(), ...numNext(), 'r6 = r0', ...numDestroy(), 'if r6 == 0 goto +1', 'r0 = *(u32 *)(r6 + 0)', ...done] },
  { name: 'iter_num next after the loop drained it', type: 'socket_filter', asm: [...numNew(), ...loop([]), ...numNext(), ...numDestroy(), ...done] },
  { name: 'iter_num not destroyed', type: 'socket_filter', asm: [...numNew(), ...numNext(), ...done] },
  { name: 'iter_num next of an uninitialised iterator', type: 'socket_filter', asm: ['r1 = 0', '*(u64 *)(r10 - 8) = r1', ...numNext(), ...done] },
  { name: 'iter_num destroy of an uninitialised iterator', type: 'socket_filter', asm: ['r1 = 0', '*(u64 *)(r10 - 8) = r1', ...numDestroy(), ...done] },
  { name: 'iter_num destroyed twice', type: 'socket_filter', asm: [...numNew(), ...numDestroy(), ...numDestroy(), ...done] },
  { name: 'iter_num created twice in the same slot', type: 'socket_filter', asm: [...numNew(), ...numNew(), ...numDestroy(), ...done] },
  { name: 'iter_num two iterators', type: 'socket_filter', asm: [...numNew(-8), ...numNew(-16), ...numDestroy(-16), ...numDestroy(-8), ...done] },
  { name: 'iter_num two iterators, the wrong one destroyed twice', type: 'socket_filter', asm: [...numNew(-8), ...numNew(-16), ...numDestroy(-16), ...numDestroy(-16), ...done] },
  { name: 'iter_num at a misaligned offset', type: 'socket_filter', asm: [...numNew(-12), ...numDestroy(-12), ...done] },
  { name: 'iter_num next at a misaligned offset', type: 'socket_filter', asm: [...numNew(), ...numNext(-4), ...numDestroy(), ...done] },
  { name: 'iter_num below the stack', type: 'socket_filter', asm: [...numNew(-520), ...numDestroy(-520), ...done] },
  { name: 'iter_num given NULL', type: 'socket_filter', asm: ['r1 = 0', 'r2 = 0', 'r3 = 10', 'call_kfunc bpf_iter_num_new', ...done] },
  { name: 'iter_num given a scalar', type: 'socket_filter', asm: ['r1 = 8', 'r2 = 0', 'r3 = 10', 'call_kfunc bpf_iter_num_new', ...done] },
  { name: 'iter_num given the context', type: 'socket_filter', asm: ['r2 = 0', 'r3 = 10', 'call_kfunc bpf_iter_num_new', ...done] },
  { name: 'iter_num bounds given a pointer', type: 'socket_filter', asm: [...it(), 'r2 = r10', 'r3 = 10', 'call_kfunc bpf_iter_num_new', ...done] },
  { name: 'iter_num stack read of the iterator', type: 'socket_filter', asm: [...numNew(), 'r0 = *(u64 *)(r10 - 8)', ...numDestroy(), ...done] },
  { name: 'iter_num overwritten, then next', type: 'socket_filter', asm: [...numNew(), 'r1 = 0', '*(u64 *)(r10 - 8) = r1', ...numNext(), ...done] },
  { name: 'iter_num partly overwritten, then destroy', type: 'socket_filter', asm: [...numNew(), 'r1 = 0', '*(u8 *)(r10 - 3) = r1', ...numDestroy(), ...done] },
  {
    name: 'iter_num nested loops', type: 'socket_filter',
    asm: [...numNew(-8), ...numNext(-8), 'if r0 == 0 goto +14', ...numNew(-16), ...numNext(-16), 'if r0 == 0 goto +2', 'r0 = *(u32 *)(r0 + 0)', 'goto -6',
      ...numDestroy(-16), 'goto -17', ...numDestroy(-8), ...done],
  },
  { name: 'iter_num loop broken out of early', type: 'socket_filter', asm: [...numNew(), ...numNext(), 'if r0 == 0 goto +3', 'r1 = *(u32 *)(r0 + 0)', 'if r1 == 5 goto +1', 'goto -7', ...numDestroy(), ...done] },
  { name: 'iter_num loop that leaks the element pointer past destroy', type: 'socket_filter', asm: ['r6 = 0', ...numNew(), ...numNext(), 'if r0 == 0 goto +2', 'r6 = r0', 'goto -5', ...numDestroy(), 'if r6 == 0 goto +1', 'r0 = *(u32 *)(r6 + 0)', ...done] },
  {
    name: 'iter_num on the caller stack, next in a subprogram', type: 'socket_filter', functions: [{ start: 0 }, { start: 13 }],
    asm: [...numNew(), 'r1 = r10', 'r1 += -8', 'call_local +5', ...numDestroy(), ...done, 'call_kfunc bpf_iter_num_next', 'r0 = 0', 'exit'],
  },
  { name: 'iter_num in xdp', type: 'xdp', asm: [...numNew(), ...loop(['r0 = *(u32 *)(r0 + 0)']), ...numDestroy(), 'r0 = 2', 'exit'] },
  {
    name: 'iter_bits over a stack word', type: 'tracepoint',
    asm: ['r1 = 5', '*(u64 *)(r10 - 24) = r1', ...it(-16), 'r2 = r10', 'r2 += -24', 'r3 = 64', 'call_kfunc bpf_iter_bits_new',
      ...it(-16), 'call_kfunc bpf_iter_bits_next', 'if r0 == 0 goto +2', 'r0 = *(u32 *)(r0 + 0)', 'goto -6', ...it(-16), 'call_kfunc bpf_iter_bits_destroy', ...done],
  },
  { name: 'iter_bits in one slot', type: 'tracepoint', asm: [...it(-8), 'r2 = 0', 'r3 = 1', 'call_kfunc bpf_iter_bits_new', ...it(-8), 'call_kfunc bpf_iter_bits_destroy', ...done] },
  { name: 'iter_bits next given an iter_num', type: 'tracepoint', asm: [...numNew(-16), ...it(-16), 'call_kfunc bpf_iter_bits_next', ...numDestroy(-16), ...done] },
  // bpf_rdonly_cast(obj, btf_id__k): an untrusted pointer to the struct; bpf_cast_to_kern_ctx: the trusted kernel context.
  { name: 'rdonly_cast to task_struct, read', type: 'tracepoint', asm: ['r1 = 0', `r2 = ${typeId('task_struct', 'STRUCT')}`, 'call_kfunc bpf_rdonly_cast', 'r0 = *(u32 *)(r0 + 0)', ...done] },
  { name: 'rdonly_cast to task_struct, write', type: 'tracepoint', asm: ['r1 = 0', `r2 = ${typeId('task_struct', 'STRUCT')}`, 'call_kfunc bpf_rdonly_cast', 'r1 = 0', '*(u32 *)(r0 + 0) = r1', ...done] },
  { name: 'rdonly_cast to int', type: 'tracepoint', asm: ['r1 = 0', `r2 = ${typeId('int', 'INT')}`, 'call_kfunc bpf_rdonly_cast', ...done] },
  { name: 'rdonly_cast to a union', type: 'raw_tracepoint', asm: ['r1 = 0', `r2 = ${typeId('bpf_attr', 'UNION')}`, 'call_kfunc bpf_rdonly_cast', ...done] },
  { name: 'rdonly_cast with an unknown type id', type: 'tracepoint', asm: ['call 7', 'r2 = r0', 'r1 = 0', 'call_kfunc bpf_rdonly_cast', ...done] },
  { name: 'rdonly_cast with a pointer type id', type: 'tracepoint', asm: ['r1 = 0', 'r2 = r10', 'call_kfunc bpf_rdonly_cast', ...done] },
  // The anonymous union of frame_sz and flags.
  { name: 'cast_to_kern_ctx in xdp', type: 'xdp', asm: ['call_kfunc bpf_cast_to_kern_ctx', `r0 = *(u32 *)(r0 + ${memberOffset('xdp_buff', '')})`, 'r0 = 2', 'exit'] },
  { name: 'cast_to_kern_ctx in xdp, read past the struct', type: 'xdp', asm: ['call_kfunc bpf_cast_to_kern_ctx', `r0 = *(u32 *)(r0 + ${structSize('xdp_buff')})`, 'r0 = 2', 'exit'] },
  { name: 'cast_to_kern_ctx of a moved context', type: 'xdp', asm: ['r1 += 8', 'call_kfunc bpf_cast_to_kern_ctx', 'r0 = 2', 'exit'] },
  { name: 'cast_to_kern_ctx result to a trusted kfunc', type: 'sched_cls', asm: ['call_kfunc bpf_cast_to_kern_ctx', ...done] },
];

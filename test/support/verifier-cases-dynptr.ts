// Hand-written programs for the callback helpers bpf_find_vma (180) and bpf_user_ringbuf_drain
// (209) (part of the model's differential test, test/support/verifier-cases.ts). Struct member
// offsets come from the running kernel's BTF; the live kernel labels every case when the test runs.

import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';
import { member } from './kernel-struct.js';

const USER_RINGBUF: MapInfo = { type: 31, keySize: 0, valueSize: 0, maxEntries: 4096 };
const RINGBUF: MapInfo = { type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 };
const vmMm = member('vm_area_struct', 'vm_mm');
const pid = member('task_struct', 'pid');

/** bpf_find_vma(current task, 0, callback, ctx, 0) in a raw tracepoint; the callback starts at slot 10. */
function findVma(name: string, body: string[], ctx: 'null' | 'stack' = 'null'): ModelCase {
  const prologue = ctx === 'stack' ? ['r1 = 0', '*(u64 *)(r10 - 8) = r1'] : [];
  const ctxArg = ctx === 'stack' ? ['r4 = r10', 'r4 += -8'] : ['r4 = 0', 'r5 = 0'];
  const start = prologue.length + 10;
  return {
    name: `find_vma ${name}`, type: 'raw_tracepoint', functions: [{ start: 0 }, { start }],
    asm: [...prologue, 'call 158', 'r1 = r0', 'r2 = 0', 'r3 = func_ref(+6)', ...ctxArg, 'call 180', 'r0 = 0', 'exit', ...body],
  };
}

/** bpf_user_ringbuf_drain(map, callback, NULL, 0); the callback starts at slot 9. */
function drain(name: string, body: string[], map: MapInfo = USER_RINGBUF): ModelCase {
  return {
    name: `user_ringbuf_drain ${name}`, type: 'raw_tracepoint', maps: [map], functions: [{ start: 0 }, { start: 9 }],
    asm: ['r1 = map_fd(0)', 'r2 = func_ref(+6)', 'r3 = 0', 'r4 = 0', 'call 209', 'r0 = 0', 'exit', ...body],
  };
}

export const dynptrCases: readonly ModelCase[] = [
  findVma('callback returns 0', ['r0 = 0', 'exit']),
  findVma('callback returns 2', ['r0 = 2', 'exit']),
  findVma('callback reads the vma', [`r0 = *(u64 *)(r2 + ${vmMm.off})`, 'r0 = 0', 'exit']),
  findVma('callback reads past the vma', [`r0 = *(u64 *)(r2 + ${vmMm.structSize})`, 'r0 = 0', 'exit']),
  findVma('callback reads the task', [`r0 = *(u32 *)(r1 + ${pid.off})`, 'r0 = 0', 'exit']),
  findVma('callback reads the unused R4', ['r0 = r4', 'r0 = 0', 'exit']),
  findVma('callback writes its stack context', ['r1 = 0', '*(u64 *)(r3 + 0) = r1', 'r0 = 0', 'exit'], 'stack'),
  findVma('callback writes a NULL context', ['r1 = 0', '*(u64 *)(r3 + 0) = r1', 'r0 = 0', 'exit']),
  drain('callback returns 0', ['r1 = 0', 'r0 = 0', 'exit']),
  drain('callback returns 2', ['r1 = 0', 'r0 = 2', 'exit']),
  drain('callback exits without R0', ['r1 = 0', 'exit']),
  drain('callback reads the unused R3', ['r1 = 0', 'r0 = r3', 'exit']),
  drain('of a ringbuf map', ['r1 = 0', 'r0 = 0', 'exit'], RINGBUF),
];

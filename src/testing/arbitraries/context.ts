// Inputs per program type, as BPF_PROG_TEST_RUN takes them: a frame for the networking types
// (with a __sk_buff whose writable fields are set for tc), the argument block for tracing types,
// the buffer of a syscall program.

import fc from 'fast-check';
import { ByteWriter } from '../../../isa/index.js';
import type { VmProgramType } from '../../../vm/index.js';
import type { RunInput } from '../backends.js';
import { TestingError } from '../errors.js';
import { arbPacket } from './packet.js';

export interface ContextOptions {
  /** The frames of networking types (default: arbPacket(), whole frames). */
  readonly packet?: fc.Arbitrary<Uint8Array>;
}

/** struct __sk_buff fields BPF_PROG_TEST_RUN takes from the caller: mark, priority, cb[5]. */
const skBuff = fc.record({ mark: fc.integer({ min: 0, max: 0xffffffff }), priority: fc.integer({ min: 0, max: 0xffffffff }), cb: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 5, maxLength: 5 }) })
  .map(({ mark, priority, cb }) => {
    const b = new Uint8Array(192);
    const v = ByteWriter.over(b);
    v.setU32(8, mark).setU32(32, priority);
    cb.forEach((x, i) => v.setU32(48 + i * 4, x));
    return b;
  });

const words = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.integer({ min, max }).chain((n) => fc.uint8Array({ minLength: n * 8, maxLength: n * 8 }));

/** Test-run inputs valid for the program type (the kernel takes them, the vm runs on them). */
export function arbContext(type: VmProgramType, options: ContextOptions = {}): fc.Arbitrary<RunInput> {
  const frame = options.packet ?? arbPacket().map((p) => p.bytes);
  switch (type) {
    case 'xdp': case 'socket_filter': return frame.map((data) => ({ data }));
    case 'sched_cls': case 'sched_act': return fc.tuple(frame, fc.option(skBuff)).map(([data, ctx]) => (ctx === null ? { data } : { data, ctx }));
    case 'raw_tracepoint': return words(0, 12).map((ctx) => ({ ctx }));
    case 'kprobe': return fc.uint8Array({ minLength: 168, maxLength: 168 }).map((ctx) => ({ ctx }));
    case 'tracepoint': case 'perf_event': case 'tracing': return words(8, 8).map((ctx) => ({ ctx }));
    case 'syscall': return fc.uint8Array({ minLength: 8, maxLength: 256 }).map((ctx) => ({ ctx }));
    case 'raw': return fc.uint8Array({ maxLength: 256 }).map((data) => ({ data }));
    default: throw new TestingError(`arbContext: program type ${String(type)} is not one the vm runs`);
  }
}

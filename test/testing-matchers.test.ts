// tsbpf/testing's matchers and harness: each matcher's pass and fail (with its message), in the
// vm and the verifier model and, as root, in the kernel; the harness seeding maps, running
// inputs and reading maps in both.

import { describe, expect, it } from 'vitest';
import type { Instruction } from '../isa/index.js';
import { assemble } from './support/bpf-raw.js';
import { bpfMatchers, kernelStatus, MapHarness, programOf, type RawTestProgram, TestingError, withMapHarness } from '../src/testing/index.js';
import netStats from '../examples/register-level/net-stats.js';

expect.extend(bpfMatchers);

const kernel = kernelStatus();
const needKernel = (ctx: { skip: (note: string) => void }): void => { if (!kernel.available) ctx.skip(`not available here: the kernel (${kernel.reason})`); };

const raw = (type: RawTestProgram['type'], lines: string[], maps?: RawTestProgram['maps']): RawTestProgram => ({ type, insns: assemble(lines) as Instruction[], ...(maps === undefined ? {} : { maps }) });
const returns2 = raw('xdp', ['r0 = 2', 'exit']);
const noR0 = raw('xdp', ['exit']);
const counter = raw('xdp', [
  '*(u32 *)(r10 - 4) = 0', 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -4', 'call 1', 'if r0 == 0 goto +2', 'r1 = 1', 'lock *(u64 *)(r0 + 0) += r1', 'r0 = 2', 'exit',
], [{ name: 'hits', type: 2, keySize: 4, valueSize: 8, maxEntries: 2 }]);
const printer = raw('socket_filter', [
  'r1 = 0x0a6425', '*(u64 *)(r10 - 8) = r1', 'r1 = r10', 'r1 += -8', 'r2 = 4', 'r3 = 42', 'call 6', 'r0 = 0', 'exit',
]);
const twoLines = raw('socket_filter', [
  'r1 = 0x0a6425', '*(u64 *)(r10 - 8) = r1', 'r1 = r10', 'r1 += -8', 'r2 = 4', 'r3 = 42', 'call 6',
  'r1 = r10', 'r1 += -8', 'r2 = 4', 'r3 = -7', 'call 6', 'r0 = 0', 'exit',
]);
const frame = new Uint8Array(64);

describe('toBeAcceptedByVerifier', () => {
  it('passes for an accepted program, fails naming the rejection', () => {
    expect(returns2).toBeAcceptedByVerifier();
    expect(noR0).not.toBeAcceptedByVerifier();
    expect(() => expect(noR0).toBeAcceptedByVerifier()).toThrow('expected prog to be accepted by the verifier, but the verifier model rejected it at instruction 0 (EACCES): R0 !read_ok');
    expect(() => expect(returns2).not.toBeAcceptedByVerifier()).toThrow('expected prog not to be accepted by the verifier, but the verifier model accepted it');
  });

  it('asks the kernel too when told', (ctx) => {
    needKernel(ctx);
    expect(returns2).toBeAcceptedByVerifier({ kernel: true });
    expect(() => expect(noR0).toBeAcceptedByVerifier({ kernel: true })).toThrow(/the verifier model rejected it .*R0 !read_ok; the kernel rejected it at instruction 0 \(EACCES\): R0 !read_ok/);
  });

  it('works on a program of an object (a DSL example)', () => {
    expect(programOf(netStats)).toBeAcceptedByVerifier({ kernel: 'auto' });
  });
});

describe('toBeRejectedWith', () => {
  it('passes on the message (substring or regex), fails with what was said instead', () => {
    expect(noR0).toBeRejectedWith('R0 !read_ok');
    expect(noR0).toBeRejectedWith(/^R0 !read_ok$/);
    expect(() => expect(noR0).toBeRejectedWith('invalid mem access')).toThrow('expected prog to be rejected with invalid mem access, but the verifier model rejected it at instruction 0 (EACCES): R0 !read_ok');
    expect(() => expect(returns2).toBeRejectedWith(/anything/)).toThrow('expected prog to be rejected with /anything/, but the verifier model accepted it');
  });

  it('in the kernel too', (ctx) => {
    needKernel(ctx);
    expect(noR0).toBeRejectedWith('R0 !read_ok', { kernel: true });
    expect(() => expect(returns2).toBeRejectedWith('R0', { kernel: true })).toThrow(/the verifier model accepted it; the kernel accepted it/);
  });
});

describe('toReturn', () => {
  it('passes on the return value, fails with the value or the fault', () => {
    expect(returns2).toReturn(2, { data: frame });
    expect(() => expect(returns2).toReturn(1, { data: frame })).toThrow('expected prog to return 1, but the vm returned 2');
    const faulty = raw('socket_filter', ['r1 = 0', 'r0 = *(u64 *)(r1 + 0)', 'exit']);
    expect(() => expect(faulty).toReturn(0, { data: frame })).toThrow(/expected prog to return 0, but the vm stopped with a fault at instruction 1: /);
    expect(() => expect(returns2).toReturn()).toThrow(TestingError);
    expect(() => expect({ nope: 1 }).toReturn(2)).toThrow(/toReturn: expected a program/);
  });

  it('in the kernel too', (ctx) => {
    needKernel(ctx);
    expect(returns2).toReturn(2, { data: frame }, { kernel: true });
    expect(() => expect(returns2).toReturn(3, { data: frame }, { kernel: true })).toThrow('expected prog to return 3, but the vm returned 2; the kernel returned 2');
  });

  it('kernel: true where there is no kernel is an error that says why', () => {
    if (kernel.available) expect(kernel.reason).toBe('bpf(2) is available');
    else expect(() => expect(returns2).toReturn(2, { data: frame }, { kernel: true })).toThrow(/kernel: true, but the kernel is not available here/);
  });
});

describe('toLeaveMap', () => {
  it('passes on the exact contents after the inputs, fails listing the differences', () => {
    expect(counter).toLeaveMap('hits', [[0, 3]], { inputs: [{ data: frame }, { data: frame }, { data: frame }] });
    expect(counter).toLeaveMap('hits', new Map([[0, 1n], [1, 0n]]), { inputs: [{ data: frame }] });
    expect(() => expect(counter).toLeaveMap('hits', [[0, 2], [1, 5]], { inputs: [{ data: frame }] }))
      .toThrow('expected prog to leave map hits as given, but in the vm:\n  key 0: 1, expected 2\n  key 1: missing (expected 5)');
    expect(() => expect(counter).toLeaveMap('hits', [], { inputs: [{ data: frame }] })).toThrow('  key 0: 1, not expected');
    expect(counter).toLeaveMap('hits', [[0, 11]], { seed: { hits: [[0, 10]] }, inputs: [{ data: frame }] });
  });

  it('decodes an object\'s map values by BTF', () => {
    const p = programOf(netStats);
    const udp = new Uint8Array(60);
    udp[12] = 8; udp[14] = 0x45; udp[23] = 17;
    expect(p).toLeaveMap('stats', [[17, { packets: 2n, bytes: 120n }]], { inputs: [{ data: udp }, { data: udp }] });
    expect(() => expect(p).toLeaveMap('stats', [[17, { packets: 1n, bytes: 60n }]], { inputs: [{ data: udp }, { data: udp }] }))
      .toThrow('key 17: {"packets":2n,"bytes":120n}, expected {"packets":1n,"bytes":60n}');
  });

  it('in the kernel too', (ctx) => {
    needKernel(ctx);
    expect(counter).toLeaveMap('hits', [[0, 2]], { inputs: [{ data: frame }, { data: frame }], kernel: true });
    expect(() => expect(counter).toLeaveMap('hits', [[0, 1]], { inputs: [{ data: frame }, { data: frame }], kernel: true }))
      .toThrow('in the vm:\n  key 0: 2, expected 1\nin the kernel:\n  key 0: 2, expected 1');
  });
});

describe('toPrintk', () => {
  it('passes on the lines printed, fails showing them', () => {
    expect(printer).toPrintk(['42'], { data: frame });
    expect(printer).toPrintk([/\d+/], { data: frame });
    expect(() => expect(printer).toPrintk(['43'], { data: frame })).toThrow('expected prog to print ["43"], but it printed:\n  "42"');
    expect(() => expect(returns2).toPrintk(['x'], { data: frame })).toThrow('but it printed nothing');
  });

  it('reads the kernel\'s lines of the test run from the trace buffer when asked', (ctx) => {
    needKernel(ctx);
    expect(printer).toPrintk(['42'], { data: frame }, { kernel: true });
    expect(twoLines).toPrintk(['42', '-7'], { data: frame }, { kernel: true });
    expect(() => expect(printer).toPrintk(['43'], { data: frame }, { kernel: true })).toThrow('expected prog to print ["43"], but the vm printed:\n  "42"; the kernel printed:\n  "42"');
    // Lines the program did not print in this run (another run's, before it) are not taken.
    expect(returns2).toPrintk([], { data: frame }, { kernel: true });
  });
});

describe('MapHarness', () => {
  it('seeds, runs N inputs and reads maps, in the vm and (as root) the kernel alike', () => {
    const h = new MapHarness(counter, { kernel: 'auto' });
    try {
      expect(h.kernel).toBe(kernel.available);
      h.seed('hits', [[1, 7]]);
      const runs = h.runAll(Array.from({ length: 5 }, () => ({ data: frame })));
      expect(runs.map((r) => r.vm.retval)).toEqual([2, 2, 2, 2, 2]);
      if (kernel.available) expect(runs.map((r) => r.kernel?.retval)).toEqual([2, 2, 2, 2, 2]);
      expect(h.difference('hits', [[0, 5], [1, 7]]).map((d) => d.lines)).toEqual(kernel.available ? [[], []] : [[]]);
      expect(Buffer.from(h.lookup('hits', 0)!).readBigUInt64LE(0)).toBe(5n);
      if (kernel.available) expect(Buffer.from(h.lookup('hits', 0, 'kernel')!).readBigUInt64LE(0)).toBe(5n);
      expect(h).toLeaveMap('hits', [[0, 5], [1, 7]]);
    } finally {
      h.close();
    }
    expect(() => h.run()).toThrow('the harness is closed');
  });

  it('withMapHarness closes afterwards; bad keys and values are TestingErrors that say why', () => {
    const out = withMapHarness(counter, {}, (h) => {
      expect(() => h.seed('hits', [[0, 1n << 64n]])).toThrow('map hits: value: 18446744073709551616 does not fit in 8 bytes');
      expect(() => h.seed('hits', [[new Uint8Array(3), 1]])).toThrow('map hits: key: 3 bytes, the map\'s are 4');
      expect(() => h.seed('hits', [[0, { a: 1 }]])).toThrow(TestingError);
      return h.run({ data: frame }).vm.retval;
    });
    expect(out).toBe(2);
  });
});

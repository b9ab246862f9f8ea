// BPF_PROG_TEST_RUN against bpftool prog run on the same pinned program: the same data in gives
// the same return value and data out.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, pinFd, ProgType, testRun, TestRunError } from '../loader/index.js';
import { sys } from '../src/internal.js';
import { Vm } from '../vm/index.js';
import { parseInstructionLlvm } from '../elf/index.js';
import { loadRaw } from './support/bpf-raw.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool') && requireRoot();

function ipv4Udp(dport: number, payload = 'hello'): Uint8Array {
  const b = Buffer.alloc(14 + 20 + 8 + payload.length);
  b.fill(0xaa, 0, 6); b.fill(0xbb, 6, 12); b.writeUInt16BE(0x0800, 12);
  b.writeUInt8(0x45, 14); b.writeUInt16BE(20 + 8 + payload.length, 16); b.writeUInt8(64, 22); b.writeUInt8(17, 23);
  b.writeUInt32BE(0x0a000001, 26); b.writeUInt32BE(0x0a000002, 30);
  b.writeUInt16BE(1234, 34); b.writeUInt16BE(dport, 36); b.writeUInt16BE(8 + payload.length, 38);
  b.write(payload, 42);
  return b;
}

function ipv6Frame(): Uint8Array {
  const b = Buffer.alloc(14 + 40);
  b.fill(0x11, 0, 12); b.writeUInt16BE(0x86dd, 12); b.writeUInt8(0x60, 14);
  return b;
}

describe.skipIf(!ok)('testRun vs bpftool prog run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-testrun-'));
  const pins: string[] = [];
  afterAll(() => {
    for (const p of pins) rmSync(p, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  function bpftoolRun(pin: string, data: Uint8Array, repeat = 1): { retval: number; dataOut: Buffer } {
    const inFile = join(dir, 'in'); const outFile = join(dir, 'out');
    writeFileSync(inFile, data);
    rmSync(outFile, { force: true });
    const text = run('bpftool', ['prog', 'run', 'pinned', pin, 'data_in', inFile, 'data_out', outFile, 'repeat', String(repeat)]);
    const m = /Return value: (\d+), duration/.exec(text);
    if (m === null) throw new Error(`unexpected bpftool output: ${text}`);
    return { retval: Number(m[1]), dataOut: readFileSync(outFile) };
  }

  /**
   * The kernel's test run given ctx in and nothing else (bpftool prog run cannot be the reference
   * here: it always sends repeat, which these types refuse with EINVAL). The context as the
   * kernel left it in ctx_in comes back too.
   */
  function bareCtxRun(fd: number, ctx: Uint8Array): { retval: number; ctxIn: Uint8Array } {
    const buffer = sys.pointee(Buffer.from(ctx));
    const attr = sys.encodeAttr(sys.TestRunAttr, { prog_fd: fd, ctx_in: buffer, ctx_size_in: ctx.length });
    sys.bpf(sys.BpfCommand.PROG_TEST_RUN, attr);
    return { retval: sys.readAttr(sys.TestRunAttr, attr, 'retval'), ctxIn: Uint8Array.from(buffer.bytes) };
  }

  /** The same program's run in the vm (held to the kernel by the differential campaign). */
  function vmRun(type: 'syscall' | 'raw_tracepoint', lines: readonly string[], ctx: Uint8Array): { retval: number; ctxOut?: Uint8Array } {
    const vm = new Vm();
    vm.addProgram('p', type, lines.map((l) => parseInstructionLlvm(l)));
    const r = vm.run('p', { ctx });
    expect(r.fault).toBeNull();
    return { retval: r.retval, ...(r.ctxOut === undefined ? {} : { ctxOut: r.ctxOut }) };
  }

  function pinned(fd: number, name: string): string {
    const p = `/sys/fs/bpf/tsbpf_tr_${process.pid}_${name}`;
    pinFd(fd, p);
    pins.push(p);
    return p;
  }

  it('prog_xdp.bpf.o xdp_count: UDP to port 9 dropped, others passed, same as bpftool, same data out', () => {
    const c = loadObject('fixtures/obj/prog_xdp.bpf.o', { programs: ['xdp_count'] });
    try {
      const prog = c.program('xdp_count');
      const pin = pinned(prog.fd.fd, 'xdp');
      const packets = [ipv4Udp(9), ipv4Udp(53), ipv6Frame(), new Uint8Array(14), ipv4Udp(9, 'x'.repeat(300))];
      const verdicts: number[] = [];
      for (const p of packets) {
        const ours = testRun(prog, { data: p });
        const theirs = bpftoolRun(pin, p);
        expect(ours.retval).toBe(theirs.retval);
        expect(Buffer.from(ours.dataOut!)).toEqual(theirs.dataOut);
        verdicts.push(ours.retval);
      }
      expect(verdicts).toEqual([1, 2, 2, 2, 1]); // XDP_DROP = 1, XDP_PASS = 2, as bpftool reported above
    } finally {
      c.close();
    }
  });

  it('a packet-rewriting XDP program: data out (MACs swapped) equals bpftool\'s', () => {
    const prog = loadRaw(ProgType.XDP, [
      'r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 12', 'if r4 > r3 goto +8',
      'r5 = *(u32 *)(r2 + 0)', 'r6 = *(u32 *)(r2 + 6)', '*(u32 *)(r2 + 0) = r6', '*(u32 *)(r2 + 6) = r5',
      'r5 = *(u16 *)(r2 + 4)', 'r6 = *(u16 *)(r2 + 10)', '*(u16 *)(r2 + 4) = r6', '*(u16 *)(r2 + 10) = r5',
      'r0 = 3', 'exit',
    ]);
    try {
      const pin = pinned(prog.fd, 'swap');
      const p = ipv4Udp(80);
      // With repeat, XDP runs on the same frame each time: 10 swaps give back the input, 1 swaps once.
      for (const repeat of [10, 1]) {
        const ours = testRun(prog, { data: p, repeat });
        const theirs = bpftoolRun(pin, p, repeat);
        expect(ours.retval).toBe(theirs.retval);
        expect(Buffer.from(ours.dataOut!)).toEqual(theirs.dataOut);
      }
      const ours = testRun(prog, { data: p });
      expect(ours.retval).toBe(3); // XDP_TX
      expect(Buffer.from(ours.dataOut!.subarray(0, 12)).toString('hex')).toBe(Buffer.from(p.subarray(6, 12)).toString('hex') + Buffer.from(p.subarray(0, 6)).toString('hex'));
    } finally {
      prog.close();
    }
  });

  it('prog_tc.bpf.o tc_mark on IPv6 and IPv4 frames: same retval and data as bpftool; the global counter sees every run', () => {
    const c = loadObject('fixtures/obj/prog_tc.bpf.o', { programs: ['tc_mark'] });
    try {
      const prog = c.program('tc_mark');
      const pin = pinned(prog.fd.fd, 'tc');
      for (const p of [ipv6Frame(), ipv4Udp(1)]) {
        const ours = testRun(prog, { data: p, repeat: 5 });
        const theirs = bpftoolRun(pin, p, 5);
        expect(ours.retval).toBe(theirs.retval);
        expect(Buffer.from(ours.dataOut!)).toEqual(theirs.dataOut);
      }
      // ipv6_packets lives in .bss: 5 runs by us and 5 by bpftool of the IPv6 frame.
      const bss = [...c.maps.values()].find((m) => m.name.endsWith('.bss'))!;
      const v = bss.lookup(new Uint8Array(4))!;
      expect(Buffer.from(v).readBigUInt64LE(0)).toBe(10n);
    } finally {
      c.close();
    }
  });

  it('a program type without test runs gives a TestRunError, as bpftool fails too', () => {
    const prog = loadRaw(ProgType.TRACEPOINT, ['r0 = 0', 'exit']);
    try {
      const pin = pinned(prog.fd, 'tp');
      let err: unknown;
      try { testRun(prog, { data: new Uint8Array(64) }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TestRunError);
      expect((err as TestRunError).code).toMatch(/^(ENOTSUPP|EOPNOTSUPP|EINVAL)$/);
      expect(() => bpftoolRun(pin, new Uint8Array(64))).toThrow();
    } finally {
      prog.close();
    }
  });

  // The kernel refuses ctx_out (and data, and repeat) for these two types with EINVAL; before
  // testRun sent only what each type takes, both runs below failed so.
  const SYSCALL_PROG = ['r2 = *(u32 *)(r1 + 0)', 'r2 += 5', '*(u32 *)(r1 + 4) = r2', 'r0 = *(u32 *)(r1 + 0)', 'r0 *= 3', 'exit'];
  it('a syscall program with a context: retval and ctxOut as the bare kernel call and the vm give them', () => {
    const prog = loadRaw(ProgType.SYSCALL, SYSCALL_PROG, { progFlags: 1 << 4 /* BPF_F_SLEEPABLE */ });
    try {
      const ctx = Uint8Array.from([7, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 9, 9]);
      const r = testRun(prog, { ctx });
      const bare = bareCtxRun(prog.fd, ctx);
      expect(r.retval).toBe(bare.retval);
      expect(r.ctxOut).toEqual(bare.ctxIn);
      const vm = vmRun('syscall', SYSCALL_PROG, ctx);
      expect(r.retval).toBe(vm.retval);
      expect(r.ctxOut).toEqual(vm.ctxOut);
      expect(Buffer.from(r.ctxOut!).readUInt32LE(4)).toBe(12); // what the program stored: ctx[0] + 5
      expect(ctx[4]).toBe(0xaa); // the caller's bytes are not written
    } finally {
      prog.close();
    }
  });

  const RAW_TP_PROG = ['r0 = *(u64 *)(r1 + 8)', 'r2 = *(u64 *)(r1 + 0)', 'r0 -= r2', 'exit'];
  it('a raw tracepoint program with arguments: retval as the bare kernel call\'s and the vm\'s, no ctxOut; repeat is refused with a hint', () => {
    const prog = loadRaw(ProgType.RAW_TRACEPOINT, RAW_TP_PROG);
    try {
      const ctx = new Uint8Array(16);
      new DataView(ctx.buffer).setBigUint64(0, 8n, true);
      new DataView(ctx.buffer).setBigUint64(8, 50n, true);
      const r = testRun(prog, { ctx, repeat: 1 });
      expect(r.retval).toBe(bareCtxRun(prog.fd, ctx).retval);
      expect(r.retval).toBe(vmRun('raw_tracepoint', RAW_TP_PROG, ctx).retval);
      expect(r.ctxOut).toBeUndefined();
      let err: unknown;
      try { testRun(prog, { ctx, repeat: 10 }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TestRunError);
      expect((err as TestRunError).code).toBe('EINVAL');
      expect((err as TestRunError).message).toContain('takes no repeat');
    } finally {
      prog.close();
    }
  });
});

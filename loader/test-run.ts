// BPF_PROG_TEST_RUN: run a loaded program in the kernel on given packet data and/or context,
// without attaching it. Networking programs take `data`; raw tracepoint, syscall and some other
// types take only `ctx`.

import { bpf, BpfCommand, encodeAttr, type Pointee, pointee, readAttr, SyscallError, TestRunAttr } from './sys/index.js';
import { type ProgramHandle, programFd } from './attach/index.js';
import { TsbpfError } from '../isa/index.js';

export interface TestRunOptions {
  /** Packet data in (skb/xdp programs). */
  readonly data?: Uint8Array;
  /** Room for data out; defaults to the input size plus 512 bytes (XDP may grow the packet) and grows once on ENOSPC. */
  readonly dataOutSize?: number;
  /** Context in (struct __sk_buff, xdp_md, raw tracepoint arguments …). */
  readonly ctx?: Uint8Array;
  /** Room for the context out; defaults to the size of ctx. */
  readonly ctxOutSize?: number;
  /** Number of runs; duration is their average. 0 and 1 both run once. */
  readonly repeat?: number;
  /** BPF_F_TEST_* flags. */
  readonly flags?: number;
  readonly cpu?: number;
}

export interface TestRunResult {
  /** r0 at exit, as the kernel reports it (u32). */
  readonly retval: number;
  /** Average run time in nanoseconds, as the kernel measured it (0 for some program types). */
  readonly durationNs: number;
  /** Packet data after the run, when data was given. */
  readonly dataOut?: Uint8Array;
  /** Context after the run, when ctx was given. */
  readonly ctxOut?: Uint8Array;
}

export class TestRunError extends TsbpfError {
  override readonly name = 'TestRunError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

function once(program: ProgramHandle, o: TestRunOptions, dataOutSize: number): { attr: Buffer; dataOut?: Pointee; ctxOut?: Pointee } {
  const data = o.data;
  const dataOut = data !== undefined ? pointee(dataOutSize) : undefined;
  const ctx = o.ctx;
  const ctxOut = ctx !== undefined ? pointee(o.ctxOutSize ?? ctx.length) : undefined;
  const attr = encodeAttr(TestRunAttr, {
    prog_fd: programFd(program), repeat: o.repeat ?? 0, flags: o.flags ?? 0, cpu: o.cpu ?? 0,
    ...(data !== undefined && dataOut !== undefined ? { data_in: pointee(data), data_size_in: data.length, data_out: dataOut, data_size_out: dataOut.size } : {}),
    ...(ctx !== undefined && ctxOut !== undefined ? { ctx_in: pointee(ctx), ctx_size_in: ctx.length, ctx_out: ctxOut, ctx_size_out: ctxOut.size } : {}),
  });
  bpf(BpfCommand.PROG_TEST_RUN, attr);
  return { attr, ...(dataOut !== undefined ? { dataOut } : {}), ...(ctxOut !== undefined ? { ctxOut } : {}) };
}

/** Runs the program once (or `repeat` times) in the kernel. */
export function testRun(program: ProgramHandle, options: TestRunOptions = {}): TestRunResult {
  let size = options.dataOutSize ?? (options.data?.length ?? 0) + 512;
  let r: ReturnType<typeof once>;
  try {
    try {
      r = once(program, options, size);
    } catch (e) {
      if (!(e instanceof SyscallError && e.code === 'ENOSPC' && options.dataOutSize === undefined)) throw e;
      size *= 4;
      r = once(program, options, size);
    }
  } catch (e) {
    if (e instanceof SyscallError) {
      const hint = e.code === 'ENOTSUPP' || e.code === 'EOPNOTSUPP' ? ' (this program type has no test run)' : e.code !== 'EINVAL' ? '' : options.data === undefined && options.ctx === undefined ? ' (this program type needs data in (a packet) or a ctx)' : ' (wrong data/ctx for this program type?)';
      throw new TestRunError(`test run of ${program.name ?? `fd ${programFd(program)}`}: ${e.message}${hint}`, e.code);
    }
    throw e;
  }
  const dataLen = readAttr(TestRunAttr, r.attr, 'data_size_out');
  const ctxLen = readAttr(TestRunAttr, r.attr, 'ctx_size_out');
  return {
    retval: readAttr(TestRunAttr, r.attr, 'retval'),
    durationNs: readAttr(TestRunAttr, r.attr, 'duration'),
    ...(r.dataOut !== undefined ? { dataOut: r.dataOut.bytes.slice(0, dataLen) } : {}),
    ...(r.ctxOut !== undefined ? { ctxOut: r.ctxOut.bytes.slice(0, ctxLen) } : {}),
  };
}

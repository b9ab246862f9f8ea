// BPF_PROG_TEST_RUN: run a loaded program in the kernel on given packet data and/or context,
// without attaching it. Networking programs take `data`; raw tracepoint, syscall and some other
// types take only `ctx`.

import { bpf, BpfCommand, encodeAttr, ObjInfoAttr, type Pointee, pointee, ProgInfoLayout, readAttr, SyscallError, TestRunAttr } from './sys/index.js';
import { type ProgramHandle, programFd } from './attach/index.js';
import { ProgType } from './attach/kernel-enums.js';
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
  /** Context after the run, when ctx was given and the program type writes it back (not raw tracepoints). */
  readonly ctxOut?: Uint8Array;
}

/**
 * What the kernel's test run of a program type takes besides ctx in (net/bpf/test_run.c, checked
 * on the live kernel by test/loader-testrun.test.ts). Raw tracepoint and syscall runs refuse
 * ctx_out, data and repeat with EINVAL; a syscall run copies the context back into ctx_in.
 */
interface RunShape {
  readonly ctxOut: 'separate' | 'in place' | 'none';
  readonly repeat: boolean;
}

const SHAPES: Readonly<Partial<Record<number, RunShape>>> = {
  [ProgType.RAW_TRACEPOINT]: { ctxOut: 'none', repeat: false },
  [ProgType.SYSCALL]: { ctxOut: 'in place', repeat: false },
};
const DEFAULT_SHAPE: RunShape = { ctxOut: 'separate', repeat: true };

/** The program's type, as the kernel reports it (OBJ_GET_INFO_BY_FD). */
function programType(fd: number): number {
  const info = pointee(ProgInfoLayout.size);
  bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.size, info }));
  return readAttr(ProgInfoLayout, info.bytes, 'type');
}

export class TestRunError extends TsbpfError {
  override readonly name = 'TestRunError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

function once(program: ProgramHandle, o: TestRunOptions, dataOutSize: number, shape: RunShape): { attr: Buffer; dataOut?: Pointee; ctxOut?: Pointee } {
  const data = o.data;
  const dataOut = data !== undefined ? pointee(dataOutSize) : undefined;
  const ctx = o.ctx;
  // A context written back in place is read from a copy of ctx in (the caller's bytes stay as they were).
  const ctxIn = ctx === undefined ? undefined : shape.ctxOut === 'in place' ? pointee(Buffer.from(ctx)) : pointee(ctx);
  const ctxOut = ctx === undefined ? undefined : shape.ctxOut === 'separate' ? pointee(o.ctxOutSize ?? ctx.length) : shape.ctxOut === 'in place' ? ctxIn : undefined;
  // Repeat 0 and 1 both run once: types that refuse repeat get it only when more runs are asked (and refuse them).
  const repeat = o.repeat ?? 0;
  const attr = encodeAttr(TestRunAttr, {
    prog_fd: programFd(program), flags: o.flags ?? 0, cpu: o.cpu ?? 0,
    ...(shape.repeat || repeat > 1 ? { repeat } : {}),
    ...(data !== undefined && dataOut !== undefined ? { data_in: pointee(data), data_size_in: data.length, data_out: dataOut, data_size_out: dataOut.size } : {}),
    ...(ctx !== undefined && ctxIn !== undefined ? { ctx_in: ctxIn, ctx_size_in: ctx.length } : {}),
    ...(shape.ctxOut === 'separate' && ctxOut !== undefined ? { ctx_out: ctxOut, ctx_size_out: ctxOut.size } : {}),
  });
  bpf(BpfCommand.PROG_TEST_RUN, attr);
  return { attr, ...(dataOut !== undefined ? { dataOut } : {}), ...(ctxOut !== undefined ? { ctxOut } : {}) };
}

/** Runs the program once (or `repeat` times) in the kernel. */
export function testRun(program: ProgramHandle, options: TestRunOptions = {}): TestRunResult {
  let size = options.dataOutSize ?? (options.data?.length ?? 0) + 512;
  let r: ReturnType<typeof once>;
  let shape = DEFAULT_SHAPE;
  try {
    // Only the types that take less need the look-up: a plain run asks the kernel nothing more.
    if (options.ctx !== undefined || (options.repeat ?? 0) > 1) shape = SHAPES[programType(programFd(program))] ?? DEFAULT_SHAPE;
    try {
      r = once(program, options, size, shape);
    } catch (e) {
      if (!(e instanceof SyscallError && e.code === 'ENOSPC' && options.dataOutSize === undefined)) throw e;
      size *= 4;
      r = once(program, options, size, shape);
    }
  } catch (e) {
    if (e instanceof SyscallError) {
      const hint = e.code === 'EINVAL' && !shape.repeat && (options.repeat ?? 0) > 1 ? ' (this program type\'s test run takes no repeat)' : e.code === 'ENOTSUPP' || e.code === 'EOPNOTSUPP' ? ' (this program type has no test run)' : e.code !== 'EINVAL' ? '' : options.data === undefined && options.ctx === undefined ? ' (this program type needs data in (a packet) or a ctx)' : ' (wrong data/ctx for this program type?)';
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
    ...(r.ctxOut !== undefined ? { ctxOut: r.ctxOut.bytes.slice(0, shape.ctxOut === 'in place' ? options.ctx!.length : ctxLen) } : {}),
  };
}

// tsbpf run OBJ.o --prog NAME [--data FILE] [--ctx FILE] [--repeat N]: loads the object and runs
// one program with BPF_PROG_TEST_RUN. Prints the return value, the kernel's average duration and
// the data (and context) out.

import { loadObject, objectNameOf, testRun, type TestRunResult } from '../../loader/index.js';

export interface RunCommandOptions {
  readonly program: string;
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  readonly repeat?: number;
  readonly btfPath?: string;
}

export interface RunCommandResult extends TestRunResult {
  readonly program: string;
}

export function runCommand(bytes: Uint8Array, file: string, options: RunCommandOptions): RunCommandResult {
  const c = loadObject(bytes, {
    name: objectNameOf(file), programs: [options.program], ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
  });
  try {
    const r = testRun(c.program(options.program), {
      ...(options.data === undefined ? {} : { data: options.data }),
      ...(options.ctx === undefined ? {} : { ctx: options.ctx }),
      ...(options.repeat === undefined ? {} : { repeat: options.repeat }),
    });
    return { program: options.program, ...r };
  } finally {
    c.close();
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The text report: `retval N`, `duration N ns`, then `data_out LEN HEX` / `ctx_out LEN HEX`. */
export function formatRunResult(r: RunCommandResult): string {
  const lines = [`retval ${r.retval}`, `duration ${r.durationNs} ns`];
  if (r.dataOut !== undefined) lines.push(`data_out ${r.dataOut.length} ${hex(r.dataOut)}`);
  if (r.ctxOut !== undefined) lines.push(`ctx_out ${r.ctxOut.length} ${hex(r.ctxOut)}`);
  return `${lines.join('\n')}\n`;
}

/** The --json shape (documented in docs/cli.md). */
export function runResultJson(r: RunCommandResult): string {
  return `${JSON.stringify({
    program: r.program, retval: r.retval, durationNs: r.durationNs,
    ...(r.dataOut !== undefined ? { dataOut: hex(r.dataOut) } : {}), ...(r.ctxOut !== undefined ? { ctxOut: hex(r.ctxOut) } : {}),
  })}\n`;
}

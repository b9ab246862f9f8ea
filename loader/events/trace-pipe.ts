// bpf_printk output: lines of /sys/kernel/tracing/trace_pipe. Reading consumes them (the pipe
// is shared by the whole system). The file is opened non-blocking and polled, so closing is
// prompt and no thread stays blocked in read(2).

import { closeSync, constants, openSync, readSync } from 'node:fs';
import { TRACEFS } from '../attach/tracepoint.js';

export interface TraceLine {
  /** The whole line as the kernel wrote it. */
  readonly raw: string;
  readonly task?: string;
  readonly pid?: number;
  readonly cpu?: number;
  readonly timestamp?: number;
  /** What follows "bpf_trace_printk: " (or the text after the function name). */
  readonly message: string;
}

// "  node-1234  [001] d..31 123.456789: bpf_trace_printk: hello"
const LINE = /^\s*(.+?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+\S+\s+([\d.]+):\s+(?:bpf_trace_printk:\s)?(.*)$/;

export function parseTraceLine(raw: string): TraceLine {
  const m = LINE.exec(raw);
  if (m === null) return { raw, message: raw };
  return { raw, task: m[1]!, pid: Number(m[2]), cpu: Number(m[3]), timestamp: Number(m[4]), message: m[5]! };
}

export interface TracePipeOptions {
  readonly path?: string;
  readonly signal?: AbortSignal;
  /** End after this long without a line. Default: run until aborted. */
  readonly idleTimeoutMs?: number;
  /** Poll interval when the pipe is empty (default 50 ms). */
  readonly pollMs?: number;
}

/** Lines from trace_pipe as they arrive. */
export async function* readTracePipe(options: TracePipeOptions = {}): AsyncGenerator<TraceLine> {
  const fd = openSync(options.path ?? `${TRACEFS}/trace_pipe`, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(64 * 1024);
  let rest = '';
  let idle = 0;
  const poll = options.pollMs ?? 50;
  try {
    while (options.signal?.aborted !== true) {
      let n = 0;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n > 0) {
        idle = 0;
        const text = rest + buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) if (l.length > 0) yield parseTraceLine(l);
        continue;
      }
      if (options.idleTimeoutMs !== undefined && idle >= options.idleTimeoutMs) return;
      await new Promise((r) => setTimeout(r, poll));
      idle += poll;
    }
  } finally {
    closeSync(fd);
  }
}

// tsbpf trace [--json] [--timeout MS] [--count N]: prints bpf_printk output (trace_pipe lines)
// as it arrives; stops on SIGINT/SIGTERM, after MS milliseconds without a line, or after N lines.

import { readTracePipe, type TraceLine } from '../../loader/index.js';

export interface TraceCommandOptions {
  readonly json?: boolean;
  readonly idleTimeoutMs?: number;
  readonly count?: number;
  readonly path?: string;
}

export function traceLineJson(l: TraceLine): string {
  return JSON.stringify({ task: l.task ?? null, pid: l.pid ?? null, cpu: l.cpu ?? null, timestamp: l.timestamp ?? null, message: l.message });
}

export async function traceCommand(options: TraceCommandOptions, write: (text: string) => void): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let n = 0;
  try {
    for await (const l of readTracePipe({
      signal: stop.signal, ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.path === undefined ? {} : { path: options.path }),
    })) {
      write(`${options.json === true ? traceLineJson(l) : l.raw}\n`);
      if (options.count !== undefined && ++n >= options.count) break;
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return 0;
}

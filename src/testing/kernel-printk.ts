// The kernel's bpf_printk lines of one test run. They go to the system-wide trace buffer, shared
// with every other program on the machine, so the run is bracketed: a unique marker is written
// to trace_marker first, and the lines taken are the bpf_trace_printk events after that marker
// from the marker's own task (a test run executes in the calling thread). The `trace` file is
// read, not trace_pipe, so that no other reader's lines are consumed.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseTraceLine } from '../../loader/index.js';
import { TestingError } from './errors.js';

/** Where tracefs is mounted (mounted there when it is not, as root may). */
const TRACEFS = '/sys/kernel/tracing';
const PRINTK = 'bpf_trace_printk: ';
const MARKER_EVENT = 'tracing_mark_write: ';

let markers = 0;

function tracefs(): string {
  if (existsSync(`${TRACEFS}/trace_marker`)) return TRACEFS;
  const r = spawnSync('mount', ['-t', 'tracefs', 'tracefs', TRACEFS], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(`${TRACEFS}/trace_marker`)) {
    throw new TestingError(`kernel printk: tracefs is not mounted at ${TRACEFS} and mounting it failed: ${(r.stderr ?? r.error?.message ?? '').trim() || `exit ${r.status}`}`);
  }
  return TRACEFS;
}

/** Runs `run` (a kernel test run) and returns the bpf_printk lines it wrote, in order. */
export function kernelPrintk(run: () => void): string[] {
  const dir = tracefs();
  if (readFileSync(`${dir}/tracing_on`, 'utf8').trim() !== '1') {
    throw new TestingError(`kernel printk: tracing is off (${dir}/tracing_on is 0), so the kernel records no bpf_printk lines`);
  }
  const marker = `tsbpf-printk ${process.pid} ${++markers} ${Date.now()}`;
  writeFileSync(`${dir}/trace_marker`, marker);
  run();
  const lines = readFileSync(`${dir}/trace`, 'utf8').split('\n');
  let at = lines.length - 1;
  while (at >= 0 && !lines[at]!.endsWith(MARKER_EVENT + marker)) at--;
  if (at < 0) {
    throw new TestingError(`kernel printk: the marker written before the run is not in ${dir}/trace (the buffer overflowed, or a reader of trace_pipe consumed it)`);
  }
  const task = parseTraceLine(lines[at]!);
  const out: string[] = [];
  for (const raw of lines.slice(at + 1)) {
    if (!raw.includes(PRINTK)) continue;
    const l = parseTraceLine(raw);
    if (l.pid === task.pid && l.task === task.task) out.push(l.message);
  }
  return out;
}

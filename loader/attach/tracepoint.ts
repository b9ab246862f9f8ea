// Tracepoints: the event id from tracefs, then a PERF_TYPE_TRACEPOINT perf event.

import { readFileSync } from 'node:fs';
import { Perf } from './kernel-enums.js';
import { AttachError, type Link, type ProgramHandle } from './link.js';
import { attachPerfEvent } from './perf-event.js';

export const TRACEFS = '/sys/kernel/tracing';

/** The numeric id of tracepoint CATEGORY/NAME from tracefs. */
export function tracepointId(category: string, name: string): number {
  const target = `${category}/${name}`;
  if (!/^[\w.-]+$/.test(category) || !/^[\w.-]+$/.test(name)) throw new AttachError('bad tracepoint name', 'tracepoint', target);
  const path = `${TRACEFS}/events/${category}/${name}/id`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AttachError(code === 'ENOENT' ? `no such tracepoint (${path} does not exist)` : `cannot read ${path}: ${code}`, 'tracepoint', target, code);
  }
  return Number.parseInt(text.trim(), 10);
}

/** Attaches a BPF_PROG_TYPE_TRACEPOINT program to CATEGORY/NAME (e.g. syscalls/sys_enter_execve). */
export function attachTracepoint(program: ProgramHandle, category: string, name: string): Link {
  const id = tracepointId(category, name);
  return attachPerfEvent(program, 'tracepoint', `${category}/${name}`, { type: Perf.TYPE_TRACEPOINT, config: id });
}

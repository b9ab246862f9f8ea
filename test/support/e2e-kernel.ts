// Shared by the end-to-end tests (test/e2e-*.test.ts): gating on root and the tools they use,
// a private tracefs instance for bpf_printk lines and a veth pair into a fresh network namespace.
// Nothing here uses libbpf or bpftool. (Addresses in events: inetNtop of tsbpf/loader.)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { readTracePipe, type TraceLine } from '../../loader/index.js';
import { inCI, isRoot } from './references.js';

function skip(msg: string): false {
  if (inCI) throw new Error(`${msg}; CI=true requires it`);
  console.warn(`SKIP: ${msg}`);
  return false;
}

/** Root, bpffs, tracefs and iproute2 (`ip`, for the network namespace). */
export function e2eAvailable(): boolean {
  if (process.platform !== 'linux') return skip('the end-to-end tests need Linux');
  if (!isRoot()) return skip('loading BPF programs needs root (CAP_BPF)');
  if (!existsSync('/sys/kernel/tracing/instances')) return skip('tracefs is not mounted at /sys/kernel/tracing');
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return skip('iproute2 (ip) is missing');
  return true;
}

export function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** A tracefs instance with the bpf_trace_printk event on: its trace_pipe gets every bpf_printk line, and no other reader consumes it. */
export interface TraceInstance { readonly dir: string; readonly pipe: string; remove(): void }

export function traceInstance(tag: string): TraceInstance {
  const dir = `/sys/kernel/tracing/instances/tsbpf-${tag}-${process.pid}`;
  mkdirSync(dir);
  const enable = `${dir}/events/bpf_trace/bpf_trace_printk/enable`;
  writeFileSync(enable, '1');
  return {
    dir, pipe: `${dir}/trace_pipe`,
    remove: () => { writeFileSync(enable, '0'); rmdirSync(dir); },
  };
}

/**
 * The first line of a trace pipe that satisfies `want`; undefined after `waitMs` (other programs'
 * lines may keep the pipe busy, so the limit is on the whole search, not on idleness).
 */
export async function findTraceLine(pipe: string, want: (l: TraceLine) => boolean, waitMs = 5000): Promise<TraceLine | undefined> {
  for await (const l of readTracePipe({ path: pipe, signal: AbortSignal.timeout(waitMs), pollMs: 20 })) if (want(l)) return l;
  return undefined;
}

/** A veth pair: `host` in this namespace, `peer` in a new namespace `ns`, with a /30 between them. */
export interface VethNs {
  readonly ns: string; readonly host: string; readonly peer: string; readonly hostAddr: string; readonly peerAddr: string;
  /** argv prefix that runs a command inside the namespace. */
  readonly exec: readonly string[];
  remove(): void;
}

export function vethNamespace(tag: string): VethNs {
  const id = process.pid % 100000;
  const ns = `tsbpf-${tag}-${process.pid}`;
  const host = `te${id}h`;
  const peer = `te${id}p`;
  // A /30 in 10.213.0.0/16 chosen by pid, so parallel runs do not collide.
  const net = (process.pid % 16000) * 4;
  const base = `10.213.${net >> 8}.`;
  const hostAddr = `${base}${(net & 255) + 1}`;
  const peerAddr = `${base}${(net & 255) + 2}`;
  const v: VethNs = {
    ns, host, peer, hostAddr, peerAddr, exec: ['ip', 'netns', 'exec', ns],
    remove: () => {
      spawnSync('ip', ['link', 'del', host], { stdio: 'ignore' });
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    },
  };
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
    sh('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', host]);
    sh('ip', ['link', 'set', host, 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${peerAddr}/30`, 'dev', peer]);
    sh('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    v.remove();
    throw e;
  }
  return v;
}

// kernel.unprivileged_bpf_disabled for the live unprivileged runs (the agreement harness's
// --caps unpriv, test/verifier-unpriv.test.ts): a root process sets it to 0 for the run and puts
// the old value back. 1 is sticky (only a reboot clears it), so it is never written; 2 (the usual
// default) can be set to 0 and back by root. The sysctl is global: each run holds an exclusive
// flock(2) on one file from before it reads the value until after it puts it back, so that two
// runs at once (another worktree's) neither restore it under each other nor leave it at 0. The
// kernel drops the lock when its holder dies.

import { closeSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unprivilegedBpfSetting } from '../../loader/index.js';
import { lastErrno, libcFunction } from '../../loader/sys/libc.js';

export const UNPRIVILEGED_BPF_DISABLED = '/proc/sys/kernel/unprivileged_bpf_disabled';

/** The file every run locks while it holds the sysctl at 0. */
export const UNPRIVILEGED_BPF_LOCK = join(tmpdir(), 'tsbpf-unprivileged-bpf.lock');

/** How long a run waits for another to put the sysctl back (the whole --caps unpriv run takes about a minute). */
const LOCK_WAIT_MS = 15 * 60_000;

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;
let flock: ((fd: number, operation: number) => number) | undefined;

/** The lock's fd once held; the reason when it cannot be had within `waitMs`. */
export function lockUnprivilegedBpf(waitMs = LOCK_WAIT_MS): { readonly fd: number } | { readonly reason: string } {
  flock ??= libcFunction<(fd: number, operation: number) => number>('int flock(int fd, int operation)');
  const fd = openSync(UNPRIVILEGED_BPF_LOCK, 'a', 0o600);
  const deadline = Date.now() + waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) === 0) return { fd };
    const errno = lastErrno();
    if (errno !== EWOULDBLOCK || Date.now() >= deadline) {
      closeSync(fd);
      return { reason: errno === EWOULDBLOCK ? `another run has held ${UNPRIVILEGED_BPF_LOCK} (kernel.unprivileged_bpf_disabled at 0) for more than ${waitMs / 1000} s` : `cannot lock ${UNPRIVILEGED_BPF_LOCK}: errno ${errno}` };
    }
    Atomics.wait(pause, 0, 0, 100);
  }
}

export interface UnprivilegedBpf {
  /** Puts the value found back and releases the lock (idempotent). */
  restore(): void;
}

/**
 * Makes bpf(2) available to unprivileged users, or says in one line why it cannot: another run
 * holds the lock past `waitMs`, the sysctl is missing or unreadable, it is 1 (sticky), or writing
 * it fails (not root, read-only /proc). Waits while another run holds it at 0.
 */
export function enableUnprivilegedBpf(waitMs?: number): UnprivilegedBpf | { readonly reason: string } {
  const lock = lockUnprivilegedBpf(waitMs);
  if ('reason' in lock) return lock;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    closeSync(lock.fd);
  };
  const old = unprivilegedBpfSetting();
  if (old === undefined) {
    release();
    return { reason: `cannot read ${UNPRIVILEGED_BPF_DISABLED}` };
  }
  if (old === '0') return { restore: release };
  if (old === '1') {
    release();
    return { reason: `${UNPRIVILEGED_BPF_DISABLED} is 1, which only a reboot clears: unprivileged BPF cannot be enabled` };
  }
  try {
    writeFileSync(UNPRIVILEGED_BPF_DISABLED, '0\n');
  } catch (e) {
    release();
    return { reason: `cannot set ${UNPRIVILEGED_BPF_DISABLED} to 0 (it is ${old}): ${(e as Error).message}` };
  }
  return {
    restore: () => {
      if (released) return;
      try {
        writeFileSync(UNPRIVILEGED_BPF_DISABLED, `${old}\n`);
      } finally {
        release();
      }
    },
  };
}

// kernel.unprivileged_bpf_disabled for the live unprivileged runs (the agreement harness's
// --caps unpriv, test/verifier-unpriv.test.ts): a root process sets it to 0 for the run and puts
// the old value back. 1 is sticky (only a reboot clears it), so it is never written; 2 (the usual
// default) can be set to 0 and back by root.

import { readFileSync, writeFileSync } from 'node:fs';

export const UNPRIVILEGED_BPF_DISABLED = '/proc/sys/kernel/unprivileged_bpf_disabled';

/** setpriv's arguments for a child that is an ordinary user (nobody) with no capability at all. */
export const SETPRIV_UNPRIVILEGED: readonly string[] = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

export interface UnprivilegedBpf {
  /** Puts the value found back (idempotent). */
  restore(): void;
}

function readValue(): string {
  return readFileSync(UNPRIVILEGED_BPF_DISABLED, 'utf8').trim();
}

/**
 * Makes bpf(2) available to unprivileged users, or says in one line why it cannot: the sysctl is
 * missing or unreadable, it is 1 (sticky), or writing it fails (not root, read-only /proc).
 */
export function enableUnprivilegedBpf(): UnprivilegedBpf | { readonly reason: string } {
  let old: string;
  try {
    old = readValue();
  } catch (e) {
    return { reason: `cannot read ${UNPRIVILEGED_BPF_DISABLED}: ${(e as Error).message}` };
  }
  if (old === '0') return { restore: () => {} };
  if (old === '1') return { reason: `${UNPRIVILEGED_BPF_DISABLED} is 1, which only a reboot clears: unprivileged BPF cannot be enabled` };
  try {
    writeFileSync(UNPRIVILEGED_BPF_DISABLED, '0\n');
  } catch (e) {
    return { reason: `cannot set ${UNPRIVILEGED_BPF_DISABLED} to 0 (it is ${old}): ${(e as Error).message}` };
  }
  let restored = false;
  return {
    restore: () => {
      if (restored) return;
      restored = true;
      writeFileSync(UNPRIVILEGED_BPF_DISABLED, `${old}\n`);
    },
  };
}

// Capability detection, checked against a real process whose capabilities
// setpriv(1) drops, and against this machine's own (root with CAP_BPF in CI).

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessBpfAccess, bpfAccess, effectiveCapabilities } from '../loader/index.js';
import { requireReferences, requireRoot } from './support/references.js';

const canDrop = requireReferences('setpriv', 'bpftool') && requireRoot();

describe('bpfAccess', () => {
  it('reads the effective set as /proc/self/status shows it', () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const line = /^CapEff:\s*(\w+)/m.exec(status)![1]!;
    expect(effectiveCapabilities(status)).toBe(BigInt(`0x${line}`));
  });

  it('says which platform is missing', () => {
    expect(assessBpfAccess('darwin', undefined)).toEqual({ available: false, reason: 'bpf(2) needs Linux; this is darwin' });
  });

  it.skipIf(!canDrop)('is available to this root process and unavailable once setpriv drops every capability', () => {
    expect(bpfAccess()).toEqual({ available: true });
    const status = execFileSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', 'cat', '/proc/self/status'], { encoding: 'utf8' });
    expect(effectiveCapabilities(status)).toBe(0n);
    // The kernel agrees: with the same capabilities dropped, bpf(2) is refused.
    const refused = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', 'bpftool', 'prog', 'list'], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Operation not permitted/);
    expect(assessBpfAccess('linux', status)).toEqual({
      available: false,
      reason: 'loading BPF programs needs CAP_BPF (or CAP_SYS_ADMIN); this process has neither',
    });
  });
});

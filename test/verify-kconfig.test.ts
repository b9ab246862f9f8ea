// verifyObject and tsbpf verify give an object's .kconfig externs the running kernel's values, read
// as the loader reads them, so that a branch the configuration decides is decided as the kernel
// decides it; for another kernel (--btf FILE) the values stay unknown and the result says so.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError, loadObject } from '../loader/index.js';
import { verifyObject } from '../src/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-kconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const live = requireReferences('clang-19') && requireRoot();

// Dereferences a scalar unless CONFIG_HZ is at most 100000: only its value makes the branch dead.
const SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
extern unsigned int CONFIG_HZ __kconfig;
SEC("socket") int hz(struct __sk_buff *skb) { if (CONFIG_HZ > 100000) return *(volatile int *)(long)skb->len; return 0; }
char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(!live)('.kconfig externs in tsbpf verify', () => {
  const obj = join(dir, 'hz.bpf.o');
  beforeAll(() => {
    writeFileSync(join(dir, 'hz.bpf.c'), SOURCE);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', join(dir, 'hz.bpf.c'), '-o', obj]);
  });

  it('for the running kernel: its values, the kernel\'s verdict', () => {
    let kernel: LoadError | undefined;
    try { loadObject(obj, { preverify: false }).close(); } catch (e) { if (e instanceof LoadError) kernel = e; else throw e; }
    const [v] = verifyObject(readFileSync(obj));
    expect(v!.accepted).toBe(kernel === undefined);
    expect(v!.assumptions.filter((a) => a.includes('.kconfig'))).toEqual([]);
    const cli = spawnSync(process.execPath, [CLI, 'verify', obj, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(cli.stdout).programs[0].accepted).toBe(kernel === undefined);
  });

  it('for another kernel (--btf): unknown, and said', () => {
    const btf = '/sys/kernel/btf/vmlinux';
    const [v] = verifyObject(readFileSync(obj), { btfPath: btf });
    expect(v!.assumptions).toContain(`the .kconfig externs' values are unknown: ${btf} describes another kernel, whose configuration is not read`);
  });
});

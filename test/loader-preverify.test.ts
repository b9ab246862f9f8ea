// loadObject and tsbpf load run the verifier model before BPF_PROG_LOAD (issue 10, Interfaces):
// its prediction rides on the kernel's LoadError; a disagreement is said plainly and written to a
// report that `tsbpf verify` replays. Disagreements are provoked with stand-in preverifiers, since
// the real model agrees with the kernel on these programs (checked here too).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError, loadObject, type Preverifier, type PreverifyVerdict } from '../loader/index.js';
import { modelPreverifier } from '../src/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-preverify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const live = requireReferences('clang-19') && requireRoot();

const SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
SEC("xdp") int peek(struct xdp_md *ctx) { __u32 key = 0; __u64 *v = bpf_map_lookup_elem(&counts, &key); return *v & 3; }
SEC("xdp") int checked(struct xdp_md *ctx) { __u32 key = 0; __u64 *v = bpf_map_lookup_elem(&counts, &key); return v ? *v & 3 : 2; }
char LICENSE[] SEC("license") = "GPL";
`;

const says = (accepted: boolean): Preverifier => () => ({ accepted, errno: accepted ? null : 'EACCES', message: accepted ? null : 'made up', insn: accepted ? null : 0, log: [] });

describe.skipIf(!live)('preverification in loadObject and tsbpf load', () => {
  const obj = join(dir, 'pv.bpf.o');
  beforeAll(() => {
    writeFileSync(join(dir, 'pv.bpf.c'), SOURCE);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', join(dir, 'pv.bpf.c'), '-o', obj]);
  });

  it('the model predicts the kernel: its verdict rides on the LoadError, no report', () => {
    const reports = mkdtempSync(join(dir, 'r-'));
    let err: LoadError | undefined;
    try { loadObject(obj, { preverify: modelPreverifier, mismatchDir: reports, programs: ['peek'] }).close(); } catch (e) { err = e as LoadError; }
    expect(err).toBeInstanceOf(LoadError);
    expect(err!.model).toMatchObject({ accepted: false, errno: err!.code, message: "R0 invalid mem access 'map_value_or_null'" });
    expect(err!.mismatchReport).toBeUndefined();
    loadObject(obj, { preverify: modelPreverifier, mismatchDir: reports, programs: ['checked'] }).close();
    expect(readdirSync(reports)).toEqual([]);
  });

  it('the root entry registers the model as the default; preverify: false turns it off', () => {
    const seen: string[] = [];
    const c = loadObject(obj, { programs: ['checked'], preverify: (p) => { seen.push(p.name); return modelPreverifier(p); } });
    c.close();
    expect(seen).toEqual(['checked']);
    // Default (registered by importing tsbpf above): the model's verdict is on the error.
    const failure = (o: Parameters<typeof loadObject>[1]): LoadError => {
      try { loadObject(obj, o).close(); } catch (e) { if (e instanceof LoadError) return e; throw e; }
      throw new Error('the kernel accepted a lookup result dereferenced without a null check');
    };
    expect(failure({ programs: ['peek'] }).model?.accepted).toBe(false);
    expect(failure({ programs: ['peek'], preverify: false }).model).toBeUndefined();
  });

  it('model accepts, kernel refuses: the error says so and names a report that tsbpf verify replays', () => {
    const reports = mkdtempSync(join(dir, 'r-'));
    let err: LoadError | undefined;
    try { loadObject(obj, { preverify: says(true), mismatchDir: reports, programs: ['peek'] }).close(); } catch (e) { err = e as LoadError; }
    expect(err!.message).toMatch(/\(the verifier model accepted it: please report this with .*tsbpf-verifier-mismatch-peek-.*\.json\)$/);
    const files = readdirSync(reports);
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(reports, files[0]!), 'utf8')) as { program: { insns: string; maps: unknown[] }; model: PreverifyVerdict; kernel: { accepted: boolean; errno: string; log: string[] } };
    expect(report.kernel).toMatchObject({ accepted: false, errno: 'EACCES' });
    expect(report.kernel.log).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(report.program.maps).toHaveLength(1);
    // Replayed by the real model: its verdict is the kernel's.
    const r = spawnSync(process.execPath, [CLI, 'verify', join(reports, files[0]!), '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).programs[0]).toMatchObject({ name: 'peek', accepted: false, errno: 'EACCES', error: { message: "R0 invalid mem access 'map_value_or_null'" } });
  });

  it('model rejects, kernel accepts: a warning and a report; the program is loaded', () => {
    const reports = mkdtempSync(join(dir, 'r-'));
    const warnings: string[] = [];
    const c = loadObject(obj, { preverify: says(false), mismatchDir: reports, programs: ['checked'], log: (l, m) => { if (l === 'warn') warnings.push(m); } });
    expect(c.programs.get('checked')).toBeDefined();
    c.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^prog 'checked': the verifier model rejected it \(EACCES at insn 0: made up\) but the kernel accepted it; please report this with .*\.json$/);
    expect(readdirSync(reports)).toHaveLength(1);
  });

  it('a model that fails does not stop the load', () => {
    const warnings: string[] = [];
    const c = loadObject(obj, { preverify: () => { throw new Error('boom'); }, programs: ['checked'], log: (l, m) => { if (l === 'warn') warnings.push(m); } });
    c.close();
    expect(warnings).toEqual(["prog 'checked': the verifier model failed (boom); loading without its prediction"]);
  });

  // A kernel build may refuse a helper Linux 6.18 offers (one here refuses bpf_xdp_adjust_meta to
  // XDP): the preverification probes the running kernel, so the model's verdict is the kernel's.
  it('a helper the running kernel refuses although the source offers it: no disagreement', () => {
    const meta = join(dir, 'meta.bpf.o');
    writeFileSync(join(dir, 'meta.bpf.c'), `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int meta(struct xdp_md *ctx) { return bpf_xdp_adjust_meta(ctx, -4) ? XDP_ABORTED : XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
`);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', join(dir, 'meta.bpf.c'), '-o', meta]);
    const outcome = (preverify: Parameters<typeof loadObject>[1] extends infer O ? O extends { preverify?: infer P } ? P : never : never, mismatchDir?: string): LoadError | undefined => {
      try { loadObject(meta, { preverify, ...(mismatchDir === undefined ? {} : { mismatchDir }) }).close(); } catch (e) { if (e instanceof LoadError) return e; throw e; }
      return undefined;
    };
    const kernel = outcome(false);
    const reports = mkdtempSync(join(dir, 'r-'));
    const withModel = outcome(modelPreverifier, reports);
    expect(withModel?.code).toBe(kernel?.code);
    if (kernel !== undefined) expect(withModel!.model).toMatchObject({ accepted: false, errno: kernel.code, message: kernel.log.trim().split('\n').filter((l) => !/^processed \d+ insns/.test(l)).at(-1) });
    expect(withModel?.mismatchReport).toBeUndefined();
    expect(readdirSync(reports)).toEqual([]);
    // tsbpf load: the kernel's verdict, without a disagreement.
    const cli = spawnSync(process.execPath, [CLI, 'load', meta], { encoding: 'utf8' });
    expect(cli.status === 0).toBe(kernel === undefined);
    expect(cli.stderr).not.toMatch(/verifier model/);
  });

  it('tsbpf verify refuses a malformed report with one line, exit 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tsbpfVerifierMismatch: 1, program: { name: 'x', section: 'xdp', type: 'xdp', license: 'GPL', insns: 'zz', maps: [] } }));
    const r = spawnSync(process.execPath, [CLI, 'verify', bad], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([2, `${bad}: error: program.insns is not a hex string\n`]);
  });
});

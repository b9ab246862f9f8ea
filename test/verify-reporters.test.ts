// tsbpf verify's CI outputs and tsbpf build's verifier check (issue 10, Interfaces; issue 13):
// the SARIF output is valid against the SARIF 2.1.0 schema (checked with a JSON-schema validator),
// the JUnit XML parses, and both point a rejection at the source line the kernel's own log names
// for it (the C line from clang's line_info; the TypeScript line for a program tsbpf built).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError, loadObject } from '../loader/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-rep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsbpf = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const ok = requireReferences('clang-19', 'python3');
const asRoot = requireRoot();

// A lookup result dereferenced without a null check (line 17), and a program that is fine.
const C_SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int peek(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);

	return *v & 3;
}

SEC("xdp")
int fine(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
`;

// The same mistake in the register-level DSL (line 12).
const TS_SOURCE = `import { asm, defineObject, hashMap, program, R0, R1, u32, u64 } from 'tsbpf';

const counts = hashMap({ key: u32, value: u64, maxEntries: 16 });

export default defineObject({
  license: 'GPL',
  maps: { counts },
  programs: {
    peek: program('xdp', (b) => {
      const key = b.local('key', 4, 0);
      b.call('map_lookup_elem', counts, key);
      b.emit(asm.ldx(8, R1, R0, 0));
      b.emit(asm.mov(R0, 2));
      b.emit(asm.exit());
    }),
  },
});
`;

/** The kernel's `; text @ file:line` annotation just before the failing instruction of a log. */
function kernelSourceLine(log: string): { file: string; line: number } {
  const lines = log.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^; .* @ (.+):(\d+)$/.exec(lines[i]!);
    if (m !== null) return { file: m[1]!, line: Number(m[2]) };
  }
  throw new Error(`no source annotation in the kernel's log:\n${log}`);
}

describe.skipIf(!ok)('tsbpf verify --reporter sarif|junit; tsbpf build runs the model', () => {
  const obj = join(dir, 'null.bpf.o');
  const tsProg = join(dir, 'nullcheck.ts');
  beforeAll(() => {
    writeFileSync(join(dir, 'null.bpf.c'), C_SOURCE);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '-c', join(dir, 'null.bpf.c'), '-o', obj]);
    writeFileSync(tsProg, TS_SOURCE);
  });

  it('SARIF: valid against the SARIF 2.1.0 schema; the rejection at its C line, nothing for the accepted program', () => {
    const r = tsbpf('verify', obj, '--reporter', 'sarif');
    expect(r.status).toBe(1);
    const sarif = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'data/sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    // The validator does reject what is not SARIF: the check can fail.
    expect(validate({ ...sarif, version: '2.0.0' })).toBe(false);
    const results = sarif.runs[0]!.results;
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ruleId: 'verifier-reject', level: 'error' });
    expect(results[0]!.message.text).toBe("peek: rejected (EACCES) at insn 7: R0 invalid mem access 'map_value_or_null'");
    const loc = results[0]!.locations[0]!.physicalLocation;
    expect(decodeURIComponent(loc.artifactLocation.uri)).toMatch(/null\.bpf\.c$/);
    expect(loc.region?.startLine).toBe(17);
  });

  it('JUnit: well-formed XML (parsed by python3), a failure for the rejection, a pass for the other', () => {
    const r = tsbpf('verify', obj, '--reporter', 'junit');
    expect(r.status).toBe(1);
    const summary = run('python3', ['-c', `
import sys, xml.dom.minidom as m
d = m.parseString(sys.stdin.read())
for c in d.getElementsByTagName('testcase'):
    f = c.getElementsByTagName('failure')
    print(c.getAttribute('name'), c.getAttribute('line') or '-', f[0].getAttribute('type') if f else 'pass')
`], r.stdout);
    expect(summary.trim().split('\n')).toEqual(['peek 17 EACCES', 'fine - pass']);
  });

  it.skipIf(!asRoot)('the line both outputs name is the line the kernel names for the rejection', () => {
    let log = '';
    try {
      loadObject(obj, { logLevel: 1 }).close();
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
      log = e.log;
    }
    const kernel = kernelSourceLine(log);
    const j = JSON.parse(tsbpf('verify', obj, '--json', '--prog', 'peek').stdout) as { programs: { source: { file: string; line: number } }[] };
    expect({ file: basename(j.programs[0]!.source.file), line: j.programs[0]!.source.line }).toEqual(kernel);
  });

  it('tsbpf build: a DSL program the model rejects is reported at its TypeScript line, exit 1, nothing written', () => {
    const out = join(dir, 'nullcheck.o');
    const r = tsbpf('build', tsProg, '-o', out);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${tsProg}:12:${TS_SOURCE.split('\n')[11]!.indexOf('ldx(') + 1}: error: the kernel verifier would reject peek (EACCES at insn 6): R0 invalid mem access 'map_value_or_null'\n`);
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    const unchecked = tsbpf('build', tsProg, '-o', out, '--no-verify');
    expect([unchecked.status, unchecked.stderr]).toEqual([0, '']);
    expect(existsSync(out)).toBe(true);
  });

  it.skipIf(!asRoot)('tsbpf build: the kernel refuses that program with the same message at the same line', () => {
    const out = join(dir, 'nullcheck-kernel.o');
    expect(tsbpf('build', tsProg, '-o', out, '--no-verify').status).toBe(0);
    try {
      loadObject(out).close();
      expect.unreachable('the kernel accepted a lookup result dereferenced without a null check');
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
      expect(e.log.trim().split('\n').filter((l) => !/^(verification time|stack depth|processed) /.test(l)).at(-1)).toBe("R0 invalid mem access 'map_value_or_null'");
      expect(e.insnIndex).toBe(6);
    }
  });
});

// BTF benchmarks, called by bench/run.mjs: `await btfBenchmarks({ runs })` returns rows
// { what, ours, theirs, target, oursCmd, theirsCmd } (ms, medians). In one run, alternating:
//  (a) in-process: tsbpf (dist/) reading /sys/kernel/btf/vmlinux, decoding it and building the name
//      index, against libbpf 1.1 btf__parse on the same file, timed inside a small C program
//      (bench/btf-parse.c, compiled here with the system cc and -lbpf);
//  (b) whole process: `tsbpf btf dump vmlinux` against `bpftool btf dump file vmlinux`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeProcess } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const VMLINUX = '/sys/kernel/btf/vmlinux';

export async function btfBenchmarks({ runs = 7, file = VMLINUX, profileIfUnmet } = {}) {
  const { decodeBtf } = await import(join(root, 'dist', 'elf.js'));
  // How the loader gets kernel BTF: mapped from /sys/kernel/btf (Linux >= 6.15), read otherwise.
  const { readKernelBtfBytes } = await import(join(root, 'dist', 'loader.js'));
  const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tsbpf);
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-bench-btf-'));
  const exe = join(work, 'btf-parse');
  const cc = spawnSync('cc', ['-O2', join(root, 'bench', 'btf-parse.c'), '-o', exe, '-lbpf'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc bench/btf-parse.c -lbpf failed: ${cc.stderr}`);

  const ITER = 21;
  // decodeBtf with the structural check is what btf__parse checks (and what the loader does with the
  // kernel's own files); the full check (every string offset and type id) is timed beside it.
  const parse = (validation) => (bytes) => { const btf = decodeBtf(bytes, { validation }); btf.buildNameIndex(); return btf; };
  const structure = parse('structure');
  const full = parse('full');
  const bytesOnce = readFileSync(file);
  const variants = {
    mapped: () => { const k = readKernelBtfBytes(file); mappedSource = k.source; structure(k.bytes); },
    read: () => structure(readFileSync(file)),
    memory: () => structure(bytesOnce),
    memoryFull: () => full(bytesOnce),
  };
  let mappedSource;
  for (let i = 0; i < 5; i++) for (const f of Object.values(variants)) f(); // warm-up (JIT)
  const medians = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const theirs = [];
  for (let r = 0; r < runs; r++) {
    const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let i = 0; i < ITER; i++) {
      for (const [k, f] of Object.entries(variants)) {
        const t = process.hrtime.bigint();
        f();
        samples[k].push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    for (const k of Object.keys(variants)) medians[k].push(median(samples[k]));
    const c = spawnSync(exe, [file, String(ITER)], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`btf-parse failed: ${c.stderr}`);
    theirs.push(Number(c.stdout.trim()));
  }
  const libbpf = median(theirs);
  const ours = (k) => median(medians[k]);
  const rows = [
    { what: `parse vmlinux BTF + name index (in-process, the loader's way: file ${mappedSource === 'mmap' ? 'mapped' : 'read'}, structural check)`, ours: ours('mapped'), theirs: libbpf, target: 1,
      oursCmd: "readKernelBtfBytes + decodeBtf({ validation: 'structure' }) + buildNameIndex", theirsCmd: 'btf__parse (libbpf 1.1)' },
    { what: 'parse vmlinux BTF + name index (in-process, bytes already in memory, structural check)', ours: ours('memory'), theirs: libbpf, target: 1,
      oursCmd: "decodeBtf({ validation: 'structure' }) + buildNameIndex", theirsCmd: 'btf__parse (libbpf 1.1, file read included)' },
    { what: 'parse vmlinux BTF + name index (in-process, bytes in memory, full check of every string offset and type id)', ours: ours('memoryFull'), theirs: libbpf, target: undefined,
      oursCmd: 'decodeBtf + buildNameIndex', theirsCmd: 'btf__parse (libbpf 1.1, file read included)' },
    { what: 'parse vmlinux BTF + name index (in-process, file read with readFileSync, structural check)', ours: ours('read'), theirs: libbpf, target: undefined,
      oursCmd: "readFileSync + decodeBtf({ validation: 'structure' }) + buildNameIndex", theirsCmd: 'btf__parse (libbpf 1.1)' },
  ];

  // Whole process, each format against bpftool's, alternating; `node -e 0` in the same rotation.
  const formats = [
    { what: 'dump vmlinux BTF, raw (whole process)', ours: [], theirs: [], oursCmd: 'tsbpf btf dump vmlinux', theirsCmd: 'bpftool btf dump file vmlinux' },
    { what: 'vmlinux.h (whole process)', ours: ['--format', 'c'], theirs: ['format', 'c'], oursCmd: 'tsbpf btf dump vmlinux --format c', theirsCmd: 'bpftool btf dump file vmlinux format c' },
    { what: 'dump vmlinux BTF as JSON (whole process)', ours: ['--format', 'json'], theirs: [], json: true, oursCmd: 'tsbpf btf dump vmlinux --format json', theirsCmd: 'bpftool -j btf dump file vmlinux' },
  ];
  for (const f of formats) {
    const oursArgs = ['btf', 'dump', file, ...f.ours];
    const theirsArgs = [...(f.json ? ['-j'] : []), 'btf', 'dump', 'file', file, ...f.theirs];
    const a = [];
    const b = [];
    const z = [];
    timeProcess('node', [cli, ...oursArgs]);
    timeProcess('bpftool', theirsArgs);
    for (let r = 0; r < runs; r++) {
      a.push(timeProcess('node', [cli, ...oursArgs]));
      b.push(timeProcess('bpftool', theirsArgs));
      z.push(timeProcess('node', ['-e', '0']));
    }
    const row = { what: f.what, ours: median(a), theirs: median(b), node: median(z), target: 1, oursCmd: f.oursCmd, theirsCmd: f.theirsCmd };
    rows.push(profileIfUnmet ? profileIfUnmet(row, oursArgs) : row);
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await btfBenchmarks({ runs: Number(process.env.BENCH_RUNS ?? 5) })) {
    console.log(`${r.what}: tsbpf ${r.ours.toFixed(2)} ms, reference ${r.theirs.toFixed(2)} ms (${(r.theirs / r.ours).toFixed(2)}×${r.target === undefined ? "" : `, target ≥ ${r.target}×`})`);
  }
}

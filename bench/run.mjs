// npm run bench: measures tsbpf against the reference tools side by side, in
// one process tree with alternating runs, and writes docs/benchmarks.md.
// Ratios matter, not absolute times: the machines are shared and noisy.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { btfBenchmarks } from './btf.mjs';
import { mapLookupBenchmarks } from './map-lookup.mjs';
import { loadBenchmarks } from './load.mjs';
import { dslSizeSection } from './dsl-size.mjs';
import { vmSection } from './vm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tsbpf);
const work = mkdtempSync(join(tmpdir(), 'tsbpf-bench-'));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

// Every instruction family, each line a statement llvm-mc-19 accepts.
const templates = [
  'r1 += 7', 'r1 += r2', 'w1 -= 7', 'w1 -= w2', 'r3 *= 1000', 'r1 /= r2', 'r1 s/= 7', 'w1 s%= w2', 'r4 |= 0x10',
  'r1 &= r2', 'r1 <<= 7', 'r1 >>= r2', 'r1 s>>= 3', 'r1 ^= -1', 'r1 = 7', 'r1 = r2', 'w1 = w2', 'r1 = -r1',
  'r1 = (s8)r2', 'r1 = (s32)r2', 'w1 = (s16)w2', 'r1 = le16 r1', 'r1 = be64 r1', 'r1 = bswap32 r1',
  'goto +0', 'if r1 == 7 goto +0', 'if r1 s> r2 goto +0', 'if w1 < w2 goto +0', 'if w1 & 255 goto +0',
  'call 1', 'r1 = 0x1122334455667788 ll', 'r0 = *(u8 *)skb[4]', 'r1 = *(u64 *)(r10 - 8)',
  'w1 = *(u32 *)(r2 + 8)', 'r1 = *(s16 *)(r2 + 8)', '*(u64 *)(r10 - 8) = 7', '*(u32 *)(r10 - 16) = w1',
  '*(u8 *)(r10 - 1) = r1', 'lock *(u64 *)(r10 - 8) += r1', 'w1 = atomic_fetch_or((u32 *)(r10 - 8), w1)',
  'r1 = xchg_64(r10 - 8, r1)', 'r0 = cmpxchg_64(r10 - 8, r0, r1)', 'may_goto +0', 'r0 = 0',
];

function generate(count) {
  const lines = ['\t.text', '\t.globl\tprog', '\t.type\tprog,@function', 'prog:'];
  for (let i = 0; i < count - 1; i++) lines.push(`\t${templates[i % templates.length]}`);
  lines.push('\texit', '');
  return lines.join('\n');
}

function time(cmd, args, stdoutFile) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', stdoutFile ? 'pipe' : 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternates the two commands RUNS times each (after one warm-up each) and returns medians. */
function compare(ours, theirs) {
  const a = [];
  const b = [];
  time(...ours); time(...theirs);
  for (let i = 0; i < RUNS; i++) {
    a.push(time(...ours).ms);
    b.push(time(...theirs).ms);
  }
  return { ours: median(a), theirs: median(b) };
}

const results = [];
const N = 200_000;
const src = join(work, 'big.s');
writeFileSync(src, generate(N));
const oursObj = join(work, 'big.tsbpf.o');
const refObj = join(work, 'big.llvm.o');

results.push({
  what: `assemble ${N.toLocaleString('en')} instructions`, target: 5,
  oursCmd: 'tsbpf asm big.s -o big.o', theirsCmd: 'llvm-mc-19 -triple bpf -mcpu=v4 -filetype=obj',
  ...compare(['node', [cli, 'asm', src, '-o', oursObj]], ['llvm-mc-19', ['-triple', 'bpf', '-mcpu=v4', '-filetype=obj', src, '-o', refObj]]),
});
results.push({
  what: `disassemble ${N.toLocaleString('en')} instructions`, target: 3,
  oursCmd: 'tsbpf disasm big.o', theirsCmd: 'llvm-objdump-19 -d --mcpu=v4',
  ...compare(['node', [cli, 'disasm', refObj]], ['llvm-objdump-19', ['-d', '--mcpu=v4', refObj]]),
});

results.push(...await btfBenchmarks({ runs: RUNS }));
results.push(...await mapLookupBenchmarks({ runs: RUNS }));
const load = await loadBenchmarks({ runs: RUNS });
results.push(...load.rows);

// Static linking of the two-file fixture (each half ~30 KB, mostly BTF: the dedup dominates).
const linkIn = ['a', 'b'].map((h) => join(root, 'fixtures', 'obj', 'link', `link_${h}.bpf.o`));
const linkOurs = join(work, 'linked.tsbpf.o');
const linkRef = join(work, 'linked.bpftool.o');
results.push({
  what: 'link link_a.bpf.o + link_b.bpf.o', target: undefined,
  oursCmd: 'tsbpf link A.o B.o -o OUT.o', theirsCmd: 'bpftool gen object OUT.o A.o B.o',
  ...compare(['node', [cli, 'link', ...linkIn, '-o', linkOurs]], ['bpftool', ['gen', 'object', linkRef, ...linkIn]]),
});

// The ceiling any Node.js program can reach: start-up alone, against each reference.
const startup = compare(['node', ['-e', '0']], ['llvm-mc-19', ['-triple', 'bpf', '-mcpu=v4', '-filetype=obj', src, '-o', refObj]]);
const startupObjdump = compare(['node', ['-e', '0']], ['llvm-objdump-19', ['-d', '--mcpu=v4', refObj]]);

// Both tools must agree before their speeds mean anything.
const textBytes = (obj, out) => {
  const r = spawnSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', obj, out]);
  return r.status === 0 ? readFileSync(out) : undefined;
};
const a = textBytes(oursObj, join(work, 'a.bin'));
const b = textBytes(refObj, join(work, 'b.bin'));
const sameBytes = a !== undefined && b !== undefined && a.equals(b);
const afterName = (s) => s.toString().split('\n').slice(2).join('\n');
const agree = afterName(time('node', [cli, 'disasm', refObj], true).stdout)
  === afterName(time('llvm-objdump-19', ['-d', '--mcpu=v4', refObj], true).stdout);

const sameLink = readFileSync(linkOurs).equals(readFileSync(linkRef));

const fmt = (ms) => (ms < 20 ? ms.toFixed(1) : ms.toFixed(0));
const out = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.mjs). Each pair of commands runs alternately in one process tree,',
  `${RUNS} timed runs each after one warm-up; figures are medians of whole-process wall time (Node start-up included).`,
  'Only the ratios are meaningful: the machines are shared and noisy.',
  '',
  `Last run: ${new Date().toISOString().slice(0, 10)}, ${process.platform} ${process.arch}, Node ${process.version}.`,
  '',
  '| task | tsbpf | reference | tsbpf ms | reference ms | speed-up | target |',
  '|---|---|---|---:|---:|---:|---|',
];
for (const r of results) {
  const speedup = r.theirs / r.ours;
  const target = r.target === undefined ? '—' : `≥ ${r.target}×: ${speedup >= r.target ? 'met' : '**not met**'}`;
  out.push(`| ${r.what} | \`${r.oursCmd}\` | \`${r.theirsCmd}\` | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${speedup.toFixed(2)}× | ${target} |`);
}
out.push('',
  `Ceiling set by Node.js itself: \`node -e 0\` takes ${startup.ours.toFixed(0)} ms here, so no Node program can be more than`,
  `${(startup.theirs / startup.ours).toFixed(2)}× faster than llvm-mc-19 or ${(startupObjdump.theirs / startupObjdump.ours).toFixed(2)}× faster than llvm-objdump-19 on this input, whole process.`,
  `Without start-up, tsbpf's own work is ${(results[0].ours - startup.ours).toFixed(0)} ms (asm) and ${(results[1].ours - startupObjdump.ours).toFixed(0)} ms (disasm).`);
if (results.some((r) => r.what.includes('map lookups'))) {
  out.push('',
    'Map lookups: the bare row is one koffi call of `syscall()` (fixed prototype) with an attr encoded once; `BpfMap.lookup`',
    'uses the same call on a per-map attr prepared once (fd and scratch addresses written at first use), and per call only',
    'checks the key, copies it into the scratch key and copies the value out (the one allocation: the returned copy).');
}
out.push('', 'Agreement, checked in the same run:', '',
  `- the .text bytes of the two objects are ${sameBytes ? 'identical' : '**different**'};`,
  `- the two listings of the reference object are ${agree ? 'identical line for line' : '**different**'} (after the file-name line);`,
  `- the two linked objects are ${sameLink ? 'identical byte for byte' : '**different**'}.`, '');
// Sections below the table: load time per fixture, and the DSL's output size against clang.
out.push(...load.section, ...await dslSizeSection(), ...await vmSection());
writeFileSync(join(root, 'docs', 'benchmarks.md'), out.join('\n'));
process.stdout.write(out.join('\n'));
if (!sameBytes || !agree || !sameLink) process.exitCode = 1;

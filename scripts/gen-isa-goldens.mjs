#!/usr/bin/env node
// Regenerates test/data/isa/all-insns.golden.json from test/data/isa/all-insns.s with the
// reference tools: llvm-mc-19 assembles the file (-mcpu=v4), llvm-objdump-19 --mcpu=v4 lists it.
// Each record is one instruction line of the source: its slot, the source text, the bytes
// llvm-mc wrote (8, or 16 for ld_imm64) and the text llvm-objdump prints for it.
//
//   node scripts/gen-isa-goldens.mjs            write the golden file
//   node scripts/gen-isa-goldens.mjs --check    exit 1 when the committed file differs

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'data', 'isa');
const SOURCE = join(DATA, 'all-insns.s');
const GOLDEN = join(DATA, 'all-insns.golden.json');

export function goldenRecords() {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-goldens-'));
  try {
    const obj = join(dir, 'all-insns.o');
    execFileSync('llvm-mc-19', ['-triple=bpfel', '-mcpu=v4', '-filetype=obj', '-o', obj, SOURCE]);
    const listing = execFileSync('llvm-objdump-19', ['-d', '--mcpu=v4', obj], { encoding: 'utf8' });
    // One line per instruction; llvm-objdump prints an ld_imm64's 16 bytes on one line.
    const insns = [];
    for (const line of listing.split('\n')) {
      const m = /^\s+(\d+):\t((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?)(?:\t(.*))?$/.exec(line);
      if (m === null) continue;
      insns.push({ slot: Number(m[1]), bytes: m[2], objdump: (m[3] ?? '').trim() });
    }
    const sources = readFileSync(SOURCE, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('.') && !l.endsWith(':'));
    if (sources.length !== insns.length) throw new Error(`${sources.length} source instructions, ${insns.length} listed by llvm-objdump-19`);
    return insns.map((x, i) => ({ slot: x.slot, asm: sources[i], bytes: x.bytes, objdump_mcpu_v4: x.objdump }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = `${JSON.stringify(goldenRecords(), null, 1)}\n`;
  if (process.argv.includes('--check')) {
    const same = readFileSync(GOLDEN, 'utf8') === text;
    console.log(same ? 'all-insns.golden.json is up to date' : 'all-insns.golden.json differs from what llvm-mc-19/llvm-objdump-19 give');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(GOLDEN, text);
  console.log(`wrote ${GOLDEN}`);
}

// npm run gen:kernel-enums [-- --check]: writes the kernel's uapi enums tsbpf names from the
// vendored kernel BTF (sources.ts says which and how); --check compares instead.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelEnumSources, REPO } from './sources.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of kernelEnumSources()) {
  const path = join(REPO, file);
  if (!check) { writeFileSync(path, text); continue; }
  let old = '';
  try { old = readFileSync(path, 'utf8'); } catch { /* missing: stale */ }
  if (old !== text) { stale++; process.stderr.write(`${file} is stale: npm run gen:kernel-enums\n`); }
}
process.exit(stale === 0 ? 0 : 1);

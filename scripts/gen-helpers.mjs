#!/usr/bin/env node
// Generates src/dsl/helpers/table.ts: every helper of `enum bpf_func_id` with its id, return kind
// and argument kinds, from the helper prototypes in a uapi linux/bpf.h (the doc comment lines
// ` * RET bpf_NAME(ARGS)` and the `___BPF_FUNC_MAPPER` ids). When the running kernel's BTF is
// readable (/sys/kernel/btf/vmlinux, through bpftool), the ids are checked against its
// `enum bpf_func_id` so the table is the kernel's, not just the header's.
//
// Usage: node scripts/gen-helpers.mjs --header PATH --source "WHERE THE HEADER CAME FROM"
//   [--kernel-version 6.18] [--out src/dsl/helpers/table.ts]
// With --lang-out DIR it writes the language's helpers instead (scripts/gen-lang-helpers.mjs):
//   node scripts/gen-helpers.mjs --header /usr/include/linux/bpf.h --source TEXT --lang-out src/compiler
// The table committed was made from libbpf/libbpf@f7081a6 include/uapi/linux/bpf.h (kernel
// checkpoint 9a3a07d, newer than v6.18; helpers are frozen since 6.2) checked against Linux 6.18's BTF.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeLangHelpers } from './gen-lang-helpers.mjs';

const { values } = parseArgs({
  options: {
    header: { type: 'string' },
    source: { type: 'string' },
    'kernel-version': { type: 'string' },
    vmlinux: { type: 'string', default: '/sys/kernel/btf/vmlinux' },
    out: { type: 'string', default: 'src/dsl/helpers/table.ts' },
    'lang-out': { type: 'string' },
  },
});
if (values.header === undefined || values.source === undefined) {
  console.error('usage: gen-helpers.mjs --header PATH --source TEXT [--kernel-version X.Y] [--out FILE]');
  process.exit(2);
}
const text = readFileSync(values.header, 'utf8');

/**
 * The doc comment's prototypes (` * RET bpf_NAME(ARGS)`), the first of each name: return type,
 * parameters, and the Description and Return text under it. Shared with the language's helpers.
 */
export function prototypes(header) {
  const out = new Map();
  const lines = header.split('\n');
  const proto = /^ \* ([A-Za-z_][\w ]*?\**)\s*bpf_(\w+)\(([^)]*)\)\s*$/;
  for (let i = 0; i < lines.length; i++) {
    const m = proto.exec(lines[i]);
    if (m === null || out.has(m[2])) continue;
    const params = m[3].trim() === 'void' || m[3].trim() === '' ? [] : m[3].split(',').map((p) => p.trim());
    // The doc: lines up to the next prototype or the comment's end; sections by their tab-indented titles.
    const doc = { Description: [], Return: [] };
    let section;
    for (let j = i + 1; j < lines.length && !proto.test(lines[j]) && !/^\s*\*\//.test(lines[j]); j++) {
      const t = /^ \* ?\t(\w+)\s*$/.exec(lines[j]);
      if (t !== null) { section = doc[t[1]]; continue; }
      if (section !== undefined) section.push(lines[j].replace(/^ \* ?(\t\t)?/, '').replace(/^ \*$/, ''));
    }
    const tidy = (ls) => ls.join('\n').replace(/\n{3,}/g, '\n\n').trim();
    out.set(m[2], { ret: m[1].trim(), params, description: tidy(doc.Description), returns: tidy(doc.Return) });
  }
  return out;
}

if (values['lang-out'] !== undefined) {
  const written = writeLangHelpers({ protos: prototypes(text), source: values.source, outDir: values['lang-out'] });
  console.log(`${values['lang-out']}: ${written.declared} helpers declared, ${written.undeclared} not`);
  process.exit(0);
}

// Ids from the mapper: FN(name, id, ##ctx).
const ids = new Map();
for (const m of text.matchAll(/^\s*FN\((\w+),\s*(\d+),/gm)) ids.set(m[1], Number(m[2]));
if (ids.size === 0) throw new Error('no FN(name, id, …) entries: the header predates numbered ___BPF_FUNC_MAPPER');

// Prototypes from the doc comment.
const protos = new Map([...prototypes(text)].filter(([name]) => ids.has(name)));

/** Kind of a C parameter as the DSL passes it. */
function argKind(param) {
  const pm = /^(.*?)(\w+)$/.exec(param.replace(/\s+/g, ' ').trim());
  const type = pm ? pm[1].trim() : param;
  const name = pm ? pm[2] : '';
  // Maps: `struct bpf_map *`, and the ring buffer helpers' `void *ringbuf`.
  if (type === 'struct bpf_map *' || name === 'ringbuf') return { kind: 'map', name, c: type };
  if (/callback_fn|callback_func|^callback$/.test(name)) return { kind: 'func', name, c: type };
  if (type.includes('*')) return { kind: 'ptr', name, c: type };
  return { kind: 'scalar', name, c: type };
}
function retKind(ret) {
  if (ret === 'void') return 'void';
  return ret.includes('*') ? 'ptr' : 'scalar';
}

// The running kernel's enum, when bpftool and vmlinux BTF are there.
let kernelIds;
try {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', values.vmlinux, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const at = raw.indexOf("ENUM 'bpf_func_id'");
  if (at >= 0) {
    kernelIds = new Map();
    for (const line of raw.slice(at).split('\n').slice(1)) {
      const m = /^\s+'BPF_FUNC_(\w+)' val=(\d+)/.exec(line);
      if (!m) break;
      kernelIds.set(m[1], Number(m[2]));
    }
  }
} catch {
  kernelIds = undefined;
}
if (kernelIds !== undefined) {
  for (const [name, id] of kernelIds) {
    if (name === 'unspec') continue;
    if (ids.get(name) !== id) throw new Error(`kernel BTF has BPF_FUNC_${name}=${id}, header has ${ids.get(name)}`);
  }
  for (const [name] of ids) if (!kernelIds.has(name)) throw new Error(`header helper ${name} is not in the kernel's enum bpf_func_id`);
}

const rows = [...ids].filter(([n]) => n !== 'unspec').sort((a, b) => a[1] - b[1]);
const lines = [];
for (const [name, id] of rows) {
  const p = protos.get(name);
  if (p === undefined) throw new Error(`no prototype for bpf_${name}`);
  const variadic = p.params.at(-1) === '...';
  const args = (variadic ? p.params.slice(0, -1) : p.params).map(argKind);
  if (args.length > 5) throw new Error(`bpf_${name} has ${args.length} arguments`);
  const argText = args.map((a) => `'${a.kind}'`).join(', ');
  const cText = `${p.ret} bpf_${name}(${p.params.join(', ')})`;
  lines.push(`  /** \`${cText.replace(/\*\//g, '* /')}\` */\n  ${name}: { id: ${id}, ret: '${retKind(p.ret)}', args: [${argText}]${variadic ? ', variadic: true' : ''} },`);
}

const kernelVersion = values['kernel-version'] ?? execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
const out = `// GENERATED by scripts/gen-helpers.mjs — do not edit.
// Source: ${values.source}
// Ids checked against: ${kernelIds === undefined ? 'nothing (no kernel BTF available)' : `enum bpf_func_id of Linux ${kernelVersion} BTF (${kernelIds.size - 1} helpers)`}

/** Kernel version the table describes. */
export const HELPER_TABLE_KERNEL = '${kernelVersion}';
/** Where the prototypes came from. */
export const HELPER_TABLE_SOURCE = ${JSON.stringify(values.source)};

/** Every helper of \`enum bpf_func_id\`: id, return kind and argument kinds (map, ptr, scalar, func); variadic helpers take scalars up to five arguments in all. */
export const HELPERS = {
${lines.join('\n')}
} as const;
`;
writeFileSync(values.out, out);
console.log(`${values.out}: ${rows.length} helpers`);

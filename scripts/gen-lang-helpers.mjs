// The language's helpers (tsbpf/lang), written by scripts/gen-helpers.mjs --lang-out DIR from three
// sources: the helpers and their ids of the DSL's table (src/dsl/helpers/table.ts, the same
// helpers the register-level DSL calls), the UAPI header's doc comment (parameter names and
// types, the Description and Return text), and the kernel's argument kinds per helper
// (verifier/tables/helpers.generated.ts, from the kernel's bpf_func_proto). A helper is declared
// only when every argument has a safe language type; the others are listed with the reason.
//
// Writes DIR/lang-helpers.generated.ts (declarations users import, with JSDoc) and
// DIR/helper-calls.generated.ts (what the compiler needs to lower a call).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names lang.ts keeps by hand (typed beyond the C prototype): not generated. */
const HAND = new Set(['getCurrentTask', 'tailCall', 'skLookupTcp', 'skLookupUdp', 'skcLookupTcp', 'skRelease', 'spinLock', 'spinUnlock', 'loop', 'timerInit', 'timerSetCallback', 'timerStart', 'timerCancel',
  'skFullsock', 'tcpSock', 'getListenerSock', 'getSocketCookie', 'skcToTcpSock', 'skcToTcp6Sock', 'skcToUdp6Sock', 'skcToTcpTimewaitSock', 'skcToTcpRequestSock', 'skcToUnixSock', 'skCgroupId', 'skAncestorCgroupId', 'setsockopt', 'getsockopt']);
/** Map arguments the language can type: the map interface each helper takes. */
const MAP_TYPES = {
  ringbuf_output: 'RingBuf', ringbuf_query: 'RingBuf',
  perf_event_output: 'PerfEventArray', perf_event_read: 'PerfEventArray', perf_event_read_value: 'PerfEventArray',
  get_stackid: 'StackTraceMap', redirect_map: 'RedirectMap',
  skb_under_cgroup: 'CgroupArray', current_task_under_cgroup: 'CgroupArray',
};
/** Helpers the language calls through a map's methods (lower-map.ts, lower-queue.ts, ringbuf.ts, lower-storage.ts): not generated. */
const METHODS = {
  map_lookup_elem: 'HashMap/ArrayMap lookup', map_update_elem: 'HashMap/ArrayMap update', map_delete_elem: 'HashMap delete',
  map_push_elem: 'QueueMap/BloomFilter push', map_pop_elem: 'QueueMap pop', map_peek_elem: 'QueueMap/BloomFilter peek',
  ringbuf_reserve: 'RingBuf reserve', ringbuf_submit: 'RingBuf submit', ringbuf_discard: 'RingBuf discard',
  task_storage_get: 'TaskStorage get', task_storage_delete: 'TaskStorage delete',
  cgrp_storage_get: 'CgrpStorage get', cgrp_storage_delete: 'CgrpStorage delete',
  sk_storage_get: 'SkStorage get', sk_storage_delete: 'SkStorage delete',
  inode_storage_get: 'InodeStorage get', inode_storage_delete: 'InodeStorage delete',
  map_lookup_percpu_elem: 'HashMap/ArrayMap lookupOnCpu (per-CPU maps)',
};
/** C scalar types → the language's integer aliases. */
const SCALARS = {
  u8: 'u8', u16: 'u16', u32: 'u32', u64: 'u64', s8: 's8', s16: 's16', s32: 's32', s64: 's64',
  __u8: 'u8', __u16: 'u16', __u32: 'u32', __u64: 'u64', __s32: 's32', __s64: 's64',
  int: 's32', long: 's64', 'unsigned int': 'u32', 'unsigned long': 'u64', size_t: 'u64',
  __be16: 'u16', __be32: 'u32', __wsum: 'u32',
};
const RESERVED = new Set(['break', 'case', 'catch', 'class', 'const', 'continue', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'let', 'static', 'yield', 'await']);

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** `type name` of a C parameter. */
function cParam(p) {
  const m = /^(.*?)(\w+)$/.exec(p.replace(/\s+/g, ' ').trim());
  return { type: m[1].trim(), name: m[2] };
}

/** The DSL table's helpers: name → id. */
function dslHelpers() {
  const text = readFileSync('src/dsl/helpers/table.ts', 'utf8');
  return new Map([...text.matchAll(/^ {2}(\w+): \{ id: (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
}

/** The kernel's prototypes per helper (verifier/tables/helpers.generated.ts). */
function kernelProtos() {
  const text = readFileSync('verifier/tables/helpers.generated.ts', 'utf8');
  return new Map([...text.matchAll(/^ {2}(\w+): (\{.*\}),$/gm)].map((m) => [m[1], JSON.parse(m[2])]));
}

/** The integer alias of a C type passed as a plain value (a pointer passed as ARG_ANYTHING is an address: u64). */
function scalarOf(type) {
  if (type.includes('*')) return 'u64';
  return SCALARS[type.replace(/^const /, '')];
}

/**
 * The language's arguments of one helper from the kernel's argument kinds and the C parameters, or
 * the reason it cannot be declared. Kinds: { int }, { mem, write } (a buffer and its size: one
 * argument), { ctx }, { map }, { str } (a string literal), { kernel } (a BTF pointer to a kernel struct).
 */
function classify(name, kinds, params, sizes = {}) {
  // A trailing integer the kernel's prototype leaves unchecked (ARG_DONTCARE) is still passed.
  const unchecked = params.slice(kinds.length).every((p) => !cParam(p).type.includes('*'));
  if (kinds.length > params.length || !unchecked) return `the header's prototype has ${params.length} parameters, the kernel's ${kinds.length}`;
  kinds = [...kinds, ...params.slice(kinds.length).map(() => 'ARG_DONTCARE')];
  const args = [];
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    const p = cParam(params[i]);
    if (k === 'ARG_ANYTHING' || k === 'ARG_SCALAR' || k === 'ARG_DONTCARE') {
      const t = scalarOf(p.type);
      if (t === undefined) return `${p.name} is a ${p.type}`;
      args.push({ name: p.name, c: p.type, int: t });
    } else if (/^ARG_PTR_TO_(UNINIT_)?MEM(_OR_NULL)?( \||$)/.test(k) && /^ARG_CONST_SIZE/.test(kinds[i + 1] ?? '')) {
      // One argument of struct or array type: its address and its size.
      args.push({ name: p.name, c: `${params[i]}, ${params[i + 1]}`, mem: true, write: !k.includes('MEM_RDONLY') });
      i++;
    } else if (/^ARG_PTR_TO_FIXED_SIZE_MEM( \||$)/.test(k) && sizes[i] > 0) {
      // A pointer to memory of a size the kernel fixes (an output integer, a header): a struct or array of that size.
      args.push({ name: p.name, c: params[i], mem: true, fixed: sizes[i], write: /MEM_WRITE|MEM_UNINIT/.test(k) });
    } else if (k === 'ARG_PTR_TO_CTX' || k === 'ARG_PTR_TO_CTX_OR_NULL') {
      args.push({ name: p.name, c: p.type, ctx: true });
    } else if (k === 'ARG_CONST_MAP_PTR') {
      const t = MAP_TYPES[name];
      if (t === undefined) return `${p.name} is a map of a type the language does not declare`;
      args.push({ name: p.name, c: p.type, map: t });
    } else if (k === 'ARG_PTR_TO_CONST_STR') {
      args.push({ name: p.name, c: p.type, str: true });
    } else if (/^ARG_PTR_TO_BTF_ID(_OR_NULL)?$/.test(k) && /^struct \w+ \*$/.test(p.type)) {
      args.push({ name: p.name, c: p.type, kernel: /^struct (\w+)/.exec(p.type)[1] });
    } else return `${p.name} (${p.type}) is ${k}`;
  }
  if (args.length > 5) return 'more than five arguments';
  return args;
}

/** The language's arguments, or the reason there are none, when every prototype the kernel has agrees. */
function langArgs(name, entry, proto) {
  if (entry === undefined) return 'the kernel table has no prototype';
  let out;
  for (const kp of entry.protos) {
    const a = classify(name, kp.args, proto.params, kp.argSizes);
    if (typeof a === 'string') return a;
    if (out !== undefined && JSON.stringify(out.map((x) => ({ ...x, write: undefined }))) !== JSON.stringify(a.map((x) => ({ ...x, write: undefined })))) return 'its prototypes differ by program type';
    // A buffer one prototype writes is written.
    out = out === undefined ? a : out.map((x, i) => (x.mem ? { ...x, write: x.write || a[i].write } : x));
  }
  if (out === undefined) return 'the kernel table has no prototype';
  const rets = new Set(entry.protos.map((p) => p.ret));
  if (rets.size !== 1) return 'its prototypes return different kinds';
  return out;
}

function retOf(entry, proto) {
  const r = entry.protos[0].ret;
  if (r === 'RET_VOID') return 'void';
  if (r !== 'RET_INTEGER') return undefined;
  return proto.ret === 'void' ? 'void' : scalarOf(proto.ret);
}

function tsType(a) {
  if (a.int !== undefined) return a.int;
  if (a.mem) return 'object';
  if (a.ctx) return 'object';
  if (a.map !== undefined) return a.map;
  if (a.str) return 'string';
  return `Kernel<'${a.kernel}', number>`;
}

function paramDoc(a) {
  if (a.fixed !== undefined) return `a struct or array of ${a.fixed} bytes (\`${a.c}\`: its address)${a.write ? ', written' : ''}`;
  if (a.mem) return `a struct or array (\`${a.c}\`: its address and its size)${a.write ? ', written' : ''}`;
  if (a.ctx) return `the program's context parameter (\`${a.c}\`)`;
  if (a.str) return `a string literal (\`${a.c}\`, in .rodata)`;
  if (a.kernel !== undefined) return `a kernel struct ${a.kernel} (a BTF pointer: a tpBtf argument or a kfunc's result)`;
  return `\`${a.c}\``;
}

/** A JSDoc block's text (no comment terminator, no tag at a line's start). */
function docText(s) {
  return s.replace(/\*\//g, '*\\/').replace(/^(\s*)@/gm, '$1\\@');
}
const comment = (s) => s.split('\n').map((l) => (l.trim() === '' ? ' *' : ` * ${l}`.replace(/\s+$/, ''))).join('\n');

export function writeLangHelpers({ protos, source, outDir }) {
  const dsl = dslHelpers();
  const kernel = kernelProtos();
  const decls = [];
  const calls = [];
  const undeclared = [];
  const types = new Set(['Kernel']);
  for (const [name, id] of [...dsl].sort((a, b) => a[1] - b[1])) {
    const lang = camel(name);
    if (HAND.has(lang)) { undeclared.push([name, lang, 'declared by hand in lang.ts']); continue; }
    if (Object.hasOwn(METHODS, name)) { undeclared.push([name, lang, `a method: ${METHODS[name]}`]); continue; }
    const proto = protos.get(name);
    if (proto === undefined) { undeclared.push([name, lang, "not documented in the header"]); continue; }
    if (proto.params.at(-1) === '...') { undeclared.push([name, lang, 'variadic']); continue; }
    const entry = kernel.get(name);
    const args = langArgs(name, entry, proto);
    if (typeof args === 'string') { undeclared.push([name, lang, args]); continue; }
    const ret = retOf(entry, proto);
    if (ret === undefined) { undeclared.push([name, lang, `it returns ${entry.protos[0].ret}`]); continue; }
    if (ret !== 'void') types.add(ret);
    const names = args.map((a) => { const n = camel(a.name); return RESERVED.has(n) ? `${n}_` : n; });
    for (const a of args) { const t = tsType(a); if (!t.startsWith('Kernel')) for (const w of t.match(/[A-Za-z]\w*/g)) if (w !== 'object' && w !== 'string') types.add(w); }
    const doc = [`\`${proto.ret} bpf_${name}(${proto.params.join(', ') || 'void'})\` (helper ${id})`, '', docText(proto.description)];
    if (args.length > 0) doc.push('', ...args.map((a, i) => `@param ${names[i]} ${paramDoc(a)}`));
    if (proto.returns !== '') doc.push(`@returns ${docText(proto.returns)}`);
    decls.push(`/**\n${comment(doc.join('\n'))}\n */\nexport function ${lang}(${args.map((a, i) => `${names[i]}: ${tsType(a)}`).join(', ')}): ${ret} { return compiled(); }`);
    const argText = args.map((a) => {
      if (a.int !== undefined) return `{ int: '${a.int}' }`;
      if (a.mem) return `{ mem: ${a.write ? "'write'" : "'read'"}${a.fixed === undefined ? '' : `, fixed: ${a.fixed}`} }`;
      if (a.ctx) return "{ ctx: true }";
      if (a.map !== undefined) return `{ map: '${a.map}' }`;
      if (a.str) return '{ str: true }';
      return `{ kernel: '${a.kernel}' }`;
    });
    calls.push(`  ${lang}: { helper: '${name}', id: ${id}, args: [${argText.join(', ')}], ret: '${ret}' },`);
  }
  const head = `// GENERATED by scripts/gen-helpers.mjs --lang-out — do not edit.
// Helpers: src/dsl/helpers/table.ts; documentation and parameters: ${source};
// argument kinds: verifier/tables/helpers.generated.ts (the kernel's bpf_func_proto).`;
  const declText = `${head}
// Each helper under its camelCase name; a \`void *buf, u32 size\` pair is one struct or array
// argument (its size inferred). Not declared (docs/dsl.md, "Helpers"):
${undeclared.map(([n, , why]) => `//   bpf_${n}: ${why}`).join('\n')}

/* eslint-disable @typescript-eslint/no-unused-vars */
import type { ${[...types].sort().join(', ')} } from './lang.js';

function compiled(): never {
  throw new Error('tsbpf/lang declarations describe programs for \`tsbpf build\`; they do not run in JavaScript');
}

${decls.join('\n\n')}
`;
  const callText = `${head}

/** An argument: an integer of that type, a buffer and its size (read or written; fixed: a size the kernel fixes, not passed), the context, a map, a string literal, a kernel struct pointer. */
export type HelperArg =
  | { readonly int: string } | { readonly mem: 'read' | 'write'; readonly fixed?: number } | { readonly ctx: true }
  | { readonly map: string } | { readonly str: true } | { readonly kernel: string };
/** A helper the language declares: its C name (without bpf_), id, arguments and result. */
export interface HelperCall { readonly helper: string; readonly id: number; readonly args: readonly HelperArg[]; readonly ret: string }

/** The declared helpers by their language name. */
export const HELPER_CALLS: Readonly<Record<string, HelperCall>> = {
${calls.join('\n')}
};

/** Helpers the language does not declare, and why. */
export const UNDECLARED_HELPERS: Readonly<Record<string, string>> = {
${undeclared.map(([n, , why]) => `  ${n}: ${JSON.stringify(why)},`).join('\n')}
};
`;
  writeFileSync(join(outDir, 'lang-helpers.generated.ts'), declText);
  writeFileSync(join(outDir, 'helper-calls.generated.ts'), callText);
  return { declared: calls.length, undeclared: undeclared.length };
}

// Campaign generator for `tsbpf btf dump` (raw, c, json) and `tsbpf btf gen-ts` (issue 12, part 4):
// mutations of raw BTF — the .BTF sections of fixtures/obj/*.bpf.o and cuts of the running kernel's
// /sys/kernel/btf/vmlinux — that rewrite type ids to close reference loops (a type referring to
// itself, a back-edge, a closed chain, a struct holding itself by value), and change kinds, vlen,
// sizes, kind flags, array lengths and string offsets.
//
// The check flags a silently wrong output: exit 0 from `btf dump` where bpftool (7.1, libbpf 1.1,
// the reference the printers match byte for byte) refuses the same file, or prints something else;
// exit 0 from gen-ts without a module.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const area = 'btf';
export const description = 'btf dump (raw, c, json) and btf gen-ts of mutated BTF: type-id rewrites closing loops, kinds, vlen, sizes, string offsets';

const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

const VMLINUX = '/sys/kernel/btf/vmlinux';
const K = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 };

/** Words after the 12-byte record, or -1 for a kind this generator does not know. */
function extraWords(kind, vlen) {
  switch (kind) {
    case K.INT: case K.VAR: case K.DECL_TAG: return 1;
    case K.ARRAY: return 3;
    case K.STRUCT: case K.UNION: case K.DATASEC: case K.ENUM64: return 3 * vlen;
    case K.ENUM: case K.FUNC_PROTO: return 2 * vlen;
    case K.PTR: case K.FWD: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.FUNC: case K.FLOAT: case K.TYPE_TAG: return 0;
    default: return -1;
  }
}

/** Word indexes (in the type section) of a record's type references and of its name offsets. */
function slots(words, p) {
  const info = words[p + 1];
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const q = p + 3;
  const refs = [];
  const names = [p];
  switch (kind) {
    case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.FUNC: case K.VAR: case K.DECL_TAG: case K.TYPE_TAG:
      refs.push(p + 2); break;
    case K.ARRAY: refs.push(q, q + 1); break;
    case K.STRUCT: case K.UNION: for (let i = 0; i < vlen; i++) { names.push(q + 3 * i); refs.push(q + 3 * i + 1); } break;
    case K.ENUM: for (let i = 0; i < vlen; i++) names.push(q + 2 * i); break;
    case K.ENUM64: for (let i = 0; i < vlen; i++) names.push(q + 3 * i); break;
    case K.FUNC_PROTO: refs.push(p + 2); for (let i = 0; i < vlen; i++) { names.push(q + 2 * i); refs.push(q + 2 * i + 1); } break;
    case K.DATASEC: for (let i = 0; i < vlen; i++) refs.push(q + 3 * i); break;
    default: break;
  }
  return { kind, refs, names };
}

/** A parsed blob: the type section as words, the record offsets, the string bytes. */
function parse(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdr = v.getUint32(4, true);
  const typeOff = hdr + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdr + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  const words = new Uint32Array(typeLen / 4);
  for (let i = 0; i < words.length; i++) words[i] = v.getUint32(typeOff + 4 * i, true);
  const offsets = [];
  for (let p = 0; p < words.length;) {
    const extra = extraWords((words[p + 1] >>> 24) & 0x1f, words[p + 1] & 0xffff);
    if (extra < 0) break;
    offsets.push(p);
    p += 3 + extra;
  }
  return { words, offsets, strings: bytes.slice(strOff, strOff + strLen) };
}

function serialize(words, strings) {
  const out = new Uint8Array(24 + 4 * words.length + strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  v.setUint32(4, 24, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, 4 * words.length, true);
  v.setUint32(16, 4 * words.length, true);
  v.setUint32(20, strings.length, true);
  for (let i = 0; i < words.length; i++) v.setUint32(24 + 4 * i, words[i], true);
  out.set(strings, 24 + 4 * words.length);
  return out;
}

function stringAt(strings, off) {
  let e = off;
  while (e < strings.length && strings[e] !== 0) e++;
  return new TextDecoder().decode(strings.subarray(off, e));
}

/** The .BTF section of a little-endian ELF64 object. */
function elfBtf(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const sec = (i) => ({ name: v.getUint32(shoff + i * shentsize, true), off: Number(v.getBigUint64(shoff + i * shentsize + 0x18, true)), size: Number(v.getBigUint64(shoff + i * shentsize + 0x20, true)) });
  const names = sec(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    if (stringAt(bytes.subarray(names.off, names.off + names.size), s.name) === '.BTF') return bytes.slice(s.off, s.off + s.size);
  }
  return undefined;
}

/**
 * The first n types of a parsed vmlinux, references beyond them made void (so that the cut itself
 * has no loop: the mutations add those), with a string section of only the names they use (so that
 * a case's file stays small).
 */
function cut(src, n) {
  const end = n < src.offsets.length ? src.offsets[n] : src.words.length;
  const words = src.words.slice(0, end);
  const parts = [new Uint8Array([0])];
  let size = 1;
  const seen = new Map();
  for (const p of src.offsets.slice(0, n)) {
    const { refs, names } = slots(words, p);
    for (const r of refs) if (words[r] > n) words[r] = 0;
    for (const w of names) {
      if (words[w] === 0) continue;
      const s = stringAt(src.strings, words[w]);
      let off = seen.get(s);
      if (off === undefined) {
        off = size;
        const b = new TextEncoder().encode(`${s}\0`);
        parts.push(b);
        size += b.length;
        seen.set(s, off);
      }
      words[w] = off;
    }
  }
  const strings = new Uint8Array(size);
  let o = 0;
  for (const b of parts) { strings.set(b, o); o += b.length; }
  return { words, offsets: src.offsets.slice(0, n), strings };
}

/** Names of structs, unions, enums and typedefs (the --type arguments of gen-ts). */
function typeNames(src) {
  const out = [];
  for (const p of src.offsets) {
    const kind = (src.words[p + 1] >>> 24) & 0x1f;
    if ([K.STRUCT, K.UNION, K.ENUM, K.TYPEDEF].includes(kind) && src.words[p] !== 0) out.push(stringAt(src.strings, src.words[p]));
  }
  return out;
}

/** One mutation of the words (in place); returns its name. */
const MUTATIONS = [
  // Reference loops, the point of this area: weighted up by repetition.
  ['self-ref', 3, (rng, s, w) => {
    const i = int(rng, 0, s.offsets.length - 1);
    const { refs } = slots(w, s.offsets[i]);
    if (refs.length === 0) return false;
    w[pick(rng, refs)] = i + 1;
    return true;
  }],
  ['back-edge', 3, (rng, s, w) => {
    const i = int(rng, 0, s.offsets.length - 1);
    const { refs } = slots(w, s.offsets[i]);
    if (refs.length === 0) return false;
    w[pick(rng, refs)] = int(rng, 1, i + 1);
    return true;
  }],
  ['close-chain', 3, (rng, s, w) => {
    const start = int(rng, 0, s.offsets.length - 1);
    let at = start;
    for (let step = 0, len = int(rng, 1, 8); step < len; step++) {
      const { refs } = slots(w, s.offsets[at]);
      const next = refs.length === 0 ? 0 : w[pick(rng, refs)];
      if (next === 0 || next > s.offsets.length) break;
      at = next - 1;
    }
    const { refs } = slots(w, s.offsets[at]);
    if (refs.length === 0) return false;
    w[pick(rng, refs)] = start + 1;
    return true;
  }],
  ['struct-holds-itself', 3, (rng, s, w) => {
    const structs = s.offsets.map((p, i) => [p, i]).filter(([p]) => [K.STRUCT, K.UNION].includes((w[p + 1] >>> 24) & 0x1f) && (w[p + 1] & 0xffff) > 0);
    if (structs.length === 0) return false;
    const [p, i] = pick(rng, structs);
    w[p + 3 + 3 * int(rng, 0, (w[p + 1] & 0xffff) - 1) + 1] = i + 1;
    return true;
  }],
  ['any-ref', 2, (rng, s, w) => {
    const { refs } = slots(w, s.offsets[int(rng, 0, s.offsets.length - 1)]);
    if (refs.length === 0) return false;
    w[pick(rng, refs)] = pick(rng, [0, s.offsets.length, s.offsets.length + 1, 0xffffffff, 0x7fffffff, int(rng, 0, s.offsets.length)]);
    return true;
  }],
  ['kind', 1, (rng, s, w) => {
    const p = pick(rng, s.offsets);
    w[p + 1] = (w[p + 1] & 0x80ffffff) | (int(rng, 0, 31) << 24);
    return true;
  }],
  ['vlen', 1, (rng, s, w) => {
    const p = pick(rng, s.offsets);
    const v = w[p + 1] & 0xffff;
    w[p + 1] = (w[p + 1] & 0xffff0000) | (pick(rng, [0, v + 1, Math.max(0, v - 1), 0xffff, int(rng, 0, 300)]) & 0xffff);
    return true;
  }],
  ['size', 1, (rng, s, w) => {
    const p = pick(rng, s.offsets);
    w[p + 2] = pick(rng, [0, 1, 3, 8, 0xffffffff, 0x80000000, int(rng, 0, 1 << 20)]);
    return true;
  }],
  ['kind-flag', 1, (rng, s, w) => { const p = pick(rng, s.offsets); w[p + 1] ^= 0x80000000; return true; }],
  ['nelems', 1, (rng, s, w) => {
    const arrays = s.offsets.filter((p) => ((w[p + 1] >>> 24) & 0x1f) === K.ARRAY);
    if (arrays.length === 0) return false;
    w[pick(rng, arrays) + 5] = pick(rng, [0, 0xffffffff, 0x10000000, int(rng, 0, 1 << 16)]);
    return true;
  }],
  ['member-offset', 1, (rng, s, w) => {
    const structs = s.offsets.filter((p) => [K.STRUCT, K.UNION].includes((w[p + 1] >>> 24) & 0x1f) && (w[p + 1] & 0xffff) > 0);
    if (structs.length === 0) return false;
    const p = pick(rng, structs);
    w[p + 3 + 3 * int(rng, 0, (w[p + 1] & 0xffff) - 1) + 2] = pick(rng, [0xffffffff, 0x00ffffff, int(rng, 0, 1 << 30)]);
    return true;
  }],
  ['string-offset', 1, (rng, s, w) => {
    const { names } = slots(w, pick(rng, s.offsets));
    w[pick(rng, names)] = pick(rng, [0, 1, s.strings.length - 1, s.strings.length, s.strings.length + 7, 0xffffffff, int(rng, 0, s.strings.length)]);
    return true;
  }],
];
const WEIGHTED = MUTATIONS.flatMap((m) => Array(m[1]).fill(m));

function sources(repo) {
  const out = [];
  const dir = join(repo, 'fixtures', 'obj');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.bpf.o')).sort()) {
    const btf = elfBtf(new Uint8Array(readFileSync(join(dir, f))));
    if (btf !== undefined) out.push({ name: f.replace(/\.bpf\.o$/, ''), parsed: parse(btf) });
  }
  return out;
}

/** bpftool's output (the first 4 KiB, as the runner keeps ours) and exit status for the same dump. */
function bpftool(file, format) {
  const args = format === 'json' ? ['-j', 'btf', 'dump', 'file', file] : ['btf', 'dump', 'file', file, ...(format === 'c' ? ['format', 'c'] : [])];
  const r = spawnSync('bpftool', args, { maxBuffer: 1 << 28, timeout: 10_000 });
  return { status: r.status, signal: r.signal, stdout: new TextDecoder().decode(r.stdout.subarray(0, 4096)), stderr: String(r.stderr ?? '').trim().split('\n')[0] ?? '' };
}

const upToLastLine = (s) => s.slice(0, s.lastIndexOf('\n') + 1);

function dumpCheck(format) {
  return (result) => {
    if (result.code !== 0) return undefined;
    const theirs = bpftool(join(result.dir, 'in.btf'), format);
    if (theirs.signal !== null) return undefined; // bpftool crashed: no reference for this input
    if (theirs.status !== 0) return `exit 0, but bpftool refuses the file (exit ${theirs.status}: ${theirs.stderr.slice(0, 120)})`;
    const a = upToLastLine(result.stdout);
    const b = upToLastLine(theirs.stdout);
    const n = Math.min(a.length, b.length);
    if (a.slice(0, n) !== b.slice(0, n)) {
      let i = 0;
      while (i < n && a[i] === b[i]) i++;
      return `output differs from bpftool's at character ${i}: ${JSON.stringify(a.slice(i, i + 40))} vs ${JSON.stringify(b.slice(i, i + 40))}`;
    }
    return undefined;
  };
}

export function* cases(rng, n, repo) {
  const fixtures = sources(repo);
  const vmlinux = existsSync(VMLINUX) ? parse(new Uint8Array(readFileSync(VMLINUX))) : undefined;
  for (let k = 0; k < n; k++) {
    let src;
    let origin;
    if (vmlinux !== undefined && rng() < 0.2) {
      const count = int(rng, 50, 2500);
      src = cut(vmlinux, count);
      origin = `vmlinux[1..${count}]`;
    } else {
      const f = pick(rng, fixtures);
      src = f.parsed;
      origin = f.name;
    }
    const names = typeNames(src);
    const words = src.words.slice();
    const applied = [];
    for (let m = 0, count = int(rng, 1, 3); m < count; m++) {
      const [name, , mutate] = pick(rng, WEIGHTED);
      if (mutate(rng, src, words)) applied.push(name);
    }
    const bytes = serialize(words, src.strings);
    const r = rng();
    const format = r < 0.25 ? 'raw' : r < 0.55 ? 'c' : r < 0.7 ? 'json' : 'gen-ts';
    const base = { name: `${origin}:${applied.join('+') || 'none'}:${format}`, files: { 'in.btf': bytes } };
    if (format === 'gen-ts') {
      const type = names.length > 0 ? pick(rng, names) : 'task_struct';
      yield {
        ...base,
        argv: ['btf', 'gen-ts', '{dir}/in.btf', '--type', type],
        check: (result) => (result.code === 0 && !result.stdout.startsWith('// Generated by `tsbpf btf gen-ts`') ? 'exit 0 without a generated module' : undefined),
      };
    } else {
      yield { ...base, argv: ['btf', 'dump', '{dir}/in.btf', '--format', format], check: dumpCheck(format) };
    }
  }
}

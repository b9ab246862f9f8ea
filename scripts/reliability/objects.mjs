// Mutation campaign over eBPF objects (issue 12, parts 3 and 4): the clang-19 objects of
// fixtures/obj, mutated (byte flips in the ELF header, section table, symbols, relocations, .BTF
// and .BTF.ext; random runs of bytes; truncations; size/offset/alignment/count fields set to
// extremes), run through every command that reads an object: disasm, btf dump (raw and json),
// link (alone and with an unmutated second input), gen skeleton and load. Plus the issue's
// reproducers (huge alignments, huge .bss). Plain ESM so the runner can import it.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const area = 'objects';
export const description = 'mutated clang-19 objects through disasm, btf dump, link, gen skeleton and load';

const SHT_SYMTAB = 2;
const SHT_REL = 9;
const SHT_NOBITS = 8;

/** The regions and fields of an object, found by a small ELF64 little-endian walk. */
export function layoutOf(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shoff = Number(v.getBigUint64(40, true));
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  const hdr = (i) => shoff + 64 * i;
  const strOff = Number(v.getBigUint64(hdr(shstrndx) + 24, true));
  const name = (off) => {
    let e = strOff + off;
    while (b[e] !== 0) e++;
    return new TextDecoder().decode(b.subarray(strOff + off, e));
  };
  const regions = { 'elf header': [0, 64], 'section table': [shoff, shnum * 64] };
  const fields = [
    [16, 2, 'e_type'], [40, 8, 'e_shoff'], [58, 2, 'e_shentsize'], [60, 2, 'e_shnum'], [62, 2, 'e_shstrndx'],
  ];
  const sections = [];
  for (let i = 1; i < shnum; i++) {
    const h = hdr(i);
    const s = {
      index: i, name: name(v.getUint32(h, true)), type: v.getUint32(h + 4, true),
      offset: Number(v.getBigUint64(h + 24, true)), size: Number(v.getBigUint64(h + 32, true)), header: h,
    };
    sections.push(s);
    for (const [k, w, f] of [[0, 4, 'name'], [4, 4, 'type'], [8, 8, 'flags'], [24, 8, 'offset'], [32, 8, 'size'],
      [40, 4, 'link'], [44, 4, 'info'], [48, 8, 'addralign'], [56, 8, 'entsize']]) {
      fields.push([h + k, w, `${s.name} sh_${f}`]);
    }
    if (s.type === SHT_NOBITS) continue;
    if (s.type === SHT_SYMTAB) {
      regions.symbols = [s.offset, s.size];
      for (let p = s.offset; p < s.offset + s.size; p += 24) {
        for (const [k, w, f] of [[0, 4, 'name'], [4, 1, 'info'], [6, 2, 'shndx'], [8, 8, 'value'], [16, 8, 'size']]) fields.push([p + k, w, `st_${f}`]);
      }
    } else if (s.type === SHT_REL) {
      regions[`relocations ${s.name}`] = [s.offset, s.size];
      for (let p = s.offset; p < s.offset + s.size; p += 16) {
        for (const [k, w, f] of [[0, 8, 'offset'], [8, 4, 'type'], [12, 4, 'sym']]) fields.push([p + k, w, `${s.name} r_${f}`]);
      }
    } else if (s.name === '.BTF') {
      regions['.BTF'] = [s.offset, s.size];
      for (let k = 4; k < 24; k += 4) fields.push([s.offset + k, 4, `.BTF header +${k}`]);
      // Every word of the type section (type records: name_off, info, size/type, members...).
      const hl = v.getUint32(s.offset + 4, true);
      const toff = v.getUint32(s.offset + 8, true);
      const tlen = v.getUint32(s.offset + 12, true);
      for (let p = s.offset + hl + toff; p < s.offset + hl + toff + tlen; p += 4) fields.push([p, 4, '.BTF type word']);
    } else if (s.name === '.BTF.ext') {
      regions['.BTF.ext'] = [s.offset, s.size];
      const hl = v.getUint32(s.offset + 4, true);
      for (let k = 4; k < hl; k += 4) fields.push([s.offset + k, 4, `.BTF.ext header +${k}`]);
      for (let p = s.offset + hl; p + 4 <= s.offset + s.size; p += 4) fields.push([p, 4, '.BTF.ext word']);
    } else if (s.size > 0) {
      regions[s.name] = [s.offset, s.size];
    }
  }
  return { regions, fields, sections };
}

// Values a lying field takes: the boundaries of each width, powers of two, near the truth.
const EXTREMES = [0n, 1n, 2n, 3n, 7n, 8n, 0xffn, 0x100n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  1n << 32n, 1n << 40n, 1n << 53n, (1n << 53n) + 1n, 1n << 62n, 1n << 63n, 0xffffffffffffffffn];

function put(b, at, width, value) {
  if (at + width > b.length) return;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const x = BigInt.asUintN(width * 8, value);
  if (width === 1) v.setUint8(at, Number(x));
  else if (width === 2) v.setUint16(at, Number(x), true);
  else if (width === 4) v.setUint32(at, Number(x), true);
  else v.setBigUint64(at, x, true);
}

function get(b, at, width) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (width === 1) return BigInt(v.getUint8(at));
  if (width === 2) return BigInt(v.getUint16(at, true));
  if (width === 4) return BigInt(v.getUint32(at, true));
  return v.getBigUint64(at, true);
}

const pick = (rng, xs) => xs[Math.floor(rng() * xs.length)];
const int = (rng, n) => Math.floor(rng() * n);

/** One mutation of `o` (a fixture's bytes and layout): the new bytes and a short name. */
export function mutate(rng, o) {
  const b = o.bytes.slice();
  const kind = pick(rng, ['flip', 'flip-region', 'random-run', 'truncate', 'lie', 'lie', 'lie', 'lie2']);
  if (kind === 'truncate') {
    const n = int(rng, b.length);
    return { bytes: b.slice(0, n), name: `truncate-${n}` };
  }
  if (kind === 'flip') {
    const n = 1 + int(rng, 4);
    for (let i = 0; i < n; i++) { const p = int(rng, b.length); b[p] ^= 1 + int(rng, 255); }
    return { bytes: b, name: `flip-${n}` };
  }
  if (kind === 'flip-region' || kind === 'random-run') {
    const names = Object.keys(o.layout.regions);
    const r = pick(rng, names);
    const [at, len] = o.layout.regions[r];
    if (len === 0) return { bytes: b, name: 'unchanged' };
    if (kind === 'flip-region') {
      const n = 1 + int(rng, 3);
      for (let i = 0; i < n; i++) { const p = at + int(rng, len); b[p] ^= 1 + int(rng, 255); }
    } else {
      const start = at + int(rng, len);
      const run = 1 + int(rng, Math.min(16, at + len - start));
      for (let p = start; p < start + run; p++) b[p] = int(rng, 256);
    }
    return { bytes: b, name: `${kind}-${r.replace(/\W+/g, '_')}` };
  }
  const n = kind === 'lie2' ? 2 : 1;
  const names = [];
  for (let i = 0; i < n; i++) {
    const [at, width, what] = pick(rng, o.layout.fields);
    const c = rng();
    const value = c < 0.6 ? pick(rng, EXTREMES) : c < 0.9 ? get(b, at, width) + BigInt(int(rng, 129) - 64) : BigInt(int(rng, 2 ** 32)) << BigInt(int(rng, 33));
    put(b, at, width, value);
    names.push(what.replace(/\W+/g, '_'));
  }
  return { bytes: b, name: `lie-${names.join('+')}` };
}

/** Sets one section header field (by section name) in a copy: the reproducers' tool. */
export function withSectionField(o, section, field, value) {
  const s = o.layout.sections.find((x) => x.name === section);
  if (s === undefined) throw new Error(`no section ${section}`);
  const b = o.bytes.slice();
  const at = { type: [4, 4], flags: [8, 8], offset: [24, 8], size: [32, 8], addralign: [48, 8] }[field];
  put(b, s.header + at[0], at[1], value);
  return b;
}

export function fixtures(repo) {
  const dir = join(repo, 'fixtures', 'obj');
  return readdirSync(dir).filter((f) => f.endsWith('.bpf.o')).sort().map((f) => {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    return { file: f, bytes, layout: layoutOf(bytes) };
  });
}

// Every command that reads an object; `load` (which creates maps in the kernel) is rarer.
const COMMANDS = [
  [8, (i) => ['disasm', i]],
  [4, (i) => ['disasm', '-r', '--format', 'kernel', i]],
  [6, (i) => ['btf', 'dump', i]],
  [4, (i) => ['btf', 'dump', '--format', 'json', i]],
  [8, (i) => ['link', i, '-o', '{dir}/out.o']],
  [4, (i) => ['link', '{dir}/other.o', i, '-o', '{dir}/out.o']],
  [6, (i) => ['gen', 'skeleton', i]],
  [2, (i) => ['load', i]],
];
const WEIGHT = COMMANDS.reduce((s, [w]) => s + w, 0);

function command(rng) {
  let x = rng() * WEIGHT;
  for (const [w, f] of COMMANDS) { if ((x -= w) < 0) return f; }
  return COMMANDS[0][1];
}

const oneLine = (r) => r.stderr.split('\n').filter((l) => l !== '').length <= 1;

/** The reproducers: each ends quickly with one line naming the input. */
export function reproducers(fx) {
  const by = (f) => fx.find((o) => o.file === f);
  const data = by('global_data.bpf.o');
  const bss = by('global_bss.bpf.o');
  const named = (r) => (r.code === 2 && !r.stderr.includes('in.o') ? 'the error does not name the input file' : undefined);
  const out = [];
  for (const e of [30n, 31n, 32n, 62n, 63n]) {
    out.push({ name: `link-align-2^${e}`, argv: ['link', '{dir}/in.o', '-o', '{dir}/out.o'], files: { 'in.o': withSectionField(data, '.data', 'addralign', 1n << e) }, check: named });
    out.push({ name: `disasm-align-2^${e}`, argv: ['disasm', '{dir}/in.o'], files: { 'in.o': withSectionField(data, '.data', 'addralign', 1n << e) }, check: named });
  }
  for (const size of [1n << 28n, 1n << 31n, 1n << 32n, 1n << 53n]) {
    const bytes = withSectionField(bss, '.bss', 'size', size);
    for (const argv of [['load', '{dir}/in.o'], ['link', '{dir}/in.o', '-o', '{dir}/out.o'], ['gen', 'skeleton', '{dir}/in.o'], ['disasm', '{dir}/in.o']]) {
      out.push({ name: `${argv[0]}-bss-${size}`, argv, files: { 'in.o': bytes }, check: named });
    }
  }
  return out;
}

export function* cases(rng, n, repo) {
  const fx = fixtures(repo);
  const repro = reproducers(fx);
  for (const c of repro.slice(0, n)) yield c;
  for (let k = repro.length; k < n; k++) {
    const o = pick(rng, fx);
    const m = mutate(rng, o);
    const argv = command(rng)('{dir}/in.o');
    const other = pick(rng, fx);
    yield {
      name: `${argv[0]}-${o.file.replace('.bpf.o', '')}-${m.name}`,
      argv,
      files: argv.includes('{dir}/other.o') ? { 'in.o': m.bytes, 'other.o': other.bytes } : { 'in.o': m.bytes },
      check(r) {
        if (!oneLine(r) && r.code !== 0 && r.code !== 1) return 'more than one line on stderr';
        if (r.code === 2 && !r.stderr.includes('in.o')) return 'the error does not name the input file';
        return undefined;
      },
    };
  }
}

// Every bpf_attr (and perf_event_attr) field the syscall shim defines has the offset and size the
// running kernel's BTF (/sys/kernel/btf/vmlinux) gives it, read with tsbpf's own BTF decoder; an
// integer field is signed (encodeAttr's range for it) exactly when the kernel's type is.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Btf, btfSizeOf, decodeBtf } from '../elf/index.js';
import { type AttrLayout, BPF_ATTR_LAYOUTS, INFO_LAYOUTS, PerfEventAttr, PerfEventFlag, encodeAttr, MapCreateAttr } from '../loader/sys/index.js';
import { inCI } from './support/references.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveBtf = existsSync(VMLINUX);
if (!haveBtf && inCI) throw new Error(`CI=true requires ${VMLINUX}`);
if (!haveBtf) console.warn(`SKIP: no ${VMLINUX}`);

interface Flat { offset: number; size: number; bitOffset: number; bits: number; signed: boolean }

/** Flattens a struct/union: anonymous members inline, named composite members as `name.field`. */
function flatten(btf: Btf, id: number, prefix: string, baseBits: number, out: Map<string, Flat[]>): void {
  const t = btf.requireType(id);
  if (t.kind !== 'STRUCT' && t.kind !== 'UNION') return;
  for (const m of t.members) {
    const bits = baseBits + m.bitsOffset;
    const inner = resolve(btf, m.type);
    const mt = btf.requireType(inner);
    if (m.name === '' && (mt.kind === 'STRUCT' || mt.kind === 'UNION')) {
      flatten(btf, inner, prefix, bits, out);
      continue;
    }
    const name = prefix + m.name;
    const size = btfSizeOf(btf, m.type) ?? 0;
    const list = out.get(name) ?? [];
    list.push({ offset: bits / 8, size, bitOffset: bits, bits: m.bitfieldSize, signed: mt.kind === 'INT' && (mt.encoding & 1) === 1 });
    out.set(name, list);
    if (mt.kind === 'STRUCT' || mt.kind === 'UNION') flatten(btf, inner, `${name}.`, bits, out);
  }
}

function resolve(btf: Btf, id: number): number {
  for (;;) {
    const t = btf.requireType(id);
    if (t.kind === 'TYPEDEF' || t.kind === 'CONST' || t.kind === 'VOLATILE') id = t.type;
    else return id;
  }
}

/** The arms of union bpf_attr: named ones by name, anonymous ones in order. */
function arms(btf: Btf): { name: string; size: number; fields: Map<string, Flat[]> }[] {
  const id = btf.findOne('bpf_attr', 'UNION')!;
  const u = btf.requireType(id);
  if (u.kind !== 'UNION') throw new Error('bpf_attr is not a union');
  return u.members.map((m) => {
    const fields = new Map<string, Flat[]>();
    flatten(btf, resolve(btf, m.type), '', 0, fields);
    return { name: m.name, size: btfSizeOf(btf, m.type) ?? 0, fields };
  });
}

/** Offset, size and (for an integer) signedness as the kernel has them. */
const same = (k: Flat, f: AttrLayout['fields'][string]): boolean => k.offset === f.offset && k.size === f.size && k.signed === (f.signed === true);

function matches(l: AttrLayout, fields: Map<string, Flat[]>): boolean {
  return Object.entries(l.fields).every(([name, f]) => fields.get(name)?.some((k) => same(k, f)) === true);
}

describe.skipIf(!haveBtf)('bpf_attr layouts against the running kernel BTF', () => {
  const btf = haveBtf ? decodeBtf(new Uint8Array(readFileSync(VMLINUX))) : undefined;

  it.each(BPF_ATTR_LAYOUTS.map((l) => [l.name, l] as const))('%s: every field has the kernel offset and size', (_n, l) => {
    const all = arms(btf!);
    const candidates = l.arm === undefined ? all.filter((a) => a.name === '') : all.filter((a) => a.name === l.arm);
    expect(candidates.length).toBeGreaterThan(0);
    const arm = candidates.find((a) => matches(l, a.fields));
    if (arm === undefined) {
      // Say which field is off, against the arm that has most of them.
      const best = candidates.map((a) => ({ a, bad: Object.entries(l.fields).filter(([n, f]) => !a.fields.get(n)?.some((k) => same(k, f))) }))
        .sort((x, y) => x.bad.length - y.bad.length)[0]!;
      expect(best.bad.map(([n, f]) => `${n}@${f.offset}/${f.size} kernel ${JSON.stringify(best.a.fields.get(n))}`)).toEqual([]);
      return;
    }
    // The size passed to the kernel covers every defined field and stays within the arm.
    const end = Math.max(...Object.values(l.fields).map((f) => f.offset + f.size));
    expect(l.size).toBeGreaterThanOrEqual(end);
    expect(l.size).toBeLessThanOrEqual(arm.size);
  });

  it.each(INFO_LAYOUTS.map((l) => [l.name, l] as const))('struct %s: every field has the kernel offset and size', (_n, l) => {
    const id = btf!.findOne(l.name, 'STRUCT')!;
    const fields = new Map<string, Flat[]>();
    flatten(btf!, id, '', 0, fields);
    const bad = Object.entries(l.fields).filter(([n, f]) => !fields.get(n)?.some((k) => same(k, f)));
    expect(bad.map(([n]) => n)).toEqual([]);
    const t = btf!.requireType(id);
    expect(l.size).toBeLessThanOrEqual(t.kind === 'STRUCT' ? t.size : 0);
  });

  it('perf_event_attr: fields and flag bits match struct perf_event_attr', () => {
    const id = btf!.findOne('perf_event_attr', 'STRUCT')!;
    const fields = new Map<string, Flat[]>();
    flatten(btf!, id, '', 0, fields);
    // `flags` is the u64 holding the single-bit fields; its bits are checked below.
    const bad = Object.entries(PerfEventAttr.fields).filter(([n]) => n !== 'flags').filter(([n, f]) => !fields.get(n)?.some((k) => same(k, f)));
    expect(bad.map(([n]) => n)).toEqual([]);
    for (const [name, bit] of Object.entries(PerfEventFlag)) {
      expect(fields.get(name)?.[0], name).toMatchObject({ bitOffset: PerfEventAttr.fields.flags.offset * 8 + bit, bits: 1 });
    }
    expect(PerfEventAttr.size).toBeLessThanOrEqual(btf!.requireType(id).kind === 'STRUCT' ? (btf!.requireType(id) as { size: number }).size : 0);
  });
});

describe('encodeAttr', () => {
  it('writes fields at their offsets and refuses unknown fields and oversized names', () => {
    const b = encodeAttr(MapCreateAttr, { map_type: 2, key_size: 4, map_name: Buffer.from('abc'), map_extra: 1n << 40n });
    expect(b.length).toBe(MapCreateAttr.size);
    expect(b.readUInt32LE(0)).toBe(2);
    expect(b.readUInt32LE(4)).toBe(4);
    expect(b.subarray(28, 32).toString('latin1')).toBe('abc\0');
    expect(b.readBigUInt64LE(64)).toBe(1n << 40n);
    expect(() => encodeAttr(MapCreateAttr, { map_name: new Uint8Array(17) })).toThrow(/do not fit/);
    expect(() => encodeAttr(MapCreateAttr, { nope: 1 } as never)).toThrow(/has no field nope/);
  });
});

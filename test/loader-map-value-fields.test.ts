// The special fields of map values that the verifier model needs (loader/map-value-fields.ts):
// for every map of the clang-built selftest objects, the offsets of struct bpf_spin_lock and
// struct bpf_timer, and the kptrs of a clang-19 object made here, must be what bpftool's raw BTF
// dump of the same object shows.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareObjectPrograms } from '../loader/index.js';
import { requireReferences, run } from './support/references.js';

const PROGS = join(import.meta.dirname, 'data/verifier-corpus/progs');
const OBJECTS = ['verifier_spin_lock.o', 'verifier_helper_restricted.o', 'verifier_ref_tracking.o'];

interface RawType { readonly head: string; readonly members: { name: string; type: number; bits: number }[] }

/** `bpftool btf dump format raw` parsed into records by id. */
function bpftoolTypes(path: string): Map<number, RawType> {
  const types = new Map<number, RawType>();
  let cur: RawType | undefined;
  for (const line of run('bpftool', ['btf', 'dump', 'file', path, 'format', 'raw']).split('\n')) {
    const head = /^\[(\d+)\] (.*)$/.exec(line);
    if (head !== null) { cur = { head: head[2]!, members: [] }; types.set(Number(head[1]), cur); continue; }
    const m = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)/.exec(line);
    if (m !== null && cur !== undefined) cur.members.push({ name: m[1]!, type: Number(m[2]), bits: Number(m[3]) });
  }
  return types;
}

/** For each map variable of `.maps`: the offsets of its value struct's bpf_spin_lock and bpf_timer members. */
function expectedFields(path: string): Map<string, { spinLockOff?: number; timerOff?: number }> {
  const types = bpftoolTypes(path);
  const structName = (id: number): string | undefined => /^STRUCT '([^']*)'/.exec(types.get(id)?.head ?? '')?.[1];
  const out = new Map<string, { spinLockOff?: number; timerOff?: number }>();
  for (const t of types.values()) {
    const v = /^VAR '([^']*)' type_id=(\d+)/.exec(t.head);
    if (v === null) continue;
    const value = types.get(Number(v[2]))?.members.find((m) => m.name === 'value');
    const ptr = value === undefined ? null : /^PTR '[^']*' type_id=(\d+)/.exec(types.get(value.type)?.head ?? '');
    if (ptr === null || ptr === undefined) continue;
    const fields: { spinLockOff?: number; timerOff?: number } = {};
    for (const m of types.get(Number(ptr[1]))?.members ?? []) {
      if (structName(m.type) === 'bpf_spin_lock') fields.spinLockOff = m.bits / 8;
      if (structName(m.type) === 'bpf_timer') fields.timerOff = m.bits / 8;
    }
    out.set(v[1]!, fields);
  }
  return out;
}

describe.skipIf(!requireReferences('bpftool'))('map value fields', () => {
  for (const file of OBJECTS) {
    it(`${file}: spin lock and timer offsets agree with bpftool`, () => {
      const path = join(PROGS, file);
      const expected = expectedFields(path);
      let seen = 0;
      for (const p of prepareObjectPrograms(new Uint8Array(readFileSync(path)))) {
        for (const map of p.maps.values()) {
          const want = expected.get(map.name);
          if (want === undefined) continue;
          seen++;
          expect({ spinLockOff: map.spinLockOff, timerOff: map.timerOff }, `${file} ${map.name}`).toEqual({ spinLockOff: want.spinLockOff, timerOff: want.timerOff });
        }
      }
      expect(seen).toBeGreaterThan(0);
      expect([...expected.values()].some((f) => f.spinLockOff !== undefined || f.timerOff !== undefined) || file === 'verifier_ref_tracking.o').toBe(true);
    });
  }
});

// Kptr fields: a clang-19 object whose map values hold kptrs of each tag, nested in a struct and in
// an array; what the loader reports must be what bpftool's raw dump of the same object shows.
const KPTR_SOURCE = `
#define SEC(n) __attribute__((section(n), used))
#define KPTR(tag) __attribute__((btf_type_tag(tag)))
static void *(*lookup)(void *map, const void *key) = (void *)1;
struct task_struct { int pid; };
struct cgroup { int id; };
struct cgroup cgroup_in_btf SEC(".data");
struct val { int x; struct task_struct KPTR("kptr_untrusted") *a; struct cgroup KPTR("kptr") *b; struct task_struct KPTR("percpu_kptr") *c; };
struct inner { long n; struct cgroup KPTR("kptr") *g; };
struct outer { struct inner in; struct task_struct KPTR("kptr") *t; };
struct arr { struct task_struct KPTR("kptr") *t[2]; };
struct { int (*type)[2]; int (*max_entries)[1]; int *key; struct val *value; } plain SEC(".maps");
struct { int (*type)[2]; int (*max_entries)[1]; int *key; struct outer *value; } nested SEC(".maps");
struct { int (*type)[2]; int (*max_entries)[1]; int *key; struct arr *value; } array SEC(".maps");
SEC("tc") int prog(void *ctx) { int k = 0; return !!lookup(&plain, &k) + !!lookup(&nested, &k) + !!lookup(&array, &k); }
char LICENSE[] SEC("license") = "GPL";
`;

const KINDS: Readonly<Record<string, string>> = { kptr_untrusted: 'unref', kptr: 'ref', percpu_kptr: 'percpu' };

/** The kptrs of each map's value from bpftool's dump: by offset through nested structs; in an array, not described. */
function expectedKptrs(path: string): Map<string, { kptrs?: { off: number; kind: string; target: string }[]; otherFields?: string[] }> {
  const types = bpftoolTypes(path);
  const head = (id: number): string => types.get(id)?.head ?? '';
  const out = new Map<string, { kptrs?: { off: number; kind: string; target: string }[]; otherFields?: string[] }>();
  for (const t of types.values()) {
    const v = /^VAR '([^']*)' type_id=(\d+)/.exec(t.head);
    const value = v === null ? undefined : types.get(Number(v[2]))?.members.find((m) => m.name === 'value');
    const ptr = value === undefined ? null : /^PTR '[^']*' type_id=(\d+)/.exec(head(value.type));
    if (ptr === null) continue;
    const kptrs: { off: number; kind: string; target: string }[] = [];
    let undescribed = false;
    const walk = (id: number, base: number, inArray: boolean): void => {
      for (const m of types.get(id)?.members ?? []) {
        let type = m.type;
        let array = inArray;
        const a = /^ARRAY '[^']*' type_id=(\d+)/.exec(head(type));
        if (a !== null) { type = Number(a[1]); array = true; }
        const p = /^PTR '[^']*' type_id=(\d+)/.exec(head(type));
        const tag = p === null ? null : /^TYPE_TAG '([^']*)' type_id=(\d+)/.exec(head(Number(p[1])));
        if (tag !== null) {
          const target = /^STRUCT '([^']*)'/.exec(head(Number(tag[2])));
          if (array || target === null) undescribed = true;
          else kptrs.push({ off: base + m.bits / 8, kind: KINDS[tag[1]!]!, target: target[1]! });
        } else if (head(type).startsWith('STRUCT')) walk(type, base + m.bits / 8, array);
      }
    };
    walk(Number(ptr[1]), 0, false);
    out.set(v![1]!, undescribed ? { otherFields: ['kptr'] } : { kptrs });
  }
  return out;
}

describe.skipIf(!requireReferences('bpftool', 'clang-19'))('map value kptr fields', () => {
  it('offsets, kinds and targets agree with bpftool; kptrs in arrays are left undescribed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kptr-'));
    try {
      writeFileSync(join(dir, 'k.c'), KPTR_SOURCE);
      run('clang-19', ['-O2', '-g', '-target', 'bpf', '-c', join(dir, 'k.c'), '-o', join(dir, 'k.o')]);
      const expected = expectedKptrs(join(dir, 'k.o'));
      const got = new Map<string, { kptrs?: readonly unknown[]; otherFields?: readonly string[] }>();
      for (const p of prepareObjectPrograms(new Uint8Array(readFileSync(join(dir, 'k.o'))))) {
        for (const m of p.maps.values()) if (expected.has(m.name)) got.set(m.name, { ...(m.kptrs === undefined ? {} : { kptrs: m.kptrs }), ...(m.otherFields === undefined ? {} : { otherFields: m.otherFields }) });
      }
      expect(got).toEqual(expected);
      // The object exercises every kind, nesting and an array.
      expect(expected.get('plain')?.kptrs?.map((k) => k.kind)).toEqual(['unref', 'ref', 'percpu']);
      expect(expected.get('nested')?.kptrs).toHaveLength(2);
      expect(expected.get('array')?.otherFields).toEqual(['kptr']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

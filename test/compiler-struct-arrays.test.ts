// Arrays of structs in tsbpf/lang: `Arr<Item, 4>` on the stack and as a map value's member,
// elements at a variable index read and written by field (`a[i].x`), copied whole (`a[i] = s`,
// `e.item = a[i]`) and passed whole (`last.update(0, a[i])`). A masked index (`i & 3`) needs no
// check: against clang-19 on the same C, at most clang -O2 + 10 % instructions. An unmasked one is
// checked per access (out of bounds reads 0 and writes nothing): on the running kernel the program
// leaves the same map contents and returns the same values as the C that guards each access with
// `if (i < 4)`, and the values the semantics give. The mistakes are errors at their line.

import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileError } from './support/lang-errors.js';
import { ipv4Frame } from './support/lang-frames.js';
import { slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-struct-arrays-');
afterAll(() => twins.remove());
const clangOk = requireReferences('clang-19');

/** The module's maps and types, and the program's map lookups. */
const TS_HEAD = `import { arrayMap, ringBuf, socketFilter, zero, type Arr, type u32, type u64 } from 'tsbpf/lang';
interface Item { id: u32; hits: u32; bytes: u64 }
interface Table { items: Arr<Item, 4> }
interface Event { slot: u32; item: Item }
export const args = arrayMap<u32>({ maxEntries: 1 });
export const tables = arrayMap<Table>({ maxEntries: 1 });
export const last = arrayMap<Item>({ maxEntries: 1 });
export const events = ringBuf({ maxEntries: 4096 });
export const prog = socketFilter((pkt) => {
  const a = args.lookup(0);
  const t = tables.lookup(0);
  if (!a || !t) return 0;
`;
const tsSource = (index: string): string => `${TS_HEAD}  const i = ${index};
  const local = zero<Arr<Item, 4>>();
  local[i].id = i + 100;
  local[i].bytes = pkt.length;
  t.items[i] = local[i];
  t.items[i].hits += 1;
  last.update(0, t.items[i]);
  const e = events.reserve<Event>();
  if (e) {
    e.slot = i;
    e.item = t.items[i];
    events.submit(e);
  }
  return local[i].id + t.items[3].hits;
});
`;
const C_HEAD = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct Item { __u32 id; __u32 hits; __u64 bytes; };
struct Table { struct Item items[4]; };
struct Event { __u32 slot; struct Item item; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); } args SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct Table); } tables SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct Item); } last SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
`;
/** The same with a masked index, as one writes it with references to the elements (a masked element is plain memory). */
const TS_MASKED = `${TS_HEAD}  const i = a.value & 3;
  const local = zero<Arr<Item, 4>>();
  const l = local[i];
  l.id = i + 100;
  l.bytes = pkt.length;
  t.items[i] = l;
  const it = t.items[i];
  it.hits += 1;
  last.update(0, it);
  const e = events.reserve<Event>();
  if (e) {
    e.slot = i;
    e.item = it;
    events.submit(e);
  }
  return l.id + t.items[3].hits;
});
`;
const C_MASKED = `${C_HEAD}SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k = 0;
  __u32 *a = bpf_map_lookup_elem(&args, &k);
  struct Table *t = bpf_map_lookup_elem(&tables, &k);
  if (!a || !t) return 0;
  __u32 i = *a & 3;
  struct Item local[4] = {};
  struct Item *l = &local[i];
  l->id = i + 100;
  l->bytes = skb->len;
  t->items[i] = *l;
  struct Item *it = &t->items[i];
  it->hits += 1;
  bpf_map_update_elem(&last, &k, it, BPF_ANY);
  struct Event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (e) {
    e->slot = i;
    e->item = *it;
    bpf_ringbuf_submit(e, 0);
  }
  return l->id + t->items[3].hits;
}
char LICENSE[] SEC("license") = "GPL";
`;
/** The C twin; GUARD(x) is the statement x as it runs for an index that may be out of bounds. */
const cSource = (index: string, guarded: boolean): string => `${C_HEAD}#define IN ${guarded ? 'if (i < 4)' : ''}
SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k = 0;
  __u32 *a = bpf_map_lookup_elem(&args, &k);
  struct Table *t = bpf_map_lookup_elem(&tables, &k);
  if (!a || !t) return 0;
  __u32 i = ${index};
  struct Item local[4] = {};
  IN local[i].id = i + 100;
  IN local[i].bytes = skb->len;
  IN t->items[i] = local[i];
  IN t->items[i].hits += 1;
  struct Item v = {};
  IN v = t->items[i];
  bpf_map_update_elem(&last, &k, ${guarded ? '&v' : '&t->items[i]'}, BPF_ANY);
  struct Event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (e) {
    e->slot = i;
    ${guarded ? 'struct Item w = {}; IN w = t->items[i]; e->item = w;' : 'e->item = t->items[i];'}
    bpf_ringbuf_submit(e, 0);
  }
  __u32 id = 0;
  IN id = local[i].id;
  return id + t->items[3].hits;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(!clangOk)('arrays of structs against clang-19', () => {
  it('a masked index (i & 3): no bounds checks, at most clang -O2 + 10 % instructions', () => {
    const ours = twins.ts('masked', TS_MASKED), theirs = twins.c('masked', C_MASKED);
    const a = slots(ours).prog!, b = slots(theirs).prog!;
    console.info(`struct arrays (masked index): tsbpf ${a}, clang-19 -O2 ${b}`);
    expect(a).toBeLessThanOrEqual(Math.floor(b * 1.1));
  });
});

describe.skipIf(!requireRoot() || !clangOk)('arrays of structs on the running kernel', () => {
  const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const item = (v: Uint8Array): number[] => { const b = Buffer.from(v); return [b.readUInt32LE(0), b.readUInt32LE(4), Number(b.readBigUInt64LE(8))]; };
  const items = (v: Uint8Array): number[][] => [0, 1, 2, 3].map((k) => item(v.subarray(16 * k)));
  const runAll = (object: Uint8Array, name: string, indexes: readonly number[]) => {
    const c = loadObject(object, { name });
    try {
      const frame = ipv4Frame({ proto: 17, dport: 53 });
      const out = indexes.map((i) => {
        c.maps.get('args')!.update(u32(0), u32(i));
        return [testRun(c.programs.get('prog')!, { data: frame }).retval, ...item(c.maps.get('last')!.lookup(u32(0))!)];
      });
      return { out, table: items(c.maps.get('tables')!.lookup(u32(0))!) };
    } finally { c.close(); }
  };
  it('a checked index (out of bounds: reads 0, writes nothing): as the C that guards each access, and as the semantics say', () => {
    const indexes = [1, 1, 2, 9, 4];
    const ours = runAll(twins.ts('checked', tsSource('a.value')), 'arr_ts', indexes);
    const theirs = runAll(twins.c('checked', cSource('*a', true)), 'arr_c', indexes);
    // Each in-bounds run copies the fresh local element (hits 0) over items[i], then counts 1.
    const len = theirs.out[0]![3]!;
    expect(len).toBeGreaterThan(0);
    expect(ours.out).toEqual([[101, 101, 1, len], [101, 101, 1, len], [102, 102, 1, len], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(ours.table).toEqual([[0, 0, 0], [101, 1, len], [102, 1, len], [0, 0, 0]]);
    expect(theirs).toEqual(ours);
  });
  it('a masked index: the same results as clang\'s object', () => {
    const indexes = [1, 6, 3];
    const ours = runAll(twins.ts('masked', TS_MASKED), 'arrm_ts', indexes);
    const theirs = runAll(twins.c('masked', C_MASKED), 'arrm_c', indexes);
    expect(theirs).toEqual(ours);
    // skb->len as the kernel's test run gives it, from the C object.
    const len = theirs.out[0]![3]!;
    expect(len).toBeGreaterThan(0);
    expect(ours.out).toEqual([[101, 101, 1, len], [102, 102, 1, len], [104, 103, 1, len]]);
  });
});

describe('arrays of structs: mistakes at the TypeScript line', () => {
  const HEAD = "import { arrayMap, getCurrentComm, socketFilter, zero, type Arr, type char, type u32 } from 'tsbpf/lang';\ninterface Item { id: u32; name: Arr<char, 16> }\nexport const args = arrayMap<u32>({ maxEntries: 1 });\n";
  const BODY = (s: string): string => `export const p = socketFilter((pkt) => {\n  const a = args.lookup(0);\n  if (!a) return 0;\n  const i = a.value;\n  const xs = zero<Arr<Item, 4>>();\n${s}\n  return 0;\n});`;
  const cases: [string, string, number, RegExp][] = [
    ['binding an element at a checked variable index', BODY('  const it = xs[i];'), 9, /an element at a variable index is not bound to a name/],
    ['a helper writing into an element at a checked variable index', BODY('  getCurrentComm(xs[i].name);'), 9, /is written: an element at a variable index is read by field/],
    ['two variable indexes in one access', BODY('  xs[i].name[i] = 1;'), 9, /one variable index per access/],
    ['a constant index past the end', BODY('  xs[4].id = 1;'), 9, /index 4 is outside Arr<Item, 4>/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

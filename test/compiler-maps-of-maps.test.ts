// tsbpf/lang maps of maps on the kernel: an array of maps whose first slots the object fills
// (`values`), a hash of maps user space fills, a program that looks an inner map up and reads,
// adds to and updates it; user space reads the inner maps back (and the outer maps' slots: the
// inner maps' ids). The C twin, compiled by clang-19, gives the same results from the same runs,
// in as many instructions; mistakes are errors at their line.

import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { BpfMap, loadObject, MapType, testRun } from '../loader/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-maps-of-maps-');
afterAll(() => twins.remove());

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u64 = (v: Uint8Array | undefined): bigint | undefined => (v === undefined ? undefined : Buffer.from(v).readBigUInt64LE(0));

const SOURCE = `import { arrayMap, arrayOfMaps, hashMap, hashOfMaps, socketFilter, type u32, type u64 } from 'tsbpf/lang';
export const first = arrayMap<u64>({ maxEntries: 4 });
export const second = arrayMap<u64>({ maxEntries: 4 });
/** Slot 0 holds first, slot 2 second; user space fills the others. */
export const slots = arrayOfMaps(first, { maxEntries: 4, values: [first, null, second] });
export const inner = hashMap<u32, u64>({ maxEntries: 16 });
export const byKey = hashOfMaps<u32, typeof inner>(inner, { maxEntries: 8 });
export const cmd = arrayMap<u32>({ maxEntries: 1 });
/** Adds the packet's length to entry 1 of the map in slot cmd[0], and puts 100 + slot under 7 in byKey's map of that key; 0 when the slot is empty. */
export const prog = socketFilter((pkt) => {
  const slot = cmd.lookup(0)?.value ?? 0;
  const m = slots.lookup(slot);
  if (!m) return 0;
  const v = m.lookup(1);
  if (v) v.value += pkt.length;
  const h = byKey.lookup(slot);
  if (h) h.update(7, 100 + slot);
  return 1;
});
`;

const C_SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct inner_arr { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } first SEC(".maps"), second SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 4); __type(key, __u32); __array(values, struct inner_arr); } slots SEC(".maps") = { .values = { [0] = &first, [2] = &second } };
struct inner_hash { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } inner SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS); __uint(max_entries, 8); __type(key, __u32); __array(values, struct inner_hash); } byKey SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); } cmd SEC(".maps");
char LICENSE[] SEC("license") = "GPL";
SEC("socket") int prog(struct __sk_buff *skb) {
  __u32 k0 = 0, *s = bpf_map_lookup_elem(&cmd, &k0);
  __u32 slot = s ? *s : 0;
  void *m = bpf_map_lookup_elem(&slots, &slot);
  if (!m) return 0;
  __u32 one = 1;
  __u64 *v = bpf_map_lookup_elem(m, &one);
  if (v) *v += skb->len;
  void *h = bpf_map_lookup_elem(&byKey, &slot);
  if (h) { __u32 k = 7; __u64 val = 100 + slot; bpf_map_update_elem(h, &k, &val, 0); }
  return 1;
}
`;

describe.skipIf(!requireRoot())('maps of maps on the kernel', () => {
  for (const side of ['tsbpf', 'clang'] as const) {
    it.skipIf(side === 'clang' && !requireReferences('clang-19'))(`${side}: the object's slots and user space's maps, looked up, added to and updated by the program, read back`, () => {
      const c = loadObject(side === 'tsbpf' ? twins.ts('mom', SOURCE) : twins.c('mom', C_SOURCE), { name: `mom_${side}` });
      const extra = BpfMap.create({ name: 'extra', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
      const inner2 = BpfMap.create({ name: 'inner2', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16 });
      try {
        const outer = c.maps.get('slots')!, byKey = c.maps.get('byKey')!, first = c.maps.get('first')!, second = c.maps.get('second')!;
        // The object's values: slots 0 and 2 hold first and second (user space reads the inner map's id).
        expect([0, 1, 2, 3].map((k) => outer.lookup(u32(k)) === undefined ? null : Buffer.from(outer.lookup(u32(k))!).readUInt32LE(0)))
          .toEqual([first.info.id, null, second.info.id, null]);
        const run = (slot: number, len: number): number => {
          c.maps.get('cmd')!.update(u32(0), u32(slot));
          return testRun(c.programs.get('prog')!, { data: new Uint8Array(len) }).retval;
        };
        expect([run(0, 64), run(0, 80), run(2, 100), run(1, 64), run(3, 64)]).toEqual([1, 1, 1, 0, 0]);
        // A socket filter's test run sees the frame past its Ethernet header (14 bytes).
        expect([u64(first.lookup(u32(1))), u64(second.lookup(u32(1))), u64(first.lookup(u32(0)))]).toEqual([50n + 66n, 86n, 0n]);
        // User space's map in slot 1 and under key 1 of byKey.
        outer.update(u32(1), u32(extra.fd));
        byKey.update(u32(1), u32(inner2.fd));
        expect(run(1, 74)).toBe(1);
        expect([u64(extra.lookup(u32(1))), u64(inner2.lookup(u32(7))), Buffer.from(byKey.lookup(u32(1))!).readUInt32LE(0)]).toEqual([60n, 101n, inner2.info.id]);
        // No map under key 0 of byKey: the slot-0 run changed nothing there.
        expect(byKey.lookup(u32(0))).toBeUndefined();
      } finally { extra.close(); inner2.close(); c.close(); }
    });
  }

  it.skipIf(!requireReferences('clang-19'))('the same maps as clang-19 declares them, in at most 10 % more instructions', () => {
    const ours = twins.ts('mom', SOURCE), theirs = twins.c('mom', C_SOURCE);
    const maps = (o: Uint8Array) => readObject(o).maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]).sort();
    expect(maps(ours)).toEqual(maps(theirs));
    expect(slots(ours).prog).toBeLessThanOrEqual(Math.floor(slots(theirs).prog! * 1.1));
  });
});

describe('maps of maps: mistakes are errors at their line', () => {
  const HEAD = `import { arrayMap, arrayOfMaps, hashMap, hashOfMaps, queueMap, socketFilter, type u32, type u64 } from 'tsbpf/lang';
export const a = arrayMap<u64>({ maxEntries: 4 });
export const small = arrayMap<u64>({ maxEntries: 2 });
export const q = queueMap<u64>({ maxEntries: 4 });
`;
  const cases: [string, string, number, RegExp][] = [
    ['a slot map unlike the template', 'export const s = arrayOfMaps(a, { maxEntries: 2, values: [small] });', 5, /small is not like the inner map a \(a arrayMap of 4\): the kernel puts only maps of the template's type, key, value and size in a map of maps/],
    ['a template of another kind', 'export const s = arrayOfMaps(q, { maxEntries: 2 });', 5, /the inner map is a hash or array map .*, not a queueMap/],
    ['a template declared nowhere', 'export const s = arrayOfMaps(nothing, { maxEntries: 2 });', 5, /the inner map is a map declared above in this module/],
    ['a method other than lookup', 'export const s = arrayOfMaps(a, { maxEntries: 2 });\nexport const p = socketFilter((pkt) => {\n  s.update(0, 1);\n  return 0;\n});', 7, /a map of maps has lookup \(not update\): user space puts the maps in it/],
    ['hashOfMaps without its key type', 'export const s = hashOfMaps(a, { maxEntries: 2 });', 5, /hashOfMaps takes the key type first/],
  ];
  it("tsc: the inner map is the template's type (its methods and values), and null until checked", () => {
    const body = (stmt: string): string => `${HEAD}export const s = arrayOfMaps(a, { maxEntries: 2 });\nexport const p = socketFilter((pkt) => {\n  const m = s.lookup(0);\n  ${stmt}\n  return 0;\n});\n`;
    const e1 = tscError(twins.dir, body('m.update(0, 1);'));
    expect([e1.message, e1.location.line]).toEqual([expect.stringMatching(/'m' is possibly 'null'/), 8]);
    const e2 = tscError(twins.dir, body("if (m) m.update(0, 'x');"));
    expect([e2.message, e2.location.line]).toEqual([expect.stringMatching(/'string' is not assignable to parameter of type 'number'/), 8]);
    const e3 = tscError(twins.dir, body('if (m) m.delete(0);'));
    expect([e3.message, e3.location.line]).toEqual([expect.stringMatching(/Property 'delete' does not exist on type 'ArrayMap<number>'/), 8]);
  });
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

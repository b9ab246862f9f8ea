// Maps without keys — queues, stacks, bloom filters — through BpfMap against bpftool on the same
// map: values pushed by one side are popped or peeked by the other, in the kernel's order.

import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BpfMap, MapType, UpdateFlags } from '../loader/index.js';
import { requireReferences, requireRoot } from './support/references.js';

const ok = requireReferences('bpftool') && requireRoot();
const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const BPF_F_ZERO_SEED = 1 << 6;

/** bpftool's JSON for a map command on map `id`: the value's bytes, or null when it reports an error. */
function bpftool(id: number, ...args: string[]): number[] | null {
  const r = spawnSync('bpftool', ['-j', 'map', ...args.slice(0, 1), 'id', String(id), ...args.slice(1)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const j = JSON.parse(r.stdout || 'null') as { value?: string[] } | null;
  return j?.value === undefined ? null : j.value.map((b) => Number(b));
}

describe.skipIf(!ok)('queue, stack and bloom filter maps', () => {
  const maps: BpfMap[] = [];
  afterEach(() => { for (const m of maps.splice(0)) m.close(); });
  const create = (type: number, maxEntries: number, flags = 0): BpfMap => {
    const m = BpfMap.create({ name: 'keyless', type, keySize: 0, valueSize: 4, maxEntries, flags });
    maps.push(m);
    return m;
  };

  it('a queue pops in push order, on both sides, and EXIST drops the oldest when full', () => {
    const q = create(MapType.QUEUE, 3);
    q.push(u32(1));
    q.push(u32(2));
    expect(spawnSync('bpftool', ['map', 'push', 'id', String(q.info.id), 'value', '3', '0', '0', '0']).status).toBe(0);
    expect(() => q.push(u32(4))).toThrow(/E2BIG/);
    q.push(u32(4), UpdateFlags.EXIST);
    expect(q.peek()).toEqual(u32(2));
    expect(bpftool(q.info.id, 'pop')).toEqual([2, 0, 0, 0]);
    expect([q.pop(), q.pop(), q.pop()]).toEqual([u32(3), u32(4), undefined]);
    expect(q.peek()).toBeUndefined();
  });

  it('a stack pops the last value pushed', () => {
    const s = create(MapType.STACK, 4);
    for (const n of [7, 8, 9]) s.push(u32(n));
    expect(bpftool(s.info.id, 'peek')).toEqual([9, 0, 0, 0]);
    expect(s.pop()).toEqual(u32(9));
    expect(bpftool(s.info.id, 'pop')).toEqual([8, 0, 0, 0]);
    expect([s.pop(), s.pop()]).toEqual([u32(7), undefined]);
  });

  it('a bloom filter holds what was pushed and nothing while empty', () => {
    const b = create(MapType.BLOOM_FILTER, 100, BPF_F_ZERO_SEED);
    expect([1, 2, 3].map((n) => b.mayContain(u32(n)))).toEqual([false, false, false]);
    for (const n of [1, 2, 3]) b.push(u32(n));
    expect([1, 2, 3].map((n) => b.mayContain(u32(n)))).toEqual([true, true, true]);
  });

  it('lookupAndDelete takes a hash map entry out', () => {
    const h = BpfMap.create({ name: 'hash', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4 });
    maps.push(h);
    h.update(u32(5), u32(50));
    expect(h.lookupAndDelete(u32(5))).toEqual(u32(50));
    expect(h.lookupAndDelete(u32(5))).toBeUndefined();
    expect(h.lookup(u32(5))).toBeUndefined();
  });
});

// Every map kind the DSL declares, written as a BTF-defined map in .maps: the object loads with
// bpftool prog loadall, and bpftool map show reports the type, key/value sizes and max_entries
// declared in TypeScript; bpftool btf dump reads the object's BTF.

import { readdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  array, arrayMap, asm, bloomFilterMap, defineObject, globalVar, constVar, hashMap, lruHashMap, lruPercpuHashMap, mapOfMaps,
  percpuArrayMap, percpuHashMap, perfEventArrayMap, progArrayMap, queueMap, R0, ringBufMap, stackTraceMap, struct, u16, u32, u64, u8,
  program, type MapDef,
} from '../src/dsl/index.js';
import { bpftoolJson, kernelAvailable, loadAll, tempDir, writeTemp } from './support/dsl-kernel.js';
import { requireReferences, run } from './support/references.js';

const ok = kernelAvailable();
const dir = tempDir('tsbpf-dsl-maps-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flow = struct('flow', { saddr: u32, daddr: u32, sport: u16, dport: u16, proto: u8 });
const inner = arrayMap({ key: u32, value: u64, maxEntries: 4 });
const maps: Record<string, { def: MapDef; type: string; key: number; value: number; max: number }> = {
  m_hash: { def: hashMap({ key: flow, value: u64, maxEntries: 128 }), type: 'hash', key: 16, value: 8, max: 128 },
  m_array: { def: arrayMap({ key: u32, value: array(u64, 3), maxEntries: 7 }), type: 'array', key: 4, value: 24, max: 7 },
  m_percpu_hash: { def: percpuHashMap({ key: u64, value: u32, maxEntries: 64 }), type: 'percpu_hash', key: 8, value: 4, max: 64 },
  m_percpu_array: { def: percpuArrayMap({ key: u32, value: u64, maxEntries: 2 }), type: 'percpu_array', key: 4, value: 8, max: 2 },
  m_lru_hash: { def: lruHashMap({ key: u32, value: u32, maxEntries: 256 }), type: 'lru_hash', key: 4, value: 4, max: 256 },
  m_lru_percpu_hash: { def: lruPercpuHashMap({ key: u32, value: u64, maxEntries: 32 }), type: 'lru_percpu_hash', key: 4, value: 8, max: 32 },
  m_ringbuf: { def: ringBufMap({ maxEntries: 1 << 16 }), type: 'ringbuf', key: 0, value: 0, max: 1 << 16 },
  m_perf: { def: perfEventArrayMap(), type: 'perf_event_array', key: 4, value: 4, max: -1 },
  m_progs: { def: progArrayMap({ maxEntries: 8 }), type: 'prog_array', key: 4, value: 4, max: 8 },
  m_inner: { def: inner, type: 'array', key: 4, value: 8, max: 4 },
  m_array_of_maps: { def: mapOfMaps('array_of_maps', { key: u32, maxEntries: 2, inner, values: [inner] }), type: 'array_of_maps', key: 4, value: 4, max: 2 },
  m_hash_of_maps: { def: mapOfMaps('hash_of_maps', { key: u32, maxEntries: 16, inner }), type: 'hash_of_maps', key: 4, value: 4, max: 16 },
  m_stack_trace: { def: stackTraceMap({ maxEntries: 64 }), type: 'stack_trace', key: 4, value: 127 * 8, max: 64 },
  m_queue: { def: queueMap('queue', { value: u64, maxEntries: 16 }), type: 'queue', key: 0, value: 8, max: 16 },
  m_stack: { def: queueMap('stack', { value: u32, maxEntries: 16 }), type: 'stack', key: 0, value: 4, max: 16 },
  m_bloom: { def: bloomFilterMap({ value: u32, maxEntries: 100, hashes: 3 }), type: 'bloom_filter', key: 0, value: 4, max: 100 },
};

const counter = globalVar(u64, 5n);
const zeroed = globalVar(u32);
const limit = constVar(u32, 10);

const obj = defineObject({
  license: 'GPL',
  maps: Object.fromEntries(Object.entries(maps).map(([n, m]) => [n, m.def])),
  globals: { counter, zeroed, limit },
  programs: {
    touch: program('tracepoint/syscalls/sys_enter_getpid', (b) => {
      // Reads and writes each kind of global, and refers to a map so that it is used.
      const p = b.let(counter);
      b.atomicAdd(8, p, 0, 1);
      b.set(R0, limit);
      b.load(4, R0, R0);
      b.set(p, zeroed);
      b.store(4, p, 0, R0);
      const key = b.local('key', 4, 0);
      b.lookup(maps.m_array!.def, key, (v) => { b.atomicAdd(8, v, 0, 1); });
      b.emit(asm.mov(R0, 0));
      b.return(0);
    }),
  },
});

describe.skipIf(!ok)('maps and globals in the kernel', () => {
  const file = writeTemp(dir, 'maps.o', obj.build());
  it('every map kind loads with the declared type, sizes and max_entries', () => {
    const loaded = loadAll(file);
    try {
      for (const [name, m] of Object.entries(maps)) {
        const info = bpftoolJson(['map', 'show', 'pinned', `${loaded.maps}/${name}`]) as { type: string; bytes_key: number; bytes_value: number; max_entries: number; btf_id?: number };
        expect(info.type, name).toBe(m.type);
        expect(info.bytes_key, name).toBe(m.key);
        expect(info.bytes_value, name).toBe(m.value);
        if (m.max > 0) expect(info.max_entries, name).toBe(m.max);
      }
      // Globals: .data holds counter = 5, .rodata limit = 10 (libbpf's internal maps).
      // libbpf names them <object>.data; bpftool pins them with '_' for '.'.
      const pinned = readdirSync(loaded.maps);
      const dataPin = pinned.find((n) => /[._]data$/.test(n) && !/rodata$/.test(n));
      const roPin = pinned.find((n) => /[._]rodata$/.test(n));
      expect(dataPin).toBeDefined();
      expect(roPin).toBeDefined();
      const data = bpftoolJson(['map', 'dump', 'pinned', `${loaded.maps}/${dataPin!}`]);
      expect(JSON.stringify(data)).toContain('"counter":5');
      const ro = bpftoolJson(['map', 'dump', 'pinned', `${loaded.maps}/${roPin!}`]);
      expect(JSON.stringify(ro)).toContain('"limit":10');
    } finally { loaded.cleanup(); }
  });
  it('bpftool btf dump reads the BTF (raw and C)', () => {
    if (!requireReferences('bpftool')) return;
    const c = run('bpftool', ['btf', 'dump', 'file', file, 'format', 'c']);
    expect(c).toContain('struct flow {');
    const raw = run('bpftool', ['btf', 'dump', 'file', file]);
    expect(raw).toContain("DATASEC '.maps'");
    expect(raw).toContain("FUNC 'touch'");
  });
});

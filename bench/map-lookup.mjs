// Per-call cost of a map lookup through tsbpf's syscall shim (koffi) against libbpf's
// bpf_map_lookup_elem from C (bench/map-lookup.c), both on a one-element array map, in one run,
// alternating. Returns a row for bench/run.mjs with the time of N lookups in ms, or [] when this
// process cannot use bpf(2).

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function mapLookupBenchmarks({ runs = 7, n = 100_000 } = {}) {
  const loader = await import(join(root, 'dist', 'loader.js'));
  // The raw shim is internal (src/internal.ts, built as dist/internal.js outside "exports").
  const { sys } = await import(join(root, 'dist', 'internal.js'));
  if (!loader.bpfAccess().available) return [];
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-bench-map-'));
  const exe = join(work, 'map-lookup');
  const cc = spawnSync('cc', ['-O2', join(root, 'bench', 'map-lookup.c'), '-o', exe, '-lbpf'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc bench/map-lookup.c -lbpf failed: ${cc.stderr}`);
  const map = loader.BpfMap.create({ name: 'bench_ts', type: loader.MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  const key = new Uint8Array(4);
  // The bare syscall: an attr encoded once, as a caller that reuses buffers would do. Its key and
  // value are pointees in the attr's own buffer, so nothing the kernel writes into can be collected
  // while the attr is used (this bench aborted with "malloc(): unaligned fastbin chunk detected"
  // when the attr held bare addresses of separate buffers).
  const attr = sys.encodeAttr(sys.MapElemAttr, { map_fd: map.fd, key: sys.pointee(key), value: sys.pointee(8) });
  // The call BpfMap makes: pointers written once, the attr passed by address (sys.preparedBpf).
  const call = sys.preparedBpf(attr);
  try {
    for (let i = 0; i < n; i++) { map.lookup(key); call(sys.BpfCommand.MAP_LOOKUP_ELEM); } // warm-up (JIT)
    const ours = [];
    const bare = [];
    const theirs = [];
    for (let r = 0; r < runs; r++) {
      let t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) map.lookup(key);
      ours.push(Number(process.hrtime.bigint() - t) / n);
      t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) call(sys.BpfCommand.MAP_LOOKUP_ELEM);
      bare.push(Number(process.hrtime.bigint() - t) / n);
      const c = spawnSync(exe, [String(n), '3'], { encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`map-lookup failed: ${c.stderr}`);
      theirs.push(Number(c.stdout.trim()));
    }
    const ns = { ours: median(ours), bare: median(bare), theirs: median(theirs) };
    return [{
      what: `${n.toLocaleString('en')} array map lookups, bare syscall (in-process; ${ns.bare.toFixed(0)} vs ${ns.theirs.toFixed(0)} ns per call)`,
      ours: (ns.bare * n) / 1e6, theirs: (ns.theirs * n) / 1e6, target: undefined,
      oursCmd: 'sys.preparedBpf(attr)(MAP_LOOKUP_ELEM) (koffi)', theirsCmd: 'bpf_map_lookup_elem (libbpf 1.1, C)',
    }, {
      what: `${n.toLocaleString('en')} array map lookups (in-process; ${ns.ours.toFixed(0)} vs ${ns.theirs.toFixed(0)} ns per call)`,
      ours: (ns.ours * n) / 1e6, theirs: (ns.theirs * n) / 1e6,
      // Within 1.2× of libbpf's C call: a speed-up of at least 1/1.2.
      targetText: '≤ 1.2× libbpf\'s time', met: ns.ours <= 1.2 * ns.theirs,
      oursCmd: 'BpfMap.lookup (koffi syscall)', theirsCmd: 'bpf_map_lookup_elem (libbpf 1.1, C)',
    }];
  } finally {
    map.close();
  }
}

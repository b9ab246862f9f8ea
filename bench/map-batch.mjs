// Iterating a map of 100,000 entries: tsbpf's batch API (BpfMap.lookupBatch, BPF_MAP_LOOKUP_BATCH)
// in this process, and `tsbpf maps dump` as a whole process, against `bpftool map dump` (whole
// process: it iterates with get-next-key + lookup per entry and prints every entry). One hash map
// (4-byte keys, 8-byte values), filled once with MAP_UPDATE_BATCH, is read by all three,
// alternating. Returns rows for bench/run.mjs, or [] when this process cannot use bpf(2).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timeProcess } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function mapBatchBenchmarks({ runs = 7, n = 100_000 } = {}) {
  const loader = await import(join(root, 'dist', 'loader.js'));
  if (!loader.bpfAccess().available) return [];
  const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tsbpf);
  const map = loader.BpfMap.create({ name: 'bench_batch', type: loader.MapType.HASH, keySize: 4, valueSize: 8, maxEntries: n });
  try {
    const entries = [];
    for (let i = 0; i < n; i++) {
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, i, true);
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, BigInt(i) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn, true);
      entries.push([k, v]);
    }
    if (map.updateBatch(entries) !== n) throw new Error('updateBatch did not write every entry');
    const id = String(map.info.id);
    const inProcess = () => {
      const t = process.hrtime.bigint();
      const got = map.lookupBatch({ chunk: 8192 });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (got.length !== n) throw new Error(`lookupBatch returned ${got.length} entries, expected ${n}`);
      return ms;
    };
    inProcess(); inProcess(); // warm-up (JIT)
    timeProcess('bpftool', ['map', 'dump', 'id', id]);
    timeProcess('node', [cli, 'maps', 'dump', id]);
    const ours = [];
    const cli_ = [];
    const theirs = [];
    for (let r = 0; r < runs; r++) {
      ours.push(inProcess());
      cli_.push(timeProcess('node', [cli, 'maps', 'dump', id]));
      theirs.push(timeProcess('bpftool', ['map', 'dump', 'id', id]));
    }
    const common = { theirs: median(theirs), theirsCmd: 'bpftool map dump id ID (whole process)' };
    return [{
      what: `iterate a hash map of ${n.toLocaleString('en')} entries (in-process batch API against a whole bpftool process)`,
      ours: median(ours), oursCmd: 'BpfMap.lookupBatch({ chunk: 8192 }) (BPF_MAP_LOOKUP_BATCH)', target: 1, ...common,
    }, {
      what: `dump a hash map of ${n.toLocaleString('en')} entries (whole process)`,
      ours: median(cli_), oursCmd: 'tsbpf maps dump ID', target: undefined, ...common,
    }];
  } finally {
    map.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await mapBatchBenchmarks({ runs: Number(process.env.BENCH_RUNS ?? 5) })) {
    console.log(`${r.what}: tsbpf ${r.ours.toFixed(2)} ms, reference ${r.theirs.toFixed(2)} ms (${(r.theirs / r.ours).toFixed(2)}×)`);
  }
}

// `bpftool prog dump xlated` of a pinned program with map ids replaced by map names, so that
// two loads of the same object (libbpf's and tsbpf's) compare equal when their code is equal.
// Map ids differ between loads; names are what both loaders derive from the object.

import { run } from './references.js';

const mapNames = new Map<number, string>();

function mapName(id: number): string {
  let n = mapNames.get(id);
  if (n === undefined) {
    n = (JSON.parse(run('bpftool', ['-j', 'map', 'show', 'id', String(id)])) as { name?: string }).name ?? `?${id}`;
    mapNames.set(id, n);
  }
  return n;
}

/** Xlated text with every `map[id:N]` written `map[name:<name>]`. */
export function normalizedXlated(pin: string): string {
  const text = run('bpftool', ['prog', 'dump', 'xlated', 'pinned', pin]);
  return text.replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[name:${mapName(Number(id))}]`);
}

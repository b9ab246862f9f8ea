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

interface BatchResult { command: string[]; output: { src?: string; disasm?: string; proto?: string }[] | { error: string } }

/**
 * Xlated code of many pinned programs from one bpftool process (`bpftool -j batch file -`), in the
 * text form of normalizedXlated's instructions (source lines as `; …`, one `disasm` a line) with
 * map ids replaced by names (all maps listed once). Keyed by pin path.
 */
export function normalizedXlatedBatch(pins: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (pins.length === 0) return out;
  const script = pins.map((p) => `prog dump xlated pinned ${p}`).join('\n') + '\n';
  const results = JSON.parse(run('bpftool', ['-j', 'batch', 'file', '-'], script)) as BatchResult[];
  const names = new Map((JSON.parse(run('bpftool', ['-j', 'map', 'show'])) as { id: number; name?: string }[]).map((m) => [m.id, m.name ?? `?${m.id}`]));
  for (const r of results) {
    const pin = r.command.at(-1)!;
    if (!Array.isArray(r.output)) throw new Error(`bpftool prog dump xlated pinned ${pin}: ${r.output.error}`);
    const lines: string[] = [];
    for (const i of r.output) {
      if (i.src !== undefined) lines.push(`; ${i.src}`);
      lines.push(i.disasm ?? '');
    }
    out.set(pin, lines.join('\n').replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[name:${names.get(Number(id)) ?? mapName(Number(id))}]`));
  }
  return out;
}

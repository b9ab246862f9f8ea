// tsbpf load OBJ.o [--prog NAME]... [--max-entries MAP=N]... [--value-size MAP=N]... [--btf FILE] [--pin DIR [--pin-reuse]] [--print-log] [--verbose]: loads an
// object's programs (and its maps) into the kernel through tsbpf's loader. With --pin, each program
// is pinned as DIR/<program name>, as `bpftool prog loadall` does; without it the programs are
// released when the command exits (a load check). Pinning and attaching are all or nothing.

import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type AttachContext, attachOptionsForSection, attachProgram, loadObject, type LoaderLog, type MapSizing, objectNameOf, UndoLog, withUndone,
} from '../../loader/index.js';
import { UsageError } from '../cli/usage-error.js';
import { modelPreverifier } from '../preverify.js';

export interface LoadCommandOptions {
  readonly programs?: readonly string[];
  /** max_entries of `.maps` maps by name, set before load (`--max-entries MAP=N`). */
  readonly maxEntries?: Readonly<Record<string, number>>;
  /** Value sizes of `.maps` maps by name, set before load (`--value-size MAP=N`). */
  readonly valueSizes?: Readonly<Record<string, number>>;
  readonly btfPath?: string;
  readonly pinDir?: string;
  /** Directory for maps marked `pinning = LIBBPF_PIN_BY_NAME` (default /sys/fs/bpf). */
  readonly pinMapsDir?: string;
  /** Pin beside what pinDir already holds (another object's pins); without it a non-empty pinDir is refused. */
  readonly pinReuse?: boolean;
  /** Keep the verifier log of successful loads too (log level 1). */
  readonly printLog?: boolean;
  /** Receives the loader's decisions (--verbose). */
  readonly log?: LoaderLog;
  /** Run the verifier model before each load and compare (default true; --no-preverify). */
  readonly preverify?: boolean;
  /** Attach every program by its section (needs pinDir: each link is pinned as DIR/<program>_link). */
  readonly attach?: AttachContext;
}

export interface LoadCommandResult {
  /** One line per loaded program: name, section, kernel id, instruction count. */
  readonly lines: string[];
  /** Verifier logs by program (only with printLog). */
  readonly logs: { program: string; log: string }[];
}


function mapSizings(options: LoadCommandOptions): Record<string, MapSizing> {
  const maps: Record<string, MapSizing> = {};
  for (const [n, v] of Object.entries(options.maxEntries ?? {})) maps[n] = { ...maps[n], maxEntries: v };
  for (const [n, v] of Object.entries(options.valueSizes ?? {})) maps[n] = { ...maps[n], valueSize: v };
  return maps;
}

export function loadCommand(bytes: Uint8Array, file: string, options: LoadCommandOptions): LoadCommandResult {
  const pinDir = options.pinDir;
  // Links are pinned so the attachments outlive this command (closing an unpinned link detaches it).
  if (options.attach !== undefined && pinDir === undefined) throw new UsageError('--attach needs --pin DIR (the links are pinned there)');
  if (options.pinReuse === true && pinDir === undefined) throw new UsageError('--pin-reuse needs --pin DIR');
  if (pinDir !== undefined) checkPinDir(pinDir, options.pinReuse === true);
  const c = loadObject(bytes, {
    name: objectNameOf(file),
    ...(options.programs === undefined ? {} : { programs: options.programs }),
    maps: mapSizings(options),
    ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
    ...(options.pinMapsDir === undefined ? {} : { pinRoot: options.pinMapsDir }),
    logLevel: options.printLog === true ? 1 : 0,
    ...(options.log === undefined ? {} : { log: options.log }),
    preverify: options.preverify === false ? false : modelPreverifier,
  });
  // All or nothing: every pin, attachment and registration this call makes is undone when a later
  // step fails, with the maps the load pinned by name and the directory it created.
  const undo = new UndoLog();
  for (const p of c.pinnedMaps) undo.add(`unpinned ${p}`, () => unlinkSync(p));
  let createdDir: string | undefined;
  try {
    if (pinDir !== undefined) {
      try {
        createdDir = makeDirectories(pinDir);
      } catch (e) {
        throw new UsageError(`${pinDir}: cannot create the pin directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      if (createdDir !== undefined) undo.add(`removed ${createdDir}`, () => removeCreatedDirs(pinDir, createdDir!));
      for (const name of c.programs.keys()) {
        const path = join(pinDir, name);
        try {
          c.pinProgram(name, path);
        } catch (e) {
          const code = (e as { code?: string }).code ?? String(e);
          const why = code === 'EEXIST' ? 'already exists' : code === 'EPERM' ? 'not on a BPF file system (mount bpffs there)' : code;
          throw new UsageError(`${path}: cannot pin program ${name}: ${why}`);
        }
        undo.add(`unpinned ${path}`, () => unlinkSync(path));
      }
    }
    const lines = [...c.programs.values()].map((p) => `${p.name}\t${p.section}\t${p.insnCount} insns${pinDir === undefined ? '' : `\tpinned ${join(pinDir, p.name)}`}`);
    if (options.attach !== undefined && pinDir !== undefined) {
      for (const p of c.programs.values()) {
        // struct_ops programs are not attached one by one: their struct_ops map is registered below.
        if (p.section.startsWith('struct_ops')) continue;
        const link = attachProgram(p, attachOptionsForSection(p.section, { ...options.attach, maps: (n) => c.maps.get(n) }));
        try {
          const path = join(pinDir, `${p.name}_link`);
          // An attachment of several bpf_links (a USDT probe's call sites) pins each as PATH.N.
          const parts = link.parts.length === 0 ? [{ l: link, at: path }] : link.parts.map((l, i) => ({ l, at: `${path}.${i}` }));
          for (const { l, at } of parts) {
            l.pin(at);
            // The link's fd is closed below: removing the pin detaches.
            undo.add(`unpinned ${at} (detached)`, () => unlinkSync(at));
          }
          lines.push(`${p.name}\tattached ${link.kind} ${link.target}\tlink pinned ${parts.map((x) => x.at).join(' ')}`);
        } finally {
          link.close();
        }
      }
      for (const plan of c.structOps.values()) {
        const link = c.registerStructOps(plan.name);
        if (plan.link) {
          // A .struct_ops.link map stays registered while its bpf_link is pinned.
          const path = join(pinDir, `${plan.name}_link`);
          try {
            link.pin(path);
          } finally {
            link.close();
          }
          undo.add(`unpinned ${path} (unregistered)`, () => unlinkSync(path));
          lines.push(`${plan.name}\tregistered struct_ops ${plan.structName}\tlink pinned ${path}`);
        } else {
          // The kernel keeps a registered struct_ops map alive by itself; pinning the map lets
          // `bpftool struct_ops unregister` (or a map delete of key 0) find it later. The Link is
          // dropped without close(), which would unregister it — unless a later step fails.
          undo.add(`unregistered struct_ops ${plan.name}`, () => link.close());
          const path = join(pinDir, plan.name);
          c.map(plan.name).pin(path);
          undo.add(`unpinned ${path}`, () => unlinkSync(path));
          lines.push(`${plan.name}\tregistered struct_ops ${plan.structName}\tmap pinned ${path}`);
        }
      }
    }
    const logs = options.printLog === true ? [...c.programs.values()].map((p) => ({ program: p.name, log: p.log })) : [];
    return { lines, logs };
  } catch (e) {
    throw withUndone(e, undo.run());
  } finally {
    c.close();
  }
}

/**
 * Refuses a pin directory that already holds something (another object's pins, or an earlier load
 * of this one) unless mixing was asked for: nothing is loaded or pinned then.
 */
function checkPinDir(dir: string, reuse: boolean): void {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: cannot pin there: not a directory; nothing was loaded or pinned`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`${dir}: cannot read the pin directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (names.length === 0 || reuse) return;
  const shown = names.sort().slice(0, 3).map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 40)}…` : n)).join(', ');
  throw new UsageError(`${dir}: already holds ${shown}${names.length > 3 ? ` and ${names.length - 3} more` : ''}; `
    + 'nothing was loaded or pinned (pass --pin-reuse to pin beside what is there)');
}

/**
 * mkdir -p that stops at the first refusal: Node's recursive mkdir retries for ever where a
 * parent exists but refuses new entries with ENOENT (under /proc, say). Returns the first
 * directory it created, as mkdirSync's recursive form does.
 */
function makeDirectories(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  let first: string | undefined;
  for (const d of missing.reverse()) {
    mkdirSync(d);
    first ??= d;
  }
  return first;
}

/** Removes the directories mkdir -p created, from `dir` up to `created`, while they are empty. */
function removeCreatedDirs(dir: string, created: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    rmdirSync(d);
    if (d === resolve(created) || d === dirname(d)) return;
  }
}

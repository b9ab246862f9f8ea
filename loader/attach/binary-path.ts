// Where a uprobe's binary is when the section names it without a directory (`uprobe/libc.so.6:getpid`,
// `uprobe/bash:readline`): a shared library is found as the dynamic loader finds it
// (LD_LIBRARY_PATH, the directories of /etc/ld.so.conf and its includes, then the default
// directories), an executable along PATH, as libbpf resolves such names. A library of another
// architecture (a 32-bit libc in /lib32) is passed over.

import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** ELF e_machine of the architectures Node runs on here. */
const MACHINE: Partial<Record<NodeJS.Architecture, number>> = { x64: 62, arm64: 183, ia32: 3, arm: 40, riscv64: 243, s390x: 22, ppc64: 21, loong64: 258 };

/** True when `file` is an ELF file of this process's architecture (a file of another kind: false). */
function isOwnArchitecture(file: string): boolean {
  const want = MACHINE[process.arch];
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return false; }
  try {
    const h = Buffer.alloc(20);
    if (readSync(fd, h, 0, 20, 0) < 20 || h.readUInt32BE(0) !== 0x7f454c46) return false;
    const machine = h[5] === 2 ? h.readUInt16BE(18) : h.readUInt16LE(18);
    return want === undefined || machine === want;
  } finally {
    closeSync(fd);
  }
}

function isFile(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}

/** The directories of an ld.so.conf file, following `include` lines (glob `*` in the last part), bounded. */
function confDirectories(file: string, seen: Set<string>, out: string[]): void {
  if (seen.has(file) || seen.size > 256) return;
  seen.add(file);
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return; }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const inc = /^include\s+(.+)$/.exec(line);
    if (inc === null) { out.push(line); continue; }
    const pattern = isAbsolute(inc[1]!) ? inc[1]! : join(dirname(file), inc[1]!);
    const dir = dirname(pattern);
    const re = new RegExp(`^${pattern.slice(dir.length + 1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    let names: string[];
    try { names = readdirSync(dir).filter((n) => re.test(n)).sort(); } catch { continue; }
    for (const n of names) confDirectories(join(dir, n), seen, out);
  }
}

const MULTIARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** Directories searched for a shared library, in the dynamic loader's order. */
export function librarySearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  confDirectories('/etc/ld.so.conf', new Set(), dirs);
  const triplet = MULTIARCH[process.arch];
  if (triplet !== undefined) dirs.push(`/lib/${triplet}`, `/usr/lib/${triplet}`);
  dirs.push('/lib64', '/usr/lib64', '/lib', '/usr/lib');
  return [...new Set(dirs)];
}

/**
 * The path of the binary a uprobe names: as given when it contains a '/', else the first shared
 * library (a name containing `.so`) of this architecture on the loader's search path, or the
 * first executable of that name along PATH; undefined when there is none.
 */
export function resolveBinaryPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/')) return name;
  if (name.includes('.so')) {
    for (const dir of librarySearchPath(env)) {
      const p = join(dir, name);
      if (isFile(p) && isOwnArchitecture(p)) return p;
    }
    return undefined;
  }
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (existsSync(p) && isFile(p)) return p;
  }
  return undefined;
}

// The one writer of user-named output files (`-o PATH`). It never destroys data:
// - a regular file (or a new one) is replaced atomically: the bytes go to a nameless O_TMPFILE
//   file in the target's directory, are fsynced, get a name (linkat) and are renamed over the
//   target. A process killed at any point before the rename (SIGINT, SIGTERM, SIGKILL) leaves
//   nothing behind: the kernel frees a nameless file with its last descriptor. Where O_TMPFILE
//   or the native layer is missing, a named temporary `.NAME.PID.tmp` is used instead;
// - a device, FIFO or socket is written through (opened without O_CREAT/O_TRUNC), never replaced;
// - a symlink is followed: its target is written as above and the link stays a link. A dangling
//   symlink is refused, as GNU cp does ("not writing through dangling symlink").
// A temporary `.NAME.PID.tmp` whose process is gone (killed in the microseconds between linkat and
// rename, or in the fallback) is removed by the next write to the same path.

import {
  closeSync, constants, existsSync, fchmodSync, fsyncSync, lstatSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync,
  type Stats, statSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sys } from '../internal.js';
import { UsageError } from './usage-error.js';

/** O_TMPFILE: __O_TMPFILE (the same bit on every Linux architecture) | O_DIRECTORY. */
const O_TMPFILE = 0o20000000 | (constants.O_DIRECTORY ?? 0);

type Target =
  | { kind: 'file'; path: string; mode: number | undefined }
  | { kind: 'through'; path: string; what: string };

/** Writes `data` to the file `path` names (see the comment at the top). Throws UsageError. */
export function writeOutputFile(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const target = resolveTarget(path);
  if (target.kind === 'through') writeThrough(path, target, bytes);
  else replaceFile(path, target.path, target.mode, bytes);
}

function cannot(path: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory'
    : code === 'ENOTDIR' ? 'a path component is not a directory' : code === 'ENOSPC' ? 'no space left on the device'
    : code === 'EROFS' ? 'read-only file system' : code === 'EPIPE' ? 'the reader closed it' : code === 'ENXIO' ? 'no reader (a socket or device without one)'
    : code === 'ELOOP' ? 'too many levels of symbolic links' : code ?? String(e);
  return new UsageError(`${path}: cannot write: ${why}`);
}

function resolveTarget(path: string): Target {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'file', path, mode: undefined };
    throw cannot(path, e);
  }
  let real = path;
  if (st.isSymbolicLink()) {
    try {
      real = realpathSync(path);
      st = statSync(real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot(path, e);
      throw new UsageError(`${path}: not writing through dangling symlink (to ${quote(readlinkSync(path))})`);
    }
  }
  if (st.isFile()) return { kind: 'file', path: real, mode: st.mode & 0o777 };
  if (st.isDirectory()) throw new UsageError(`${path}: cannot write: is a directory`);
  const what = st.isFIFO() ? 'FIFO' : st.isCharacterDevice() ? 'character device' : st.isBlockDevice() ? 'block device' : 'socket';
  return { kind: 'through', path: real, what };
}

/** A link target quoted for an error line: at most 60 characters, control bytes escaped. */
function quote(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return JSON.stringify(cut);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** A device, FIFO or socket: written in place, never created, truncated or replaced. */
function writeThrough(path: string, target: { path: string; what: string }, bytes: Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = openSync(target.path, constants.O_WRONLY | constants.O_NOCTTY);
    writeAll(fd, bytes);
  } catch (e) {
    throw cannot(path, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `.NAME.PID.tmp` beside the target. */
function tempName(dir: string, base: string, pid: number): string {
  return join(dir, `.${base}.${pid}.tmp`);
}

/** Removes `.NAME.PID.tmp` files left by writers of this path that no longer run. */
function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.tmp')) continue;
    const pid = n.slice(prefix.length, -'.tmp'.length);
    if (!/^[1-9]\d{0,9}$/.test(pid) || Number(pid) === process.pid || alive(Number(pid))) continue;
    rmSync(join(dir, n), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether nameless temporaries can be named here (Linux with /proc and the native layer).
 * TSBPF_OUTPUT_NAMED_TEMP=1 forces the named fallback (for a file system that misbehaves, and tests).
 */
let tmpfileUsable: boolean | undefined;
function canUseTmpfile(): boolean {
  tmpfileUsable ??= process.platform === 'linux' && process.env.TSBPF_OUTPUT_NAMED_TEMP !== '1' && existsSync('/proc/self/fd')
    && sys.nativeAvailable().available;
  return tmpfileUsable;
}

/** Opens a nameless file in `dir`, or returns undefined where the file system or kernel has no O_TMPFILE. */
function openNameless(dir: string, mode: number): number | undefined {
  if (!canUseTmpfile()) return undefined;
  try {
    return openSync(dir, O_TMPFILE | constants.O_WRONLY, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // EOPNOTSUPP: the file system has no O_TMPFILE; EISDIR/EINVAL: a kernel older than 3.11.
    if (code === 'EOPNOTSUPP' || code === 'EISDIR' || code === 'EINVAL') return undefined;
    throw e;
  }
}

function replaceFile(path: string, final: string, mode: number | undefined, bytes: Uint8Array): void {
  const dir = dirname(final);
  const tmp = tempName(dir, basename(final), process.pid);
  removeStaleTemps(dir, basename(final));
  let fd: number | undefined;
  let named = false;
  try {
    fd = openNameless(dir, mode ?? 0o644);
    if (fd === undefined) {
      rmSync(tmp, { force: true }); // a dead process's, with our pid
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode ?? 0o644);
      named = true;
    }
    writeAll(fd, bytes);
    // An existing file keeps its permission bits (creation applied the umask to them).
    if (mode !== undefined) fchmodSync(fd, mode);
    fsyncSync(fd);
    if (!named) {
      rmSync(tmp, { force: true });
      sys.linkFollow(`/proc/self/fd/${fd}`, tmp);
      named = true;
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, final);
    named = false;
    syncDirectory(dir);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (named) rmSync(tmp, { force: true });
    if (e instanceof sys.SyscallError) throw cannot(path, Object.assign(new Error(e.message), { code: e.code }));
    throw cannot(path, e);
  }
}

/** fsync of the directory, so that the rename survives a crash (best effort: some file systems refuse). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    fsyncSync(fd);
  } catch {
    // The data is in place; only its durability across a crash is unconfirmed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

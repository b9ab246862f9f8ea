// File calls Node has no binding for (the CLI's output writer).

import { SyscallError } from './errors.js';
import { lastErrno, libcFunction } from './libc.js';

type Linkat = (oldDir: number, oldPath: string, newDir: number, newPath: string, flags: number) => number;
let linkat: Linkat | undefined;

/**
 * linkat(AT_FDCWD, oldPath, AT_FDCWD, newPath, AT_SYMLINK_FOLLOW): gives a name to an O_TMPFILE
 * file through its /proc/self/fd link. Node's fs.link is link(2), which does not follow that link.
 */
export function linkFollow(oldPath: string, newPath: string): void {
  linkat ??= libcFunction<Linkat>('int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)');
  const AT_FDCWD = -100;
  const AT_SYMLINK_FOLLOW = 0x400;
  if (linkat(AT_FDCWD, oldPath, AT_FDCWD, newPath, AT_SYMLINK_FOLLOW) < 0) throw new SyscallError('linkat', lastErrno(), newPath);
}

// Linux errno numbers (asm-generic/errno-base.h, errno.h and the kernel-internal
// values bpf(2) can leak such as ENOTSUPP 524) to their names.

const NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC', 9: 'EBADF',
  10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 15: 'ENOTBLK', 16: 'EBUSY', 17: 'EEXIST',
  18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 25: 'ENOTTY',
  26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 29: 'ESPIPE', 30: 'EROFS', 31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM',
  34: 'ERANGE', 35: 'EDEADLK', 36: 'ENAMETOOLONG', 37: 'ENOLCK', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP',
  42: 'ENOMSG', 61: 'ENODATA', 62: 'ETIME', 71: 'EPROTO', 74: 'EBADMSG', 75: 'EOVERFLOW', 84: 'EILSEQ',
  95: 'EOPNOTSUPP', 105: 'ENOBUFS', 110: 'ETIMEDOUT', 114: 'EALREADY', 115: 'EINPROGRESS', 125: 'ECANCELED',
  512: 'ERESTARTSYS', 514: 'ERESTARTNOHAND', 515: 'ENOIOCTLCMD', 516: 'ERESTART_RESTARTBLOCK',
  517: 'EPROBE_DEFER', 521: 'EBADHANDLE', 523: 'EBADCOOKIE', 524: 'ENOTSUPP', 526: 'ETOOSMALL',
};

/** `EINVAL` for 22; `E123` when the number has no name here. */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}

/** The number for a name from the table, undefined when unknown. */
export function errnoNumber(name: string): number | undefined {
  for (const [n, v] of Object.entries(NAMES)) if (v === name) return Number(n);
  return undefined;
}

/** strerror-style text for the errors bpf(2) users meet most. */
const MESSAGES: Readonly<Record<string, string>> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable', ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied', EFAULT: 'Bad address', EBUSY: 'Device or resource busy', EEXIST: 'File exists',
  EINVAL: 'Invalid argument', ENOSPC: 'No space left on device', ENOSYS: 'Function not implemented',
  ERANGE: 'Numerical result out of range', EOPNOTSUPP: 'Operation not supported', ENOTSUPP: 'Operation not supported',
  ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', ENOTTY: 'Inappropriate ioctl for device',
};

export function errnoMessage(errno: number): string {
  return MESSAGES[errnoName(errno)] ?? `errno ${errno}`;
}

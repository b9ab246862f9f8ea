// Socket filters: setsockopt(SO_ATTACH_BPF). There is no bpf_link, so the Link detaches with
// SO_DETACH_BPF on close and cannot be pinned.

import { setsockopt, SyscallError } from '../sys/index.js';
import { AttachError, attachStep, Link, type ProgramHandle, programFd } from './link.js';

const SOL_SOCKET = 1;
const SO_DETACH_FILTER = 27;
const SO_ATTACH_BPF = 50;

/** Attaches to an open socket descriptor the caller owns (a Node socket's fd, or one from a native call). */
export function attachSocketFilter(program: ProgramHandle, socketFd: number): Link {
  const target = `socket fd ${socketFd}`;
  const value = Buffer.alloc(4);
  value.writeInt32LE(programFd(program));
  attachStep('socket_filter', target, 'setsockopt(SO_ATTACH_BPF)', () => setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, value));
  return new Link('socket_filter', target, undefined, {
    detach: () => {
      try {
        setsockopt(socketFd, SOL_SOCKET, SO_DETACH_FILTER, Buffer.alloc(4));
      } catch (e) {
        // The socket may be closed already, which detached the filter too.
        if (!(e instanceof SyscallError && (e.code === 'EBADF' || e.code === 'ENOTSOCK' || e.code === 'ENOENT'))) {
          throw new AttachError(`detach: ${(e as Error).message}`, 'socket_filter', target);
        }
      }
    },
  });
}

// An epoll set waited on from one of koffi's worker threads, so a reader can sleep until the
// kernel wakes it without blocking Node's event loop. Waits are short (so close() is prompt).

import { OwnedFd } from '../fd.js';
import { epollAdd, epollCreate, epollWaitAsync } from '../sys/index.js';

export class Waiter {
  readonly #ep: OwnedFd;
  #pending: Promise<number> | undefined;
  constructor(fds: readonly number[]) {
    this.#ep = new OwnedFd(epollCreate(), 'epoll set');
    fds.forEach((fd, i) => epollAdd(this.#ep.fd, fd, i));
  }

  /** Resolves when a descriptor is readable or after timeoutMs. */
  async wait(timeoutMs: number): Promise<void> {
    const p = epollWaitAsync(this.#ep.fd, timeoutMs);
    this.#pending = p;
    await p;
    this.#pending = undefined;
  }

  /** Closes the epoll fd once no worker is inside epoll_wait on it. */
  async close(): Promise<void> {
    if (this.#pending !== undefined) await this.#pending;
    this.#ep.close();
  }
}

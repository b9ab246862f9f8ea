// File descriptors the loader owns: closed once, and reported as closed afterwards.

import { close } from './sys/index.js';
import { TsbpfError } from '../isa/index.js';

export class ClosedError extends TsbpfError {
  override readonly name = 'ClosedError';
}

export class OwnedFd {
  #fd: number;
  constructor(fd: number, readonly what: string) {
    this.#fd = fd;
  }

  /** The descriptor; throws once closed. */
  get fd(): number {
    if (this.#fd < 0) throw new ClosedError(`${this.what} is closed`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Closes the descriptor; a second call does nothing. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    close(fd);
  }
}

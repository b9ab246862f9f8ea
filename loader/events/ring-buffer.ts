// BPF_MAP_TYPE_RINGBUF reader. The kernel maps the ring twice in a row after the producer page,
// so every record is contiguous in memory and can be handed out as a view without copying.
// Layout (kernel/bpf/ringbuf.c): page 0 = consumer position (we write it), page 1 = producer
// position, then the data pages; each record has an 8-byte header: u32 length with the BUSY
// (bit 31) and DISCARD (bit 30) flags, u32 page offset; records are 8-byte aligned.

import { mmap, type Mapping, MapShared, munmap, pageSize, Prot } from '../sys/index.js';
import { MapType } from '../map-types.js';
import { mapInfo } from '../maps.js';
import { Waiter } from './waiter.js';
import { TsbpfError } from '../../isa/index.js';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HEADER = 8;

export class EventStreamError extends TsbpfError {
  override readonly name = 'EventStreamError';
}

export interface ReadOptions {
  /** Stop waiting after this long without records (the iterator then ends). Default: wait until close(). */
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export class RingBuffer implements AsyncIterable<Uint8Array> {
  readonly #consumer: Mapping;
  readonly #producer: Mapping;
  readonly #cons: BigUint64Array;
  readonly #prod: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #header: DataView;
  readonly #mask: number;
  readonly #waiter: Waiter;
  #closed = false;
  #iterating = 0;

  /** Maps the ring of a BPF_MAP_TYPE_RINGBUF map (the reader does not own the map fd). */
  constructor(map: number | { readonly fd: number }) {
    const fd = typeof map === 'number' ? map : map.fd;
    const info = mapInfo(fd);
    if (info.type !== MapType.RINGBUF) throw new EventStreamError(`map ${info.id} is not a ring buffer (type ${info.type})`);
    const page = pageSize();
    const size = info.maxEntries;
    this.#consumer = mmap(page, Prot.READ | Prot.WRITE, MapShared, fd, 0);
    try {
      this.#producer = mmap(page + 2 * size, Prot.READ, MapShared, fd, page);
    } catch (e) {
      munmap(this.#consumer);
      throw e;
    }
    this.#cons = new BigUint64Array(this.#consumer.buffer, 0, 1);
    this.#prod = new BigUint64Array(this.#producer.buffer, 0, 1);
    this.#data = new Uint8Array(this.#producer.buffer, page, 2 * size);
    this.#header = new DataView(this.#producer.buffer, page, 2 * size);
    this.#mask = size - 1;
    this.#waiter = new Waiter([fd]);
  }

  /** Bytes written and not yet consumed. */
  get available(): number {
    this.#check();
    return Number(Atomics.load(this.#prod, 0) - Atomics.load(this.#cons, 0));
  }

  /**
   * Hands every committed record to `fn` as a view into the ring (valid only during the call),
   * then releases it to the producer. Returns the number of records.
   */
  drain(fn: (record: Uint8Array) => void): number {
    let n = 0;
    for (;;) {
      const r = this.#next();
      if (r === undefined) return n;
      try {
        if (r.view !== undefined) {
          fn(r.view);
          n++;
        }
      } finally {
        Atomics.store(this.#cons, 0, r.end);
      }
    }
  }

  #next(): { view?: Uint8Array; end: bigint } | undefined {
    this.#check();
    const cons = Atomics.load(this.#cons, 0);
    const prod = Atomics.load(this.#prod, 0);
    if (cons >= prod) return undefined;
    const at = Number(cons) & this.#mask;
    const len = this.#header.getUint32(at, true);
    if ((len & BUSY) !== 0) return undefined; // reserved, not yet committed
    const size = len & ~(BUSY | DISCARD);
    const end = cons + BigInt((size + HEADER + 7) & ~7);
    if ((len & DISCARD) !== 0) return { end };
    return { view: this.#data.subarray(at + HEADER, at + HEADER + size), end };
  }

  /**
   * Async iteration: each record is a view into the ring that stays valid until the next
   * iteration step (it is released then), so nothing is copied. Waits with epoll between bursts.
   */
  async *records(options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    this.#iterating++;
    try {
      let idle = 0;
      while (!this.#closed && options.signal?.aborted !== true) {
        const r = this.#next();
        if (r === undefined) {
          if (options.idleTimeoutMs !== undefined && idle >= options.idleTimeoutMs) return;
          const step = Math.min(100, options.idleTimeoutMs ?? 100);
          await this.#waiter.wait(step);
          idle += step;
          continue;
        }
        idle = 0;
        try {
          if (r.view !== undefined) yield r.view;
        } finally {
          if (!this.#closed) Atomics.store(this.#cons, 0, r.end);
        }
      }
    } finally {
      this.#iterating--;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.records();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Unmaps the ring and closes the epoll set (after any wait in progress ends). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#waiter.close();
    munmap(this.#producer);
    munmap(this.#consumer);
  }

  #check(): void {
    if (this.#closed) throw new EventStreamError('ring buffer reader is closed');
  }
}

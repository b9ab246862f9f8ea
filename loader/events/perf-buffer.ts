// BPF_MAP_TYPE_PERF_EVENT_ARRAY reader: one PERF_COUNT_SW_BPF_OUTPUT perf event per CPU, each
// with its own mmapped ring (struct perf_event_mmap_page, then 2^n data pages), stored in the
// map at the CPU's index. Records are PERF_RECORD_SAMPLE (u32 size + raw bytes) or
// PERF_RECORD_LOST (u64 id, u64 count). The data ring is mapped once, so a record that wraps
// is copied; the others are views.

import { OwnedFd } from '../fd.js';
import {
  pointee, bpf, BpfCommand, encodeAttr, ioctl, MapElemAttr, mmap, type Mapping, MapShared, munmap, pageSize, perfEventOpen,
  PerfEventAttr, Prot,
} from '../sys/index.js';
import { Perf } from '../attach/kernel-enums.js';
import { MapType } from '../map-types.js';
import { mapInfo } from '../maps.js';
import { possibleCpus } from '../possible-cpus.js';
import { EventStreamError, type ReadOptions } from './ring-buffer.js';
import { Waiter } from './waiter.js';

export type PerfRecord =
  | { readonly type: 'sample'; readonly cpu: number; readonly data: Uint8Array }
  | { readonly type: 'lost'; readonly cpu: number; readonly lost: number };

export interface PerfBufferOptions {
  /** Data pages per CPU, a power of two (default 8). */
  readonly pages?: number;
  /** CPUs to open (default: every possible CPU that fits in the map). */
  readonly cpus?: readonly number[];
}

// struct perf_event_mmap_page offsets of the ring positions.
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;

class CpuRing {
  readonly head: BigUint64Array;
  readonly tail: BigUint64Array;
  readonly data: Uint8Array;
  readonly view: DataView;
  constructor(readonly cpu: number, readonly event: OwnedFd, readonly mapping: Mapping, page: number) {
    const meta = new DataView(mapping.buffer, 0, page);
    const offset = Number(meta.getBigUint64(DATA_OFFSET, true)) || page;
    const size = Number(meta.getBigUint64(DATA_SIZE, true)) || mapping.length - page;
    this.head = new BigUint64Array(mapping.buffer, DATA_HEAD, 1);
    this.tail = new BigUint64Array(mapping.buffer, DATA_TAIL, 1);
    this.data = new Uint8Array(mapping.buffer, offset, size);
    this.view = new DataView(mapping.buffer, offset, size);
  }

  /** The record at position `pos` (copied only when it wraps), its type and total size. */
  record(pos: number): { type: number; size: number; body: Uint8Array } {
    const n = this.data.length;
    const at = pos % n;
    const readU16 = (p: number): number => this.data[p % n]! | (this.data[(p + 1) % n]! << 8);
    const readU32 = (p: number): number => (readU16(p) | (readU16(p + 2) << 16)) >>> 0;
    const type = readU32(at);
    const size = readU16(at + 6);
    const body = at + size <= n ? this.data.subarray(at + 8, at + size) : (() => {
      const copy = new Uint8Array(size - 8);
      for (let i = 0; i < copy.length; i++) copy[i] = this.data[(at + 8 + i) % n]!;
      return copy;
    })();
    return { type, size, body };
  }
}

export class PerfBuffer implements AsyncIterable<PerfRecord> {
  readonly #rings: CpuRing[] = [];
  readonly #waiter: Waiter;
  #closed = false;

  /** Opens a BPF output event per CPU and stores it in the perf event array map. */
  constructor(map: number | { readonly fd: number }, options: PerfBufferOptions = {}) {
    const fd = typeof map === 'number' ? map : map.fd;
    const info = mapInfo(fd);
    if (info.type !== MapType.PERF_EVENT_ARRAY) throw new EventStreamError(`map ${info.id} is not a perf event array (type ${info.type})`);
    const pages = options.pages ?? 8;
    if (pages <= 0 || (pages & (pages - 1)) !== 0) throw new EventStreamError(`pages must be a power of two (got ${pages})`);
    const page = pageSize();
    const cpus = options.cpus ?? Array.from({ length: Math.min(possibleCpus(), info.maxEntries) }, (_, i) => i);
    try {
      for (const cpu of cpus) {
        const attr = encodeAttr(PerfEventAttr, {
          type: Perf.TYPE_SOFTWARE, size: PerfEventAttr.size, config: Perf.COUNT_SW_BPF_OUTPUT, sample_type: Perf.SAMPLE_RAW,
          sample_period: 1, wakeup_events: 1,
        });
        const ev = new OwnedFd(perfEventOpen(attr, -1, cpu, -1, Perf.FLAG_FD_CLOEXEC), `perf buffer cpu ${cpu}`);
        let m: Mapping;
        try {
          m = mmap((pages + 1) * page, Prot.READ | Prot.WRITE, MapShared, ev.fd, 0);
        } catch (e) {
          ev.close();
          throw e;
        }
        this.#rings.push(new CpuRing(cpu, ev, m, page));
        const k = Buffer.alloc(4); k.writeUInt32LE(cpu);
        const v = Buffer.alloc(4); v.writeUInt32LE(ev.fd);
        bpf(BpfCommand.MAP_UPDATE_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: pointee(k), value: pointee(v), flags: 0 }));
        ioctl(ev.fd, Perf.IOC_ENABLE, 0);
      }
      this.#waiter = new Waiter(this.#rings.map((r) => r.event.fd));
    } catch (e) {
      this.#release();
      throw e;
    }
  }

  /** Hands every pending record to `fn` (sample data is a view valid only during the call). */
  drain(fn: (record: PerfRecord) => void): number {
    let n = 0;
    for (const ring of this.#rings) {
      for (;;) {
        const r = this.#nextOf(ring);
        if (r === undefined) break;
        try {
          if (r.record !== undefined) { fn(r.record); n++; }
        } finally {
          Atomics.store(ring.tail, 0, r.end);
        }
      }
    }
    return n;
  }

  #nextOf(ring: CpuRing): { record?: PerfRecord; end: bigint } | undefined {
    if (this.#closed) throw new EventStreamError('perf buffer reader is closed');
    const tail = Atomics.load(ring.tail, 0);
    const head = Atomics.load(ring.head, 0);
    if (tail >= head) return undefined;
    const { type, size, body } = ring.record(Number(tail));
    const end = tail + BigInt(size);
    if (size === 0) return { end: head }; // corrupt; skip what is there
    if (type === Perf.RECORD_SAMPLE) {
      const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const len = dv.getUint32(0, true);
      return { record: { type: 'sample', cpu: ring.cpu, data: body.subarray(4, 4 + len) }, end };
    }
    if (type === Perf.RECORD_LOST) {
      const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      return { record: { type: 'lost', cpu: ring.cpu, lost: Number(dv.getBigUint64(8, true)) }, end };
    }
    return { end };
  }

  /** Async iteration over every CPU's ring; a sample's data is valid until the next step. */
  async *records(options: ReadOptions = {}): AsyncGenerator<PerfRecord> {
    let idle = 0;
    while (!this.#closed && options.signal?.aborted !== true) {
      let got = false;
      for (const ring of this.#rings) {
        for (;;) {
          if (this.#closed) return;
          const r = this.#nextOf(ring);
          if (r === undefined) break;
          got = true;
          try {
            if (r.record !== undefined) yield r.record;
          } finally {
            if (!this.#closed) Atomics.store(ring.tail, 0, r.end);
          }
        }
      }
      if (got) { idle = 0; continue; }
      if (options.idleTimeoutMs !== undefined && idle >= options.idleTimeoutMs) return;
      const step = Math.min(100, options.idleTimeoutMs ?? 100);
      await this.#waiter.wait(step);
      idle += step;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<PerfRecord> {
    return this.records();
  }

  get cpus(): number[] {
    return this.#rings.map((r) => r.cpu);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#waiter.close();
    this.#release();
  }

  #release(): void {
    for (const r of this.#rings) {
      munmap(r.mapping);
      r.event.close();
    }
    this.#rings.length = 0;
  }
}

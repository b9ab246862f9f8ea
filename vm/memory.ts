// The vm's address space: regions at 4 GiB-aligned bases, so the high 32 bits of an address pick
// the region and the low 32 bits are the offset into it. Both engines hold 64-bit values as two
// int32 halves, which makes region lookup one array index and every access one bounds check.

import { fault } from './fault.js';

/** A region whose fields are not plain bytes (a context whose data/data_end read as pointers). */
export interface RegionHook {
  load(offset: number, size: 1 | 2 | 4 | 8, insn: number): bigint;
  store(offset: number, size: 1 | 2 | 4 | 8, value: bigint, insn: number): void;
  /**
   * For a context whose fields read as pointers: the low word of the pointer a 4-byte load at
   * `offset` yields (its high word is `pointerHi`), or -1 when that field is not a pointer. Lets the
   * compiled engine read data/data_end without BigInts.
   */
  pointerAt?(offset: number): number;
  readonly pointerHi?: number;
}

export interface Region {
  readonly name: string;
  /** Accesses go through the hook; `bytes` is empty so that the compiled engine's fast path always misses. */
  readonly hook?: RegionHook;
  /** The hooked region's size (its bytes are empty). */
  readonly hookSize?: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly writable: boolean;
  /** The region's number: its base address is `index * 2**32`. */
  readonly index: number;
}

const hex64 = (hi: number, lo: number): string =>
  `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`.replace(/^0x0+(?=[0-9a-f])/, '0x');

const EMPTY = new Uint8Array(0);
// Shared by every Memory: load64 fills it and its caller reads it at once (a per-run Int32Array
// was an ArrayBuffer allocation per run).
const T64 = new Int32Array(2);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

export class Memory {
  readonly regions: (Region | undefined)[] = [undefined]; // region 0 would hold NULL: never mapped
  /** Scratch for 64-bit loads: [lo, hi]. */
  readonly t = T64;

  /** Maps `bytes` as a new region; returns its base's high word. `view`: a DataView of exactly `bytes`, when the caller keeps one. */
  map(name: string, bytes: Uint8Array, writable = true, view?: DataView): number {
    const index = this.regions.length;
    this.regions.push({ name, bytes, view: view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), writable, index });
    return index;
  }

  /** Maps a hooked region of `size` bytes. */
  mapHooked(name: string, size: number, hook: RegionHook): number {
    const index = this.regions.length;
    this.regions.push({ name, bytes: EMPTY, view: EMPTY_VIEW, writable: true, index, hook, hookSize: size });
    return index;
  }

  /** Replaces a region's bytes (the packet after bpf_xdp_adjust_head/tail). */
  remap(index: number, bytes: Uint8Array): void {
    const r = this.regions[index]!;
    // The same shape as map()'s regions, so that the engines' region lookups stay monomorphic.
    this.regions[index] = { name: r.name, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), writable: r.writable, index };
  }

  base(index: number): bigint {
    return BigInt(index) << 32n;
  }

  /** The region and offset of `size` bytes at (hi, lo), or a memory fault naming what was wrong. */
  at(hi: number, lo: number, size: number, insn: number, write: boolean): Region {
    const r = hi > 0 && hi < this.regions.length ? this.regions[hi] : undefined;
    const off = lo >>> 0;
    if (r === undefined) {
      const what = hi === 0 && off < 4096 ? 'a NULL pointer' : 'an address in no region';
      fault('memory', insn, `${write ? 'write' : 'read'} of ${size} bytes at ${hex64(hi, lo)}: ${what}`,
        { address: hex64(hi, lo), region: 'none' });
    }
    const length = r.hookSize ?? r.bytes.length;
    if (off + size > length) {
      fault('memory', insn, `${write ? 'write' : 'read'} of ${size} bytes at ${r.name}+${off} is out of bounds (${r.name} has ${length} bytes)`,
        { address: hex64(hi, lo), region: r.name });
    }
    if (write && !r.writable) {
      fault('memory', insn, `write of ${size} bytes to read-only ${r.name}+${off}`, { address: hex64(hi, lo), region: r.name });
    }
    return r;
  }

  load(hi: number, lo: number, size: 1 | 2 | 4, insn: number): number {
    const r = this.at(hi, lo, size, insn, false);
    const off = lo >>> 0;
    if (r.hook !== undefined) return Number(BigInt.asIntN(32, r.hook.load(off, size, insn)));
    return size === 1 ? r.bytes[off]! : size === 2 ? r.view.getUint16(off, true) : r.view.getInt32(off, true);
  }

  /** Loads 8 bytes into `t` ([lo, hi]). */
  load64(hi: number, lo: number, insn: number): void {
    const r = this.at(hi, lo, 8, insn, false);
    const off = lo >>> 0;
    if (r.hook !== undefined) {
      const v = r.hook.load(off, 8, insn);
      this.t[0] = Number(BigInt.asIntN(32, v));
      this.t[1] = Number(BigInt.asIntN(32, v >> 32n));
      return;
    }
    this.t[0] = r.view.getInt32(off, true);
    this.t[1] = r.view.getInt32(off + 4, true);
  }

  store(hi: number, lo: number, size: 1 | 2 | 4, value: number, insn: number): void {
    const r = this.at(hi, lo, size, insn, true);
    const off = lo >>> 0;
    if (r.hook !== undefined) { r.hook.store(off, size, BigInt(value >>> 0) & ((1n << BigInt(size * 8)) - 1n), insn); return; }
    if (size === 1) r.bytes[off] = value;
    else if (size === 2) r.view.setUint16(off, value & 0xffff, true);
    else r.view.setInt32(off, value | 0, true);
  }

  store64(hi: number, lo: number, vlo: number, vhi: number, insn: number): void {
    const r = this.at(hi, lo, 8, insn, true);
    const off = lo >>> 0;
    if (r.hook !== undefined) { r.hook.store(off, 8, (BigInt(vhi >>> 0) << 32n) | BigInt(vlo >>> 0), insn); return; }
    r.view.setInt32(off, vlo | 0, true);
    r.view.setInt32(off + 4, vhi | 0, true);
  }

  /**
   * A 4-byte load that may yield 64 bits: a context's data/data_end/data_meta field is a u32 in
   * the UAPI struct, but the kernel rewrites the load into one of the 64-bit pointer.
   */
  loadWide(hi: number, lo: number, insn: number): bigint {
    const r = this.at(hi, lo, 4, insn, false);
    if (r.hook !== undefined) return r.hook.load(lo >>> 0, 4, insn);
    return BigInt(r.view.getUint32(lo >>> 0, true));
  }

  /** BigInt forms for the reference interpreter and helpers. */
  loadBig(addr: bigint, size: 1 | 2 | 4 | 8, insn: number): bigint {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn) | 0;
    if (size === 4) return this.loadWide(hi, lo, insn);
    if (size === 8) {
      this.load64(hi, lo, insn);
      return (BigInt(this.t[1]! >>> 0) << 32n) | BigInt(this.t[0]! >>> 0);
    }
    return BigInt(this.load(hi, lo, size, insn) >>> 0);
  }

  storeBig(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint, insn: number): void {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn) | 0;
    const vlo = Number(BigInt.asIntN(32, value));
    if (size === 8) this.store64(hi, lo, vlo, Number(BigInt.asIntN(32, value >> 32n)), insn);
    else this.store(hi, lo, size, vlo, insn);
  }

  /** `len` bytes at `addr` as a view into the region (helpers reading or writing buffers). */
  slice(addr: bigint, len: number, insn: number, write: boolean): Uint8Array {
    const hi = Number(BigInt.asUintN(64, addr) >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn) | 0;
    if (len === 0) return new Uint8Array(0);
    const r = this.at(hi, lo, len, insn, write);
    if (r.hook !== undefined) fault('memory', insn, `${r.name} cannot be passed to a helper as a buffer`, { address: hex64(hi, lo), region: r.name });
    return r.bytes.subarray(lo >>> 0, (lo >>> 0) + len);
  }
}

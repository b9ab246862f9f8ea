// The native shim against the live kernel: bpf(2) commands, errno names, mmap of a BPF map,
// perf_event_open + ioctl + close. Checked against bpftool's view of the same objects.

import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  bpf, BpfCommand, close, encodeAttr, MapCreateAttr, MapElemAttr, MapFlag, MapShared, mmap, munmap,
  nativeAvailable, ObjInfoAttr, perfEventOpen, PerfEventAttr, pointee, pointeeStruct, ProgInfoLayout, Prot, SyscallError,
} from '../loader/sys/index.js';
import { ProgType } from '../loader/index.js';
import { loadRaw } from './support/bpf-raw.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const ok = requireReferences('bpftool') && requireRoot();

function createArray(name: string, flags = 0, entries = 4): number {
  return bpf(BpfCommand.MAP_CREATE, encodeAttr(MapCreateAttr, {
    map_type: 2, key_size: 4, value_size: 8, max_entries: entries, map_flags: flags, map_name: Buffer.from(name),
  }));
}

describe.skipIf(!ok)('syscall shim on the live kernel', () => {
  it('loads koffi', () => {
    expect(nativeAvailable()).toEqual({ available: true });
  });

  it('creates an array map that bpftool sees, updates and looks up an element', () => {
    const fd = createArray('tsbpf_shim');
    try {
      const key = Buffer.alloc(4); key.writeUInt32LE(2);
      const value = Buffer.alloc(8); value.writeBigUInt64LE(0x1122334455667788n);
      bpf(BpfCommand.MAP_UPDATE_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: pointee(key), value: pointee(value), flags: 0 }));
      const out = pointee(8);
      bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: pointee(key), value: out }));
      expect(Buffer.from(out.bytes).readBigUInt64LE(0)).toBe(0x1122334455667788n);
      // The map id from OBJ_GET_INFO_BY_FD (struct bpf_map_info: type@0 id@4) names the map bpftool lists.
      const info = pointee(88);
      bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.size, info }));
      const id = Buffer.from(info.bytes).readUInt32LE(4);
      const shown = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(id)])) as { key: string[]; value: string[] }[];
      expect(shown[2]!.value.join(' ')).toBe('0x88 0x77 0x66 0x55 0x44 0x33 0x22 0x11');
    } finally {
      close(fd);
    }
  });

  it('an attr whose pointees (nested ones too) are reachable only through it survives a full collection', async () => {
    // A full collection on demand (node --expose-gc, enabled at run time for this test).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const fd = createArray('tsbpf_gc');
    const prog = loadRaw(ProgType.SOCKET_FILTER, ['r0 = 0', 'exit']);
    try {
      const stored = Buffer.alloc(8); stored.writeBigUInt64LE(0x0102030405060708n);
      bpf(BpfCommand.MAP_UPDATE_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: pointee(new Uint8Array(4)), value: pointee(stored) }));
      // Built in a function, so that nothing but the attrs reaches the pointees; WeakRefs say
      // whether the caller's buffer and the Pointee objects themselves were collected.
      const build = (): { lookup: Buffer; info: Buffer; refs: WeakRef<object>[] } => {
        const source = new Uint8Array(4);
        const key = pointee(source);
        const value = pointee(8);
        const insns = pointee(16);
        const progInfo = pointeeStruct(ProgInfoLayout, { xlated_prog_len: 16, xlated_prog_insns: insns });
        return {
          lookup: encodeAttr(MapElemAttr, { map_fd: fd, key, value }),
          info: encodeAttr(ObjInfoAttr, { bpf_fd: prog.fd, info_len: ProgInfoLayout.size, info: progInfo }),
          refs: [source, key, value, insns, progInfo].map((o) => new WeakRef(o)),
        };
      };
      const { lookup, info, refs } = build();
      await new Promise((r) => setImmediate(r)); // a WeakRef's target is kept for the job that made it
      gc();
      expect(refs.map((r) => r.deref())).toEqual([undefined, undefined, undefined, undefined, undefined]);
      // Churn, so that memory freed by the collection would now hold other bytes.
      for (let i = 0; i < 2000; i++) Buffer.alloc(64, 0xee);
      bpf(BpfCommand.MAP_LOOKUP_ELEM, lookup);
      bpf(BpfCommand.OBJ_GET_INFO_BY_FD, info);
      // Every pointer the kernel followed lies inside the attr's own buffer; read the results there.
      const inside = (attr: Buffer, ptr: bigint): Buffer => {
        const at = Number(ptr - koffi.address(attr));
        expect(at).toBeGreaterThanOrEqual(attr.length);
        expect(at).toBeLessThan(attr.buffer.byteLength - attr.byteOffset);
        return Buffer.from(attr.buffer, attr.byteOffset + at);
      };
      const u64 = (b: Buffer, offset: number): bigint => b.readBigUInt64LE(offset);
      expect(u64(inside(lookup, u64(lookup, MapElemAttr.fields.value.offset)), 0)).toBe(0x0102030405060708n);
      const progInfo = inside(info, u64(info, ObjInfoAttr.fields.info.offset));
      const xlated = inside(info, u64(progInfo, ProgInfoLayout.fields.xlated_prog_insns.offset)).subarray(0, 16);
      // The kernel's xlated code of `r0 = 0; exit` is those two instructions, as bpftool prints them.
      type Opcodes = { code: string; src_reg: string; dst_reg: string; off: string[]; imm: string[] };
      const shown = JSON.parse(run('bpftool', ['-j', 'prog', 'dump', 'xlated', 'id', String(progInfo.readUInt32LE(ProgInfoLayout.fields.id.offset)), 'opcodes'])) as { opcodes: Opcodes }[];
      const byte = (h: string): string => Number(h).toString(16).padStart(2, '0');
      const encoded = shown.map(({ opcodes: o }) => [o.code, String((Number(o.src_reg) << 4) | Number(o.dst_reg)), ...o.off, ...o.imm].map(byte).join(''));
      expect(encoded).toHaveLength(2);
      expect(xlated.toString('hex')).toBe(encoded.join(''));
    } finally {
      prog.close();
      close(fd);
    }
  });

  it('names the errno of a refused call', () => {
    let err: unknown;
    try {
      bpf(BpfCommand.MAP_CREATE, encodeAttr(MapCreateAttr, { map_type: 2, key_size: 4, value_size: 8, max_entries: 0 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).code).toBe('EINVAL');
    expect((err as SyscallError).message).toBe('BPF_MAP_CREATE: EINVAL (Invalid argument)');
    expect(() => close(987654)).toThrow(/EBADF/);
  });

  it('mmaps a BPF_F_MMAPABLE array: a JS write is what MAP_LOOKUP_ELEM returns', () => {
    const fd = createArray('tsbpf_mmap', MapFlag.MMAPABLE, 512);
    const m = mmap(4096, Prot.READ | Prot.WRITE, MapShared, fd);
    try {
      new BigUint64Array(m.buffer)[7] = 77n;
      const key = Buffer.alloc(4); key.writeUInt32LE(7);
      const out = pointee(8);
      bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: pointee(key), value: out }));
      expect(Buffer.from(out.bytes).readBigUInt64LE(0)).toBe(77n);
    } finally {
      munmap(m);
      close(fd);
    }
  });

  it('opens a software perf event (cpu-clock) and enables it with ioctl', async () => {
    const { ioctl } = await import('../loader/sys/index.js');
    const attr = encodeAttr(PerfEventAttr, { type: 1 /* PERF_TYPE_SOFTWARE */, size: PerfEventAttr.size, config: 0, flags: 1n /* disabled */ });
    const fd = perfEventOpen(attr, 0, -1, -1, 0);
    try {
      expect(fd).toBeGreaterThan(2);
      expect(ioctl(fd, 0x2400 /* PERF_EVENT_IOC_ENABLE */, 0)).toBe(0);
    } finally {
      close(fd);
    }
  });
});

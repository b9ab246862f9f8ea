// The native shim against the live kernel: bpf(2) commands, errno names, mmap of a BPF map,
// perf_event_open + ioctl + close. Checked against bpftool's view of the same objects.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  address, bpf, BpfCommand, close, encodeAttr, MapCreateAttr, MapElemAttr, MapFlag, MapShared, mmap, munmap,
  nativeAvailable, ObjInfoAttr, perfEventOpen, PerfEventAttr, Prot, SyscallError,
} from '../loader/sys/index.js';
import { inCI, isRoot, requireReferences, run } from './support/references.js';

const ok = requireReferences('bpftool') && (isRoot() || (!inCI && (console.warn('SKIP: not root'), false)));
if (inCI && !isRoot()) throw new Error('CI=true requires root for the syscall shim tests');

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
      bpf(BpfCommand.MAP_UPDATE_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: address(key), value: address(value), flags: 0 }));
      const out = Buffer.alloc(8);
      bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: address(key), value: address(out) }));
      expect(out.readBigUInt64LE(0)).toBe(0x1122334455667788n);
      // The map id from OBJ_GET_INFO_BY_FD (struct bpf_map_info: type@0 id@4) names the map bpftool lists.
      const info = Buffer.alloc(88);
      bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.length, info: address(info) }));
      const id = info.readUInt32LE(4);
      const shown = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(id)])) as { key: string[]; value: string[] }[];
      expect(shown[2]!.value.join(' ')).toBe('0x88 0x77 0x66 0x55 0x44 0x33 0x22 0x11');
    } finally {
      close(fd);
    }
  });

  it('holds a buffer known only by its address until the next system call, then lets it go', async () => {
    // A full collection on demand (node --expose-gc, enabled at run time for this test).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fd = createArray('tsbpf_hold');
    try {
      // Build the attr in a function, so that the value buffer is reachable only through the
      // address in the attr (and a WeakRef that says whether it is still alive).
      const build = (): { attr: Buffer; value: WeakRef<Uint8Array> } => {
        const value = new Uint8Array(8);
        return { attr: encodeAttr(MapElemAttr, { map_fd: fd, key: address(new Uint8Array(4)), value: address(value) }), value: new WeakRef(value) };
      };
      const { attr, value } = build();
      await new Promise((r) => setImmediate(r)); // a WeakRef's target is kept for the job that made it
      gc();
      expect(value.deref()).toBeDefined(); // held by address() until a system call has used it
      bpf(BpfCommand.MAP_LOOKUP_ELEM, attr);
      await new Promise((r) => setImmediate(r));
      gc();
      expect(value.deref()).toBeUndefined(); // released after the call: no leak
    } finally {
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
      const out = Buffer.alloc(8);
      bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: fd, key: address(key), value: address(out) }));
      expect(out.readBigUInt64LE(0)).toBe(77n);
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

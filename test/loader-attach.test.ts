// Attaching programs on the live kernel, each with a real workload and a real observable: a
// counter in an array map that the attached program increments. Links must detach on close.

import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachError, attachCgroup, attachKprobe, attachOptionsForSection, attachProgram, attachRawTracepoint, attachSocketFilter,
  attachTcx, attachTracepoint, attachUprobe, attachXdp, AttachType, Link, MapType, ProgType, resolveBinaryPath, symbolFileOffset,
} from '../loader/index.js';
import { sys } from '../src/internal.js';

import { countInto, createMap, loadRaw, lookupU64 } from './support/bpf-raw.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const { bpf, BpfCommand, encodeAttr, ObjInfoAttr, pointee } = sys;

const ok = requireReferences('bpftool', 'gcc') && requireRoot();

const PID = process.pid;
/** r0 = tgid; skip to the end (the last `exit`) unless it is this process. */
const onlyThisProcess = (skip: number): string[] => ['call 14', 'r0 >>= 32', `if r0 != ${PID} goto +${skip}`];

/** The kernel's id of a program (struct bpf_prog_info.id at offset 4). */
function programId(fd: number): number {
  const info = pointee(256);
  bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.size, info }));
  return Buffer.from(info.bytes).readUInt32LE(4);
}

function getppidTimes(n: number): void {
  for (let i = 0; i < n; i++) void process.ppid; // one getppid(2) each (libuv does not cache it)
}

describe.skipIf(!ok)('attach on the live kernel', () => {
  it('uses the kernel\'s enum values for attach, program and map types', () => {
    const c = run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c']);
    const value = (name: string): number => Number(new RegExp(`\\b${name} = (\\d+),`).exec(c)?.[1]);
    for (const [k, v] of Object.entries(AttachType)) expect([k, value(`BPF_${k}`)]).toEqual([k, v]);
    for (const [k, v] of Object.entries(ProgType)) expect([k, value(`BPF_PROG_TYPE_${k}`)]).toEqual([k, v]);
    for (const [k, v] of Object.entries(MapType)) expect([k, value(`BPF_MAP_TYPE_${k}`)]).toEqual([k, v]);
  });

  it('tracepoint: counts this process\'s getppid calls exactly, and stops after close', () => {
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.TRACEPOINT, [...onlyThisProcess(9), ...countInto(map.fd), 'r0 = 0', 'exit']);
    try {
      const link = attachTracepoint(prog, 'syscalls', 'sys_enter_getppid');
      getppidTimes(25);
      expect(lookupU64(map, 0)).toBe(25n);
      link.close();
      getppidTimes(5);
      expect(lookupU64(map, 0)).toBe(25n);
      expect(link.closed).toBe(true);
    } finally {
      prog.close(); map.close();
    }
  });

  it('tracepoint: counts execve of /bin/true (at least the ones the test ran)', () => {
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.TRACEPOINT, [...countInto(map.fd), 'r0 = 0', 'exit']);
    const link = attachProgram(prog, attachOptionsForSection('tracepoint/syscalls/sys_enter_execve'));
    try {
      for (let i = 0; i < 4; i++) execFileSync('/bin/true');
      expect(lookupU64(map, 0)).toBeGreaterThanOrEqual(4n);
    } finally {
      link.close(); prog.close(); map.close();
    }
  });

  it('tracepoint: a missing tracepoint is a clear AttachError', () => {
    const prog = loadRaw(ProgType.TRACEPOINT, ['r0 = 0', 'exit']);
    try {
      expect(() => attachTracepoint(prog, 'syscalls', 'no_such_tp')).toThrow(/attach tracepoint syscalls\/no_such_tp: no such tracepoint/);
    } finally {
      prog.close();
    }
  });

  it('raw tracepoint: counts getppid (syscall 110 on x86-64) from sys_enter; pinned link survives close', () => {
    if (process.arch !== 'x64') return;
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    // r6 = ctx; args[1] of sys_enter is the syscall number.
    const prog = loadRaw(ProgType.RAW_TRACEPOINT, [
      'r6 = r1', ...onlyThisProcess(11), 'r1 = *(u64 *)(r6 + 8)', 'if r1 != 110 goto +9', ...countInto(map.fd), 'r0 = 0', 'exit',
    ]);
    const pin = `/sys/fs/bpf/tsbpf_test_link_${PID}`;
    try {
      const link = attachRawTracepoint(prog, 'sys_enter');
      getppidTimes(7);
      expect(lookupU64(map, 0)).toBe(7n);
      link.pin(pin);
      const shown = JSON.parse(run('bpftool', ['-j', 'link', 'show', 'pinned', pin])) as { type: string; prog_id: number };
      expect(shown.type).toBe('raw_tracepoint');
      link.close();
      getppidTimes(3); // still attached through the pin
      expect(lookupU64(map, 0)).toBe(10n);
      const again = Link.fromPin(pin);
      again.unpin(pin);
      again.close();
      getppidTimes(3);
      expect(lookupU64(map, 0)).toBe(10n);
    } finally {
      rmSync(pin, { force: true });
      prog.close(); map.close();
    }
  });

  describe('uprobes on a binary compiled by gcc', () => {
    let dir: string;
    let bin: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tsbpf-uprobe-'));
      bin = join(dir, 'target');
      writeFileSync(join(dir, 'target.c'), [
        '#include <stdlib.h>',
        '__attribute__((noinline)) int tsbpf_target(int x) { __asm__ volatile(""); return x * 2; }',
        'int main(int argc, char **argv) { int n = atoi(argv[1]), s = 0; for (int i = 0; i < n; i++) s += tsbpf_target(i); return s == -1; }',
      ].join('\n'));
      execFileSync('gcc', ['-O1', '-o', bin, join(dir, 'target.c')]);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('resolves the symbol to the same file offset as the symbol table and section headers (llvm-readelf)', () => {
      const syms = run('readelf', ['-Ws', bin]);
      const vaddr = BigInt(`0x${/\s([0-9a-f]+)\s+\d+\s+FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+tsbpf_target$/m.exec(syms)![1]}`);
      const secs = run('readelf', ['-WS', bin]);
      const text = /\]\s+\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(secs)!;
      const expected = Number(vaddr - BigInt(`0x${text[1]}`) + BigInt(`0x${text[2]}`));
      expect(symbolFileOffset(bin, 'tsbpf_target')).toBe(expected);
    });

    it('uprobe and uretprobe count every call of the function', () => {
      const map = createMap(MapType.ARRAY, 4, 8, 2);
      const entry = loadRaw(ProgType.KPROBE, [...countInto(map.fd, 0), 'r0 = 0', 'exit']);
      const ret = loadRaw(ProgType.KPROBE, [...countInto(map.fd, 1), 'r0 = 0', 'exit']);
      const l1 = attachUprobe(entry, { binary: bin, symbol: 'tsbpf_target' });
      const l2 = attachProgram(ret, attachOptionsForSection(`uretprobe/${bin}:tsbpf_target`));
      try {
        execFileSync(bin, ['13']);
        expect([lookupU64(map, 0), lookupU64(map, 1)]).toEqual([13n, 13n]);
        l1.close();
        execFileSync(bin, ['5']);
        expect([lookupU64(map, 0), lookupU64(map, 1)]).toEqual([13n, 18n]);
      } finally {
        l1.close(); l2.close(); entry.close(); ret.close(); map.close();
      }
    });

    it('a missing symbol is a clear AttachError', () => {
      const p = loadRaw(ProgType.KPROBE, ['r0 = 0', 'exit']);
      try {
        expect(() => attachUprobe(p, { binary: bin, symbol: 'nope' })).toThrow(/attach uprobe .*: .*no function symbol nope/);
      } finally {
        p.close();
      }
    });
  });

  it('uprobe on libc\'s getppid (a .dynsym symbol) for this process only counts exactly its calls', () => {
    const libc = '/lib/x86_64-linux-gnu/libc.so.6';
    if (process.arch !== 'x64') return;
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.KPROBE, [...countInto(map.fd), 'r0 = 0', 'exit']);
    const link = attachUprobe(prog, { binary: libc, symbol: 'getppid', pid: PID });
    try {
      getppidTimes(12);
      // Other processes calling getppid are not counted: the perf event is for this pid only.
      execFileSync('sh', ['-c', 'echo $PPID > /dev/null']);
      expect(lookupU64(map, 0)).toBe(12n);
    } finally {
      link.close(); prog.close(); map.close();
    }
  });

  it('uprobe on a library named without a path (libc.so.6:getppid) resolves it as the dynamic loader does', () => {
    if (process.arch !== 'x64') return;
    // The reference: ldconfig's cache entry for this architecture.
    const cache = run('ldconfig', ['-p']).split('\n').find((l) => /^\s*libc\.so\.6 \(libc6,x86-64\) => /.test(l));
    expect(cache).toBeDefined();
    expect(realpathSync(resolveBinaryPath('libc.so.6')!)).toBe(realpathSync(cache!.split('=> ')[1]!.trim()));
    // An executable along PATH, as `command -v` finds it; a missing name is undefined.
    expect(resolveBinaryPath('sh')).toBe(run('sh', ['-c', 'command -v sh']).trim());
    expect(resolveBinaryPath('libtsbpf-none.so.1')).toBeUndefined();
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.KPROBE, [...countInto(map.fd), 'r0 = 0', 'exit']);
    const link = attachUprobe(prog, { binary: 'libc.so.6', symbol: 'getppid', pid: PID });
    try {
      getppidTimes(7);
      expect(lookupU64(map, 0)).toBe(7n);
    } finally {
      link.close(); prog.close(); map.close();
    }
    expect(() => attachUprobe(prog, { binary: 'libtsbpf-none.so.1', symbol: 'f' })).toThrow(/attach uprobe libtsbpf-none\.so\.1:f: no 'libtsbpf-none\.so\.1' on the dynamic loader's search path/);
  });

  it('kprobe: attaches where the kernel has a kprobe PMU, and where it has none the error says so', () => {
    const hasKprobes = existsSync('/sys/bus/event_source/devices/kprobe/type');
    const p = loadRaw(ProgType.KPROBE, ['r0 = 0', 'exit']);
    try {
      let err: unknown;
      let link: Link | undefined;
      try {
        link = attachKprobe(p, { function: 'do_sys_openat2' });
      } catch (e) {
        err = e;
      }
      link?.close();
      if (hasKprobes) {
        expect(err).toBeUndefined();
      } else {
        expect(err).toBeInstanceOf(AttachError);
        expect((err as Error).message).toMatch(/^attach kprobe do_sys_openat2: this kernel has no kprobe support/);
      }
    } finally {
      p.close();
    }
  });

  describe('networking: veth pair with one end in a new netns', () => {
    const ns = `tsbpf_t${PID}`;
    const host = `tsv${PID % 100000}a`;
    const peer = `tsv${PID % 100000}b`;
    const PORT = 40000 + (PID % 20000);
    const portBE = ((PORT & 0xff) << 8) | (PORT >> 8);
    beforeAll(() => {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
      execFileSync('ip', ['link', 'set', peer, 'netns', ns]);
      execFileSync('ip', ['addr', 'add', '10.201.0.1/24', 'dev', host]);
      execFileSync('ip', ['link', 'set', host, 'up']);
      execFileSync('ip', ['-n', ns, 'addr', 'add', '10.201.0.2/24', 'dev', peer]);
      execFileSync('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    });
    afterAll(() => {
      spawnSync('ip', ['link', 'del', host]);
      spawnSync('ip', ['netns', 'del', ns]);
    });
    /** Sends n UDP datagrams from inside the netns to the host end. */
    const sendFromNs = (n: number): void => {
      const js = `const s=require('dgram').createSocket('udp4');let i=0;const f=()=>{if(i++===${n})return s.close();s.send('x',${PORT},'10.201.0.1',f)};f()`;
      execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', js]);
    };
    /** Counts IPv4/UDP packets to PORT; r2 = data, r3 = data_end already loaded. */
    const countPort = (retval: number): string[] => [
      'r4 = r2', 'r4 += 42', 'if r4 > r3 goto +11', 'r4 = *(u16 *)(r2 + 36)', `if r4 != ${portBE} goto +9`,
      ...countInto(0), `r0 = ${retval}`, 'exit',
    ];
    const withMap = (lines: string[], fd: number): string[] => lines.map((l) => l.replace('map_fd(0)', `map_fd(${fd})`));

    it('xdp: counts the UDP datagrams arriving on the host end', () => {
      const map = createMap(MapType.ARRAY, 4, 8, 1);
      const prog = loadRaw(ProgType.XDP, withMap(['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', ...countPort(2)], map.fd));
      const link = attachXdp(prog, host);
      try {
        sendFromNs(6);
        expect(lookupU64(map, 0)).toBe(6n);
        const shown = run('ip', ['-j', 'link', 'show', host]);
        expect(shown).toContain('"xdp"');
        link.close();
        sendFromNs(2);
        expect(lookupU64(map, 0)).toBe(6n);
        expect(run('ip', ['-j', 'link', 'show', host])).not.toContain('"xdp"');
        // Generic (skb) mode is what `ip` calls xdpgeneric; it counts the same traffic.
        const generic = attachXdp(prog, host, 'skb');
        expect(run('ip', ['-d', 'link', 'show', host])).toContain('xdpgeneric');
        sendFromNs(3);
        generic.close();
        expect(lookupU64(map, 0)).toBe(9n);
      } finally {
        link.close(); prog.close(); map.close();
      }
    });

    it('tcx ingress: counts the same datagrams, and bpftool lists the link', () => {
      const map = createMap(MapType.ARRAY, 4, 8, 1);
      const prog = loadRaw(ProgType.SCHED_CLS, withMap(['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', ...countPort(0)], map.fd),
        { expectedAttachType: AttachType.TCX_INGRESS });
      const link = attachTcx(prog, host, 'ingress');
      try {
        sendFromNs(4);
        expect(lookupU64(map, 0)).toBe(4n);
        // bpftool 7.1 predates tcx and may not name the type; the link's program id is enough.
        const links = JSON.parse(run('bpftool', ['-j', 'link', 'list'])) as { id: number; prog_id: number }[];
        expect(links.filter((l) => l.prog_id === programId(prog.fd))).toHaveLength(1);
        link.close();
        sendFromNs(2);
        expect(lookupU64(map, 0)).toBe(4n);
      } finally {
        link.close(); prog.close(); map.close();
      }
    });

    it('an unknown interface is a clear AttachError', () => {
      const prog = loadRaw(ProgType.XDP, ['r0 = 2', 'exit']);
      try {
        expect(() => attachXdp(prog, 'tsbpf_nope0')).toThrow('attach xdp tsbpf_nope0: no such network interface');
      } finally {
        prog.close();
      }
    });
  });

  it('cgroup skb egress: counts the datagrams a process in a new cgroup sends', () => {
    const cg = `/sys/fs/cgroup/unified/tsbpf_test_${PID}`;
    mkdirSync(cg);
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.CGROUP_SKB, [...countInto(map.fd), 'r0 = 1', 'exit'], { expectedAttachType: AttachType.CGROUP_INET_EGRESS });
    try {
      const link = attachCgroup(prog, cg, 'inet_egress');
      expect(run('bpftool', ['cgroup', 'show', cg])).toMatch(/cgroup_inet_egress|egress/);
      const js = `const s=require('dgram').createSocket('udp4');let i=0;const f=()=>{if(i++===9)return s.close();s.send('x',9,'127.0.0.1',f)};f()`;
      execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" -e "$1"`, process.execPath, js]);
      expect(lookupU64(map, 0)).toBe(9n);
      link.close();
      expect(run('bpftool', ['cgroup', 'show', cg]).trim()).toBe('');
    } finally {
      prog.close(); map.close();
      rmdirSync(cg);
    }
  });

  it('socket filter: counts the datagrams a UDP socket of this process receives', async () => {
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const prog = loadRaw(ProgType.SOCKET_FILTER, [...countInto(map.fd), 'r0 = -1', 'exit']);
    const rx = createSocket('udp4');
    const tx = createSocket('udp4');
    try {
      await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
      const fd = (rx as unknown as { _handle: { fd: number } })._handle.fd;
      const link = attachSocketFilter(prog, fd);
      let got = 0;
      const all = new Promise<void>((r) => rx.on('message', () => { if (++got === 5) r(); }));
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => tx.send('hello', rx.address().port, '127.0.0.1', () => r()));
      await all;
      expect(lookupU64(map, 0)).toBe(5n);
      link.close();
      expect(() => link.pin('/sys/fs/bpf/x')).toThrow(/not a bpf_link/);
    } finally {
      rx.close(); tx.close(); prog.close(); map.close();
    }
  });
});

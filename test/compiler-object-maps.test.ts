// tsbpf/lang maps of kernel objects in the kernel: a stack trace map that getStackid fills (the
// frames resolved through /proc/kallsyms are the test run's own syscall path), device, CPU and
// AF_XDP socket maps that redirectMap sends through (XDP_REDIRECT for a filled slot, the
// fallback action in flags for an empty one), a cgroup array that currentTaskUnderCgroup and
// skbUnderCgroup test (the cgroup2 root holds this process and the socket a tc test run gives
// the packet, a fresh child does not, an empty slot is -EAGAIN);
// libbpf (bpftool prog loadall) loads the same object; the mistakes tsc or the compiler catch.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireReferences, requireRoot } from './support/references.js';

const kernel = requireRoot();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-object-maps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const s64 = (b: Uint8Array | undefined): bigint => Buffer.from(b!).readBigInt64LE(0);
/** linux/errno.h. */
const EAGAIN = 11;
const XDP_DROP = 1, XDP_PASS = 2, XDP_REDIRECT = 4;

const SOURCE = `import { arrayMap, cgroupArray, cpuMap, currentTaskUnderCgroup, devMap, devMapHash, getStackid, rawTracepoint, redirectMap, skbUnderCgroup, stackTraceMap, tc, xdp, xskMap, type s64, type u32 } from 'tsbpf/lang';
export const stacks = stackTraceMap({ maxEntries: 16, depth: 20 });
export const devs = devMap({ maxEntries: 4 });
export const devsByIndex = devMapHash({ maxEntries: 4 });
export const cpus = cpuMap({ maxEntries: 4 });
export const socks = xskMap({ maxEntries: 4 });
export const cgroups = cgroupArray({ maxEntries: 3 });
export const out = arrayMap<s64>({ maxEntries: 4 });
export const cfg = arrayMap<u32>({ maxEntries: 2 });
export const trace = rawTracepoint('sys_enter', (ctx) => {
  out.update(0, getStackid(ctx, stacks, 0));
  out.update(1, currentTaskUnderCgroup(cgroups, 0));
  out.update(2, currentTaskUnderCgroup(cgroups, 1));
  out.update(3, currentTaskUnderCgroup(cgroups, 2));
  return 0;
});
export const redirect = xdp((pkt) => {
  const which = cfg.lookup(0)?.value ?? 0;
  const key = cfg.lookup(1)?.value ?? 0;
  if (which === 0) return redirectMap(devs, key, XDP_PASS) as u32;
  if (which === 1) return redirectMap(devsByIndex, key, XDP_DROP) as u32;
  if (which === 2) return redirectMap(cpus, key, XDP_PASS) as u32;
  return redirectMap(socks, key, XDP_PASS) as u32;
});
export const underCgroup = tc((pkt) => {
  out.update(1, skbUnderCgroup(pkt, cgroups, 0));
  out.update(2, skbUnderCgroup(pkt, cgroups, 1));
  out.update(3, skbUnderCgroup(pkt, cgroups, 2));
  return 0;
});
const XDP_PASS = 2;
const XDP_DROP = 1;
export const license = 'GPL';
`;

/** The kernel symbol each address falls in (root reads real addresses in /proc/kallsyms). */
function symbolize(addresses: readonly bigint[]): string[] {
  const syms = readFileSync('/proc/kallsyms', 'utf8').split('\n').flatMap((l) => {
    const [a, t, name] = l.split(/\s+/);
    return a !== undefined && name !== undefined && /^[tT]$/.test(t ?? '') ? [{ a: BigInt(`0x${a}`), name }] : [];
  }).sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
  return addresses.map((addr) => {
    let lo = 0, hi = syms.length - 1, best = '?';
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (syms[mid]!.a <= addr) { best = syms[mid]!.name; lo = mid + 1; } else hi = mid - 1; }
    return best;
  });
}

/** Where the cgroup2 hierarchy is mounted (/proc/self/mounts), if it is. */
function cgroup2Root(): string | undefined {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
}

describe.skipIf(!kernel)('maps of kernel objects in the kernel', () => {
  it('getStackid records the test run\'s kernel stack: the id it returns is the map\'s key, its frames the bpf syscall\'s path', () => {
    const c = loadObject(compileSource(ts, SOURCE, 'objects.ts').build(), { name: 'objects' });
    try {
      const run = (): bigint => { expect(testRun(c.programs.get('trace')!, { ctx: new Uint8Array(16) }).retval).toBe(0); return s64(c.maps.get('out')!.lookup(u32(0))); };
      const id = run();
      expect(id).toBeGreaterThanOrEqual(0n);
      const stacks = c.maps.get('stacks')!;
      expect([...stacks.keys()].map((k) => Buffer.from(k).readUInt32LE(0))).toEqual([Number(id)]);
      const value = Buffer.from(stacks.lookup(u32(Number(id)))!);
      expect(value.length).toBe(20 * 8);
      const frames = Array.from({ length: 20 }, (_, i) => value.readBigUInt64LE(i * 8));
      const depth = frames.indexOf(0n);
      expect(depth).toBeGreaterThan(2);
      expect(frames.slice(depth).every((f) => f === 0n)).toBe(true);
      const names = symbolize(frames.slice(0, depth));
      const at = names.indexOf('bpf_prog_test_run_raw_tp');
      expect(at, names.join(' ')).toBeGreaterThan(0);
      expect(names.slice(at).includes('__sys_bpf'), names.join(' ')).toBe(true);
      // The same stack again: the same id (the kernel hashes the frames).
      expect(run()).toBe(id);
    } finally { c.close(); }
  });

  it.skipIf(cgroup2Root() === undefined)('currentTaskUnderCgroup and skbUnderCgroup: 1 under the cgroup2 root, 0 under a child this process is not in, -EAGAIN for an empty slot', () => {
    const root = cgroup2Root()!;
    const child = join(root, `tsbpf-object-maps-${process.pid}`);
    mkdirSync(child);
    const fds = [openSync(root, 'r'), openSync(child, 'r')];
    const c = loadObject(compileSource(ts, SOURCE, 'objects.ts').build(), { name: 'objects' });
    try {
      const cgroups = c.maps.get('cgroups')!;
      fds.forEach((fd, i) => cgroups.update(u32(i), u32(fd)));
      expect(testRun(c.programs.get('trace')!, { ctx: new Uint8Array(16) }).retval).toBe(0);
      expect([1, 2, 3].map((k) => s64(c.maps.get('out')!.lookup(u32(k))))).toEqual([1n, 0n, BigInt(-EAGAIN)]);
      // skbUnderCgroup asks of the packet's socket: a tc test run's is one the kernel makes for this process.
      for (const k of [1, 2, 3]) c.maps.get('out')!.update(u32(k), Buffer.alloc(8, 0x7f));
      expect(testRun(c.programs.get('underCgroup')!, { data: new Uint8Array(64) }).retval).toBe(0);
      expect([1, 2, 3].map((k) => s64(c.maps.get('out')!.lookup(u32(k))))).toEqual([1n, 0n, BigInt(-EAGAIN)]);
    } finally { c.close(); fds.forEach((fd) => closeSync(fd)); rmdirSync(child); }
  });

  it('redirectMap: XDP_REDIRECT through a filled device or CPU slot, the fallback action in flags through an empty one', () => {
    const c = loadObject(compileSource(ts, SOURCE, 'objects.ts').build(), { name: 'objects' });
    try {
      // The loopback device (ifindex 1) in slot 1 of devs and under key 1 of devsByIndex; CPU 0 with a 64-frame queue.
      c.maps.get('devs')!.update(u32(1), u32(1));
      c.maps.get('devsByIndex')!.update(u32(1), u32(1));
      c.maps.get('cpus')!.update(u32(0), u32(64));
      const cfg = c.maps.get('cfg')!;
      const verdict = (which: number, key: number): number => {
        cfg.update(u32(0), u32(which)); cfg.update(u32(1), u32(key));
        return testRun(c.programs.get('redirect')!, { data: new Uint8Array(64) }).retval;
      };
      expect([verdict(0, 0), verdict(0, 1), verdict(0, 9), verdict(1, 0), verdict(1, 1), verdict(2, 0), verdict(2, 1), verdict(3, 0)])
        .toEqual([XDP_PASS, XDP_REDIRECT, XDP_PASS, XDP_DROP, XDP_REDIRECT, XDP_REDIRECT, XDP_PASS, XDP_PASS]);
    } finally { c.close(); }
  });

  it.skipIf(!requireReferences('bpftool'))('libbpf (bpftool prog loadall) loads the object and creates the maps as declared', () => {
    const o = join(dir, 'objects.o');
    writeFileSync(o, compileSource(ts, SOURCE, 'objects.ts').build());
    const pin = `/sys/fs/bpf/tsbpf-objects-${process.pid}`, maps = `${pin}-maps`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin, 'pinmaps', maps], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const show = (name: string): { type: string; bytes_key: number; bytes_value: number; max_entries: number } => JSON.parse(spawnSync('bpftool', ['-j', 'map', 'show', 'pinned', `${maps}/${name}`], { encoding: 'utf8' }).stdout);
      expect(['stacks', 'devs', 'devsByIndex', 'cpus', 'socks', 'cgroups'].map((n) => { const m = show(n); return [m.type, m.bytes_key, m.bytes_value, m.max_entries]; })).toEqual([
        ['stack_trace', 4, 160, 16], ['devmap', 4, 4, 4], ['devmap_hash', 4, 4, 4], ['cpumap', 4, 4, 4], ['xskmap', 4, 4, 4], ['cgroup_array', 4, 4, 3],
      ]);
    } finally { spawnSync('rm', ['-rf', pin, maps]); }
  });
});

describe('mistakes with maps of kernel objects: errors at the TypeScript line', () => {
  const HEAD = "import { cgroupArray, devMap, getStackid, rawTracepoint, redirectMap, stackTraceMap, xdp, type u32 } from 'tsbpf/lang';\nexport const stacks = stackTraceMap({ maxEntries: 4 });\nexport const cgroups = cgroupArray({ maxEntries: 4 });\nexport const devs = devMap({ maxEntries: 4 });\n";
  it('tsc: a cgroup array where getStackid takes a stack trace map, a stack trace map where redirectMap takes a device map', () => {
    const a = tscError(dir, `${HEAD}export const p = rawTracepoint('sys_enter', (ctx) => {\n  getStackid(ctx, cgroups, 0);\n  return 0;\n});\n`);
    expect(a.message).toMatch(/CgroupArray.*StackTraceMap/);
    expect(a.location.line).toBe(6);
    const b = tscError(dir, `${HEAD}export const p = xdp((pkt) => redirectMap(stacks, 0, 0) as u32);\n`);
    expect(b.message).toMatch(/StackTraceMap.*RedirectMap/);
    expect(b.location.line).toBe(5);
  });
  const cases: [string, string, number, RegExp][] = [
    ['a method on a stack trace map', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  stacks.lookup(0);\n  return 0;\n});", 6, /a stackTraceMap has no methods: pass it to getStackid\(ctx, map, flags\)/],
    ['getStackid with a device map (past tsc)', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  getStackid(ctx, devs, 0);\n  return 0;\n});", 6, /argument 2 of getStackid is a StackTraceMap \(stackTraceMap\(\)\)/],
    ['a stack deeper than the kernel records', "export const deep = stackTraceMap({ maxEntries: 4, depth: 128 });\nexport const p = xdp((pkt) => 2);", 5, /a stack trace map keeps 1 to 127 addresses per stack/],
    ['a value type on a device map', "export const d2 = devMap<u32>({ maxEntries: 4 });\nexport const p = xdp((pkt) => 2);", 5, /devMap takes no type arguments/],
    ['redirectMap outside XDP', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  redirectMap(devs, 0, 0);\n  return 0;\n});", 6, /redirectMap \(bpf_redirect_map\) cannot be called from a rawTracepoint program \(raw_tracepoint\); the kernel allows it in xdp/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

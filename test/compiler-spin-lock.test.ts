// tsbpf/lang spin locks in the kernel: a map value's SpinLock field (BTF struct bpf_spin_lock, as
// the verifier looks it up) that spinLock/spinUnlock take around updates of the value, run many
// times with BPF_PROG_TEST_RUN (the counts are exact); libbpf (bpftool) loads the same object; and
// the mistakes the verifier would refuse — a return or a call while holding the lock, a lock on
// the stack — are build errors at their line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { requireReferences, requireRoot } from './support/references.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-spin-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (n: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

const SOURCE = `import { arrayMap, hashMap, spinLock, spinUnlock, tc, type SpinLock, type u32, type u64 } from 'tsbpf/lang';
interface Totals { packets: u64; lock: SpinLock; bytes: u64; last: u32 }
export const totals = arrayMap<Totals>({ maxEntries: 1 });
export const byLength = hashMap<u32, Totals>({ maxEntries: 8 });
export const prog = tc((pkt) => {
  const t = totals.lookup(0);
  if (!t) return 0;
  spinLock(t.lock);
  t.packets += 1;
  t.bytes += pkt.length;
  t.last = pkt.length;
  spinUnlock(t.lock);
  const h = byLength.lookup(pkt.length);
  if (h) {
    spinLock(h.lock);
    h.packets += 1;
    spinUnlock(h.lock);
  }
  return 1;
});
export const license = 'GPL';
`;

describe.skipIf(!requireRoot())('spin locks in the kernel', () => {
  it('updates under the lock: exact counts after repeated test runs of two frame sizes', () => {
    const c = loadObject(compileSource(ts, SOURCE, 'locks.ts').build(), { name: 'locks' });
    try {
      const prog = c.programs.get('prog')!;
      c.maps.get('byLength')!.update(u32(64), Buffer.alloc(32));
      expect(testRun(prog, { data: new Uint8Array(64), repeat: 100 }).retval).toBe(1);
      expect(testRun(prog, { data: new Uint8Array(114), repeat: 30 }).retval).toBe(1);
      const t = Buffer.from(c.maps.get('totals')!.lookup(u32(0))!);
      // struct Totals: packets @0, lock @8, bytes @16, last @24.
      expect([t.readBigUInt64LE(0), t.readBigUInt64LE(16), t.readUInt32LE(24)]).toEqual([130n, 100n * 64n + 30n * 114n, 114]);
      expect(Buffer.from(c.maps.get('byLength')!.lookup(u32(64))!).readBigUInt64LE(0)).toBe(100n);
      expect(c.maps.get('byLength')!.lookup(u32(114))).toBeUndefined();
    } finally { c.close(); }
  });

  it.skipIf(!requireReferences('bpftool'))('bpftool (libbpf) loads the object: the value BTF has struct bpf_spin_lock', () => {
    const o = join(dir, 'locks.o');
    writeFileSync(o, compileSource(ts, SOURCE, 'locks.ts').build());
    const btf = spawnSync('bpftool', ['btf', 'dump', 'file', o, 'format', 'c'], { encoding: 'utf8' }).stdout;
    expect(btf).toMatch(/struct Totals \{\n\s+[\w ]+ packets;\n\s+struct bpf_spin_lock lock;/);
    const pin = `/sys/fs/bpf/tsbpf-locks-${process.pid}`;
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', o, pin], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally { spawnSync('rm', ['-rf', pin]); }
  });
});

describe('spin lock mistakes: errors at the TypeScript line', () => {
  const HEAD = `import { arrayMap, socketFilter, spinLock, spinUnlock, tc, zero, type SpinLock, type u32, type u64 } from 'tsbpf/lang';
interface V { lock: SpinLock; n: u64 }
export const m = arrayMap<V>({ maxEntries: 1 });
export const other = arrayMap<u64>({ maxEntries: 1 });
`;
  it('tsc: a lock field read as a number, an integer given to spinLock', () => {
    const a = tscError(dir, `${HEAD}export const p = socketFilter((pkt) => {\n  const v = m.lookup(0);\n  if (!v) return 0;\n  spinLock(v.n);\n  return 0;\n});\n`);
    expect(a.message).toMatch(/not assignable to parameter of type 'SpinLock'/);
    expect(a.location.line).toBe(8);
  });
  const cases: [string, string, number, RegExp][] = [
    ['a socket filter using a map with a lock (the kernel: "socket filter progs cannot use bpf_spin_lock yet")', 'export const p = socketFilter((pkt) => {\n  const v = m.lookup(0);\n  return 0;\n});', 6, /m's values hold a SpinLock: socket filter programs cannot use such a map/],
    ['a return while holding the lock', 'export const p = tc((pkt) => {\n  const v = m.lookup(0);\n  if (!v) return 0;\n  spinLock(v.lock);\n  if (v.n > 5) return 1;\n  spinUnlock(v.lock);\n  return 0;\n});', 9, /the spin lock taken at line 8 is still held on a path that returns here: spinUnlock it first/],
    ['a helper call under the lock', 'export const p = tc((pkt) => {\n  const v = m.lookup(0);\n  if (!v) return 0;\n  spinLock(v.lock);\n  other.update(0, v.n);\n  spinUnlock(v.lock);\n  return 0;\n});', 9, /a call while holding the spin lock taken at line 8: the verifier allows none before spinUnlock/],
    ['never unlocked', 'export const p = tc((pkt) => {\n  const v = m.lookup(0);\n  if (v) spinLock(v.lock);\n  return 0;\n});', 8, /the spin lock taken at line 7 is still held/],
    ['a lock on the stack', 'export const p = tc((pkt) => {\n  const v = zero<V>();\n  spinLock(v.lock);\n  spinUnlock(v.lock);\n  return 0;\n});', 7, /spinLock takes the lock of a map value \(a lookup's result\)/],
    ['a field of the lock', 'export const p = tc((pkt) => {\n  const v = m.lookup(0);\n  if (!v) return 0;\n  return (v.lock as never as { val: u32 }).val;\n});', 8, /./],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

// USDT (issue 16): a target of our own with <sys/sdt.h> probes (test/harness/usdt-target.c, built
// here with cc), its .note.stapsdt read as `readelf -n` shows it, its argument strings parsed into
// usdt.bpf.h's spec records, and fixtures/obj/usdt_args.bpf.o (libbpf's usdt.bpf.h, bpf_usdt_arg)
// attached to every call site: the values bpf_usdt_arg returns must be the ones the target passed
// (it prints them), for register, constant and memory operands of each width and sign; the
// semaphore must make the guarded probe fire. That the object loads with libbpf's xlated code is
// checked by loader-object.test.ts like every loadable fixture.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachOptionsForSection, attachUsdt, encodeUsdtSpec, loadObject, parseUsdtArgs, readUsdtNotes, USDT_SPECS_MAP } from '../loader/index.js';
import { inCI, requireReferences, requireRoot, run } from './support/references.js';

const OBJ = join(import.meta.dirname, '..', 'fixtures', 'obj', 'usdt_args.bpf.o');
// <sys/sdt.h> is Debian's systemtap-sdt-dev (.ci/install-references installs it with dtrace).
const hasSdt = ['/usr/include/sys/sdt.h', `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/sys/sdt.h`].some((p) => existsSync(p));
if (!hasSdt && inCI) throw new Error('CI=true requires <sys/sdt.h> (systemtap-sdt-dev)');
if (!hasSdt) console.warn('SKIP: <sys/sdt.h> missing (apt-get install systemtap-sdt-dev)');
const ok = requireReferences('cc', 'readelf') && hasSdt;
const live = ok && process.arch === 'x64' && requireRoot();
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-usdt-'));
const target = join(dir, 'usdt-target');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('USDT argument strings', () => {
  it('parses constants, registers and memory operands into pt_regs offsets, sizes and signs', () => {
    expect(parseUsdtArgs('-1@%dil 2@%si -4@%edx 8@%rcx -4@$42 -8@-16(%rbp) 4@0x10(%r9)')).toEqual([
      { kind: 'reg', value: 0n, regOffset: 112, signed: true, size: 1 },
      { kind: 'reg', value: 0n, regOffset: 104, signed: false, size: 2 },
      { kind: 'reg', value: 0n, regOffset: 96, signed: true, size: 4 },
      { kind: 'reg', value: 0n, regOffset: 88, signed: false, size: 8 },
      { kind: 'const', value: 42n, regOffset: 0, signed: true, size: 4 },
      { kind: 'reg_deref', value: -16n, regOffset: 32, signed: true, size: 8 },
      { kind: 'reg_deref', value: 16n, regOffset: 64, signed: false, size: 4 },
    ]);
    expect(parseUsdtArgs('-4@[sp, 12] 8@x3 -2@w30 4@-7', 'arm64').map((a) => [a.kind, a.value, a.regOffset, a.size])).toEqual([
      ['reg_deref', 12n, 248, 4], ['reg', 0n, 24, 8], ['reg', 0n, 240, 2], ['const', -7n, 0, 4]]);
    expect(parseUsdtArgs('')).toEqual([]);
    expect(() => parseUsdtArgs('3@%eax')).toThrow(/not SIZE@LOCATION/);
    expect(() => parseUsdtArgs('4@%xmm0')).toThrow(/unknown x64 register xmm0/);
    expect(() => parseUsdtArgs('-8@slot(%rip)')).toThrow(/is not a constant, a register or register plus displacement/);
    expect(() => parseUsdtArgs(Array(13).fill('4@$1').join(' '))).toThrow(/13 arguments, more than usdt\.bpf\.h's 12/);
  });

  it('round-trips random operands through the text form and the spec record', () => {
    const regs = ['rax', 'eax', 'ax', 'al', 'rdi', 'edi', 'dil', 'r8', 'r8d', 'r8w', 'r8b', 'r15', 'rbp', 'rsp'];
    fc.assert(fc.property(
      fc.constantFrom(1, 2, 4, 8), fc.boolean(), fc.constantFrom('const', 'reg', 'reg_deref'), fc.constantFrom(...regs),
      fc.bigInt({ min: -(1n << 31n), max: (1n << 31n) - 1n }),
      (size, signed, kind, reg, n) => {
        const loc = kind === 'const' ? `$${n}` : kind === 'reg' ? `%${reg}` : `${n}(%${reg})`;
        const [a] = parseUsdtArgs(`${signed ? '-' : ''}${size}@${loc}`);
        expect([a!.kind, a!.size, a!.signed]).toEqual([kind, size, signed]);
        if (kind !== 'reg') expect(a!.value).toBe(n);
        const rec = new DataView(encodeUsdtSpec([a!], 7n).buffer);
        expect([rec.getBigInt64(0, true), rec.getUint32(8, true), rec.getInt16(12, true), rec.getUint8(14), rec.getInt8(15)])
          .toEqual([a!.value, { const: 0, reg: 1, reg_deref: 2 }[kind], a!.regOffset, signed ? 1 : 0, 64 - size * 8]);
        expect([rec.getBigUint64(192, true), rec.getInt16(200, true)]).toEqual([7n, 1]);
      }), { numRuns: 300 });
  });

  it('reads usdt/PATH:PROVIDER:NAME sections; needs the object\'s spec map', () => {
    expect(() => attachOptionsForSection('usdt/bin/x:p:n')).toThrow(/needs the object's __bpf_usdt_specs map/);
    expect(() => attachOptionsForSection('usdt/nocolon')).toThrow(/expected usdt\/PATH:PROVIDER:NAME/);
  });
});

describe.skipIf(!ok)('USDT notes of a target built with <sys/sdt.h>', () => {
  beforeAll(() => { run('cc', ['-O2', '-Wall', '-o', target, join(import.meta.dirname, 'harness', 'usdt-target.c')]); });

  it('lists each probe as readelf -n does, with a file offset inside an executable segment and a semaphore', () => {
    const notes = readUsdtNotes(target);
    const shown = run('readelf', ['-n', target]);
    const want = [...shown.matchAll(/Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: 0x([0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: 0x([0-9a-f]+)\n\s+Arguments: ([^\n]*)/g)]
      .map((m) => ({ provider: m[1], name: m[2], address: BigInt(`0x${m[3]}`), args: m[5]!.trim(), sema: m[4] !== '0000000000000000' }));
    expect(want.map((w) => w.name)).toEqual(['args', 'memory', 'guarded']);
    expect(notes.map((n) => ({ provider: n.provider, name: n.name, address: n.address, args: n.args, sema: n.semaphoreOffset !== 0 }))).toEqual(want);
    // The .probes section holds the semaphores; their file offsets are inside it.
    const probes = /\.probes\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s*\n\s+([0-9a-f]+)/.exec(run('readelf', ['-SW', target]).replace(/ +/g, ' ').replace(/\[\s*\d+\] /g, ''));
    if (probes !== null) for (const n of notes) expect(n.semaphoreOffset).toBeGreaterThanOrEqual(Number.parseInt(probes[1]!, 16));
  });
});

describe.skipIf(!live)('USDT attach on the live kernel', () => {
  it('bpf_usdt_arg returns every argument as the probe passed it; the semaphore enables the guarded probe', async () => {
    run('cc', ['-O2', '-Wall', '-o', target, join(import.meta.dirname, 'harness', 'usdt-target.c')]);
    const c = loadObject(OBJ);
    const links = [];
    try {
      const specs = c.map(USDT_SPECS_MAP);
      links.push(attachUsdt(c.program('on_args'), specs, { binary: target, provider: 'tsbpf_test', name: 'args', cookie: 0xabcdefn }));
      // The section form, as `tsbpf load --attach` and skeletons use it.
      const opts = attachOptionsForSection(`usdt/${target}:tsbpf_test:memory`, { maps: (n) => c.maps.get(n) });
      expect(opts).toMatchObject({ kind: 'usdt', binary: target, provider: 'tsbpf_test', name: 'memory' });
      links.push(attachUsdt(c.program('on_memory'), specs, { binary: target, provider: 'tsbpf_test', name: 'memory' }));
      links.push(attachUsdt(c.program('on_guarded'), specs, { binary: target, provider: 'tsbpf_test', name: 'guarded' }));
      const child = spawn(target, ['3'], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stdin.end('go\n');
      await new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const lines = out.trim().split('\n').map((l) => l.split(' '));
      expect(lines).toHaveLength(3);
      const last = lines[2]!;
      // The target saw its semaphore raised while the probes were attached.
      expect(Number(last[7])).toBeGreaterThan(0);
      const bss = c.map('.bss').lookup(new Uint8Array(4))!;
      const vars = new Map(c.object.globals.find((g) => g.name === '.bss')!.variables.map((v) => [v.name, v.offset]));
      const dv = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
      const long = (name: string, i = 0): bigint => dv.getBigInt64(vars.get(name)! + i * 8, true);
      expect(long('args_hits')).toBe(3n);
      expect(long('args_count')).toBe(6n);
      expect(long('args_cookie')).toBe(0xabcdefn);
      // a (s8), b (u16), c (s32), d (u64, read back as a long), 42, m (s32): the last firing.
      const d = BigInt.asIntN(64, BigInt(last[3]!));
      expect([0, 1, 2, 3, 4, 5].map((i) => long('args_seen', i))).toEqual([BigInt(last[0]!), BigInt(last[1]!), BigInt(last[2]!), d, 42n, BigInt(last[4]!)]);
      expect([long('memory_seen', 0), long('memory_seen', 1)]).toEqual([BigInt(last[5]!), BigInt(last[6]!)]);
      expect(long('guarded_seen')).toBe(d);
    } finally {
      for (const l of links) l.close();
      c.close();
    }
  });
});

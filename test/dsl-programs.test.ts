// Program structure in the kernel: several programs per object, static and global bpf-to-bpf
// functions (BTF FUNC + func_info), bpf_loop callbacks, bounded loops, if/else, stack slots,
// byte order and tail calls through a prog array initialised in .maps. Each program runs with
// BPF_PROG_TEST_RUN (bpftool prog run) and its return value is checked.

import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { asm, constVar, defineObject, enumType, fn, globalVar, progArrayMap, program, R0, R1, R2, s32, struct, u32, u64 } from '../src/dsl/index.js';
import { run } from './support/references.js';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { bpftoolJson, kernelAvailable, loadAll, tempDir, writeTemp } from './support/dsl-kernel.js';

const dir = tempDir('tsbpf-dsl-progs-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sum_to(n) = 0 + 1 + … + (n-1), with a bounded loop. */
const sumTo = fn('sum_to', { params: 1 }, (b) => {
  const n = b.let(b.param(0));
  const acc = b.let(0);
  b.loop(n, (i) => {
    b.if(i, '==', 100, () => b.break());
    b.emit(asm.add(acc, i));
  });
  b.return(acc);
});
/** twice(x) = 2x; global: verified on its own. */
const twice = fn('twice', { params: 1, linkage: 'global' }, (b) => {
  b.set(R0, b.param(0)).emit(asm.lsh(R0, 1));
  b.return(R0);
});
/** bpf_loop callback: *(u64 *)ctx += index. */
const addIndex = fn('add_index', { params: 2 }, (b) => {
  b.load(8, R0, b.param(1));
  b.emit(asm.add(R0, b.param(0)));
  b.store(8, b.param(1), 0, R0);
  b.return(0);
});

const counter = globalVar(u64, 5n);
const lastLimit = globalVar(u32);
const limit = constVar(u32, 10);

const jumps = progArrayMap({ maxEntries: 4, values: ['tail_target'] });

const obj = defineObject({
  license: 'GPL',
  maps: { jumps },
  globals: { counter, lastLimit, limit },
  programs: {
    globals: program('socket', (b) => {
      const p = b.let(counter);
      b.atomicAdd(8, p, 0, 1); // .data: counter += 1
      b.set(R1, limit).load(4, R0, R1); // .rodata
      b.set(R1, lastLimit).store(4, R1, 0, R0); // .bss
      b.return(R0);
    }),
    calls: program('socket', (b) => {
      b.callFunction(sumTo, 10); // 45
      b.callFunction(twice, R0); // 90
      const r = b.let(R0);
      const acc = b.local('acc', 8, 0);
      b.bpfLoop(5, addIndex, acc); // acc = 10
      b.load(8, R0, acc);
      b.emit(asm.add(R0, r)); // 100
      b.return(R0);
    }),
    branches: program('socket', (b) => {
      const x = b.let(-5);
      b.if(x, 's<', 0, () => { b.emit(asm.neg(x)); }, () => { b.set(x, 1000); });
      // x = 5
      b.set(R1, 0x1234).ntohs(R1); // 0x3412
      b.if(R1, '==', 0x3412, () => b.emit(asm.add(x, 10)), () => b.emit(asm.add(x, 20)));
      b.if(x, '&', 0x10, () => b.emit(asm.add(x, 100)));
      b.return(x); // 15 has bit 4 clear: 15
    }),
    tail_src: program('socket', (b) => {
      b.helpers.bpf_tail_call(b.ctx, jumps, 0);
      b.return(1);
    }),
    tail_target: program('socket', (b) => { b.set(R2, 7); b.return(R2); }),
  },
});

const ok = kernelAvailable();
describe('program structure', () => {
  it('emits .text functions with BTF FUNC linkage and func_info', () => {
    const o = readObject(obj.build());
    const byName = new Map(o.programs.map((p) => [p.name, p]));
    expect(byName.get('sum_to')).toMatchObject({ section: '.text', subprogram: true, binding: 'local' });
    expect(byName.get('twice')).toMatchObject({ section: '.text', subprogram: true, binding: 'global' });
    expect(byName.get('calls')).toMatchObject({ section: 'socket', subprogram: false, programType: { type: 'socket_filter' } });
    for (const p of o.programs) {
      const f = o.btf!.requireType(p.funcInfo!);
      expect(f).toMatchObject({ kind: 'FUNC', name: p.name, linkage: p.binding === 'local' ? 'static' : 'global' });
    }
    expect(o.maps[0]).toMatchObject({ name: 'jumps', type: 3, values: ['tail_target'] });
  });
  it.skipIf(!ok)('runs in the kernel with the expected return values', () => {
    const file = writeTemp(dir, 'progs.o', obj.build());
    const loaded = loadAll(file);
    try {
      const input = writeTemp(dir, 'pkt.bin', new Uint8Array(64));
      const runProg = (name: string): number =>
        (bpftoolJson(['prog', 'run', 'pinned', `${loaded.pin}/${name}`, 'data_in', input, 'repeat', '1']) as { retval: number }).retval;
      expect(runProg('calls')).toBe(100);
      expect(runProg('branches')).toBe(15);
      expect(runProg('tail_target')).toBe(7);
      expect(runProg('tail_src')).toBe(7);
      expect(runProg('globals')).toBe(10);
      expect(runProg('globals')).toBe(10);
      const pins = readdirSync(loaded.maps);
      const dump = (suffix: RegExp): string => JSON.stringify(bpftoolJson(['map', 'dump', 'pinned', `${loaded.maps}/${pins.find((n) => suffix.test(n))!}`]));
      expect(dump(/[._]data$/)).toContain('"counter":7');
      expect(dump(/[._]bss$/)).toContain('"lastLimit":10');
    } finally { loaded.cleanup(); }
  });
});

describe('CO-RE constants', () => {
  // Local views: task_struct.tgid exists in the kernel; a field named no_such_field does not.
  const task = struct('task_struct', { tgid: s32, no_such_field: u64 });
  const missing = struct('no_such_struct___tsbpf', { x: u32 });
  const mapType = enumType('bpf_map_type', { BPF_MAP_TYPE_HASH: 1, BPF_MAP_TYPE_RINGBUF: 99 });
  const core = defineObject({
    license: 'GPL',
    programs: {
      // Each program returns one relocated constant; libbpf computes it from the kernel's BTF.
      tgid_exists: program('socket', (b) => { b.coreField(R0, 'field_exists', task, 'tgid').return(R0); }),
      bogus_exists: program('socket', (b) => { b.coreField(R0, 'field_exists', task, 'no_such_field').return(R0); }),
      tgid_size: program('socket', (b) => { b.coreField(R0, 'field_byte_size', task, 'tgid').return(R0); }),
      type_missing: program('socket', (b) => { b.coreType(R0, 'type_exists', missing).return(R0); }),
      ringbuf_value: program('socket', (b) => { b.coreEnumValue(R0, 'enumval_value', mapType, 'BPF_MAP_TYPE_RINGBUF').return(R0); }),
    },
  });
  it.skipIf(!ok)('are relocated by libbpf to the running kernel\'s values', () => {
    const file = writeTemp(dir, 'core.o', core.build());
    const loaded = loadAll(file);
    try {
      const input = writeTemp(dir, 'pkt2.bin', new Uint8Array(64));
      const runProg = (name: string): number =>
        (bpftoolJson(['prog', 'run', 'pinned', `${loaded.pin}/${name}`, 'data_in', input, 'repeat', '1']) as { retval: number }).retval;
      expect(runProg('tgid_exists')).toBe(1);
      expect(runProg('bogus_exists')).toBe(0);
      // pid_t tgid: 4 bytes in the kernel's BTF too.
      expect(runProg('tgid_size')).toBe(4);
      expect(runProg('type_missing')).toBe(0);
      // The kernel's enum bpf_map_type says RINGBUF = 27, not the local 99.
      const raw = run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw']);
      const kernelValue = Number(/'BPF_MAP_TYPE_RINGBUF' val=(\d+)/.exec(raw)![1]);
      expect(runProg('ringbuf_value')).toBe(kernelValue);
    } finally { loaded.cleanup(); }
  });
});

describe('bpf_printk with more than three arguments', () => {
  it.skipIf(!ok)('goes through bpf_trace_vprintk and prints every value', () => {
    const tag = process.pid;
    const obj = defineObject({
      license: 'GPL',
      programs: {
        say: program('socket', (b) => {
          const x = b.let(42);
          b.printk('tsbpf-vprintk %d %d %d %d %llx', tag, x, 3, -4, 0x1234567890n);
          b.return(0);
        }),
      },
    });
    const file = writeTemp(dir, 'vprintk.o', obj.build());
    const loaded = loadAll(file);
    const inst = `/sys/kernel/tracing/instances/tsbpf-dsl-vp-${process.pid}`;
    mkdirSync(inst);
    try {
      writeFileSync(`${inst}/events/bpf_trace/bpf_trace_printk/enable`, '1');
      const input = writeTemp(dir, 'pkt3.bin', new Uint8Array(64));
      bpftoolJson(['prog', 'run', 'pinned', `${loaded.pin}/say`, 'data_in', input, 'repeat', '1']);
      expect(readFileSync(`${inst}/trace`, 'utf8')).toContain(`tsbpf-vprintk ${tag} 42 3 -4 1234567890`);
    } finally {
      writeFileSync(`${inst}/events/bpf_trace/bpf_trace_printk/enable`, '0');
      rmdirSync(inst);
      loaded.cleanup();
    }
  });
});

// struct_ops maps from the DSL (structOps(…) in defineObject({ maps })): examples/register-level/tcp-cc.ts, the
// TypeScript port of fixtures/src/struct_ops_tcp_cc.bpf.c, against the clang-19 object (the same
// .struct_ops section, relocations, bytes and BTF shape as llvm-readelf-19 and bpftool read them),
// then in the kernel: registered by libbpf (`bpftool struct_ops register`) and by tsbpf's loader
// (a map update, and a bpf_link for `.struct_ops.link`), it is listed in
// tcp_available_congestion_control, runs for a loopback connection that selects it (acks_seen in
// .bss grows) and is gone after unregistering. Bad declarations fail at tsc (@ts-expect-error,
// npm test runs tsc over test/) and with a DslError at build time; `tsbpf build` prints one line.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { loadObject } from '../loader/index.js';
import fc from 'fast-check';
import {
  array, BtfBuilder, char, constOf, type CType, defineObject, DslError, enumType, funcPtr, fwd, program, ptr, s32, s64, struct, structOps, type StructType,
  typedef, u32, u64, u8, void_,
} from '../src/index.js';
import { tcp_congestion_ops } from '../examples/kernel/tcp-cc-types.js';
import { tcpCongestionControl } from '../examples/register-level/tcp-cc.js';
import { canonical, cDefinition, clangBtf, idByName } from './support/c-types.js';
import { kernelAvailable, tempDir, writeTemp } from './support/dsl-kernel.js';
import { requireReferences, run } from './support/references.js';
import { transferWithCongestionControl } from './support/tcp-transfer.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLANG_OBJ = join(ROOT, 'fixtures', 'obj', 'struct_ops_tcp_cc.bpf.o');
const dir = tempDir('tsbpf-dsl-struct-ops-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const available = (): string[] => readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);


/** One section header line of `llvm-readelf -S`: type, flags, alignment, size. */
function sectionOf(file: string, name: string): { type: string; size: number; flags: string; align: number } {
  for (const line of run('llvm-readelf-19', ['-S', '-W', file]).split('\n')) {
    const m = /\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)\s+\d+\s+\d+\s+(\d+)$/.exec(line);
    if (m !== null && m[1] === name) return { type: m[2]!, size: parseInt(m[3]!, 16), flags: m[4]!, align: Number(m[5]) };
  }
  throw new Error(`${file}: no section ${name}`);
}

/** Relocations of one relocation section as `llvm-readelf -r` prints them: offset, type, symbol. */
function relocationsOf(file: string, section: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const line of run('llvm-readelf-19', ['-r', '-W', file]).split('\n')) {
    if (line.startsWith('Relocation section')) { inside = line.includes(`'${section}'`); continue; }
    const m = /^([0-9a-f]{16})\s+[0-9a-f]+\s+(\S+)\s+[0-9a-f]+\s+(\S+)/.exec(line);
    if (inside && m !== null) out.push(`${parseInt(m[1]!, 16)} ${m[2]} ${m[3]}`);
  }
  return out;
}

interface BtfLine { kind: string; name: string; head: string; body: string[] }
/** `bpftool btf dump file` parsed: id → record (head line and indented member lines). */
function btfDump(file: string): Map<number, BtfLine> {
  const types = new Map<number, BtfLine>();
  let cur: BtfLine | undefined;
  for (const line of run('bpftool', ['btf', 'dump', 'file', file]).split('\n')) {
    const m = /^\[(\d+)\] (\S+) '([^']*)'(.*)$/.exec(line);
    if (m !== null) { cur = { kind: m[2]!, name: m[3]!, head: m[4]!, body: [] }; types.set(Number(m[1]), cur); } else if (line.startsWith('\t') && cur !== undefined) cur.body.push(line.trim());
  }
  return types;
}
const typeId = (s: string): number => Number(/type_id=(\d+)/.exec(s)![1]);
/**
 * A type as text: kinds down to a named type (`PTR INT 'unsigned long long'`), a function
 * prototype with its return and parameter types; a struct and its forward declaration read alike.
 */
function chain(types: Map<number, BtfLine>, id: number): string {
  const t = types.get(id);
  if (t === undefined) return 'void';
  if (t.kind === 'PTR' || t.kind === 'CONST' || t.kind === 'VOLATILE') return `${t.kind} ${chain(types, typeId(t.head))}`;
  if (t.kind === 'TYPEDEF') return `TYPEDEF '${t.name}' ${chain(types, typeId(t.head))}`;
  if (t.kind === 'FUNC_PROTO') {
    const ret = Number(/ret_type_id=(\d+)/.exec(t.head)![1]);
    return `FUNC_PROTO(${[ret, ...t.body.map(typeId)].map((x) => chain(types, x)).join(', ')})`;
  }
  if (t.kind === 'FWD' || t.kind === 'STRUCT' || t.kind === 'UNION') return `${t.kind === 'UNION' || /fwd_kind=union/.test(t.head) ? 'union' : 'struct'} '${t.name}'`;
  // pahole names integers as gcc does ('long unsigned int'), clang as C spells them ('unsigned long').
  if (t.kind === 'INT') return `INT '${t.name.split(' ').filter((w, _, all) => w !== 'int' || all.length === 1).sort().join(' ')}'`;
  return `${t.kind} '${t.name}'`;
}
function findType(types: Map<number, BtfLine>, kind: string, name: string): BtfLine {
  const t = [...types.values()].find((x) => x.kind === kind && x.name === name);
  if (t === undefined) throw new Error(`no ${kind} '${name}'`);
  return t;
}

describe.skipIf(!requireReferences('llvm-readelf-19', 'bpftool'))('struct_ops maps against clang-19 (no kernel calls)', () => {
  const dsl = writeTemp(dir, 'tcp-cc.o', tcpCongestionControl('tsbpf_cc').build());

  it('has the .struct_ops section, relocations and initial bytes of the clang object', () => {
    const ours = sectionOf(dsl, '.struct_ops');
    const theirs = sectionOf(CLANG_OBJ, '.struct_ops');
    expect(ours).toEqual(theirs);
    expect(ours.size).toBe(tcp_congestion_ops.size);
    const relocs = relocationsOf(dsl, '.rel.struct_ops');
    expect(relocs).toEqual(relocationsOf(CLANG_OBJ, '.rel.struct_ops'));
    expect(relocs).toHaveLength(4);
    // The bytes (the name member, every other byte zero) and the symbol of the variable.
    const a = readObject(readFileSync(dsl)).structOps![0]!.maps[0]!;
    const b = readObject(readFileSync(CLANG_OBJ)).structOps![0]!.maps[0]!;
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect({ ...a, btfVar: 0, data: 0 }).toEqual({ ...b, btfVar: 0, data: 0 });
    const sym = (f: string): string | undefined => run('llvm-readelf-19', ['-s', '-W', f]).split('\n').find((l) => / tsbpf_cc$/.test(l))?.replace(/^\s*\d+:/, '');
    expect(sym(dsl)).toBe(sym(CLANG_OBJ));
  });

  it('reads and writes tcp_sock with the CO-RE relocations clang-19 emits through vmlinux.h (coreLoad/coreStore)', () => {
    // Per program, the distinct `kind type access` of its CO-RE records (clang may share one
    // record between a load and a store of the same field; the set of fields relocated is the same).
    const records = (f: string): Record<string, string[]> => {
      const obj = readObject(readFileSync(f));
      const btf = obj.btf!;
      return Object.fromEntries(obj.programs.map((p) => [p.name, [...new Set(p.instructions.flatMap((i) => (i.coreRelocations ?? [])
        .map((r) => `${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)}`)))].sort()]));
    };
    const ours = records(dsl);
    expect(ours).toEqual(records(CLANG_OBJ));
    expect(ours.tsbpf_cc_cong_avoid!.length).toBeGreaterThanOrEqual(3);
    // Every store into tcp_sock carries its relocation (a store without one would not move with the layout).
    const obj = readObject(readFileSync(dsl));
    const stores = obj.programs.find((p) => p.name === 'tsbpf_cc_cong_avoid')!.instructions.filter((i) => (i.insn.kind === 'st' || i.insn.kind === 'stx') && i.insn.dst === 2);
    expect(stores.length).toBeGreaterThanOrEqual(3);
    for (const st of stores) expect(st.coreRelocations?.map((r) => r.kind)).toEqual(['field_byte_offset']);
  });

  it('tsbpf build examples/register-level/tcp-cc.ts writes the same .struct_ops section', () => {
    const out = join(dir, 'tcp-cc-cli.o');
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'build', join(ROOT, 'examples', 'register-level', 'tcp-cc.ts'), '-o', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(sectionOf(out, '.struct_ops')).toEqual(sectionOf(CLANG_OBJ, '.struct_ops'));
    expect(relocationsOf(out, '.rel.struct_ops')).toEqual(relocationsOf(CLANG_OBJ, '.rel.struct_ops'));
  });

  it('has the BTF libbpf reads: VAR in a .struct_ops DATASEC, program slots as function pointers, BPF_PROG ctx', () => {
    const ours = btfDump(dsl);
    const theirs = btfDump(CLANG_OBJ);
    for (const types of [ours, theirs]) {
      const sec = findType(types, 'DATASEC', '.struct_ops');
      // clang-19 leaves DATASEC sizes 0 for libbpf to fill in from the section; ours are final.
      expect(sec.head.trim()).toBe(`size=${types === ours ? tcp_congestion_ops.size : 0} vlen=1`);
      expect(sec.body[0]).toMatch(new RegExp(`offset=0 size=${tcp_congestion_ops.size} \\(VAR 'tsbpf_cc'\\)$`));
      const v = types.get(typeId(sec.body[0]!))!;
      expect(v.head).toContain('linkage=global');
      const st = types.get(typeId(v.head))!;
      expect(`${st.kind} ${st.name}`).toBe('STRUCT tcp_congestion_ops');
    }
    const members = (types: Map<number, BtfLine>): { name: string; offset: string; type: string }[] =>
      findType(types, 'STRUCT', 'tcp_congestion_ops').body.map((l) => {
        const m = /^'(\w+)' type_id=(\d+) bits_offset=(\d+)/.exec(l)!;
        return { name: m[1]!, offset: m[3]!, type: chain(types, Number(m[2])) };
      });
    // Every member (function pointers with the kernel's prototypes, from gen-ts) as clang declares it.
    const mine = members(ours);
    expect(mine).toEqual(members(theirs));
    expect(mine.find((m) => m.name === 'cong_avoid')!.type)
      .toBe("PTR FUNC_PROTO(void, PTR struct 'sock', TYPEDEF 'u32' TYPEDEF '__u32' INT 'unsigned', TYPEDEF 'u32' TYPEDEF '__u32' INT 'unsigned')");
    expect(mine.filter((m) => m.type.startsWith('PTR FUNC_PROTO'))).toHaveLength(13);
    // Each program's FUNC is a BPF_PROG function: its slot's return type (clang's source spells
    // `__u32` where the kernel's prototype says `u32`: compared without typedefs) and `unsigned long long *ctx`.
    for (const p of ['init', 'ssthresh', 'cong_avoid', 'undo_cwnd']) {
      const proto = (types: Map<number, BtfLine>): string => {
        const id = typeId(findType(types, 'FUNC', `tsbpf_cc_${p}`).head);
        expect(types.get(id)!.body.map((l) => /^'(\w+)'/.exec(l)![1])).toEqual(['ctx']);
        return chain(types, id).replace(/TYPEDEF '\w+' /g, '');
      };
      expect(proto(ours)).toBe(proto(theirs));
      expect(proto(ours)).toMatch(/^FUNC_PROTO\((void|INT 'unsigned'), PTR INT 'long long unsigned'\)$/);
    }
  });
});

describe.skipIf(!requireReferences('clang-19'))('function pointer descriptors', () => {
  it('emit the BTF clang-19 emits for the same C declarations', () => {
    const sk = fwd('sock');
    const state = enumType('ca_state', { OPEN: 0, LOSS: 4 });
    const ops = struct('fp_ops', {
      f: funcPtr(void_, [ptr(sk)]), g: funcPtr(typedef('__u32', u32), [ptr(sk), u32, s32]), h: funcPtr(s64, []),
      i: funcPtr(u8, [ptr(constOf(sk)), state, ptr(funcPtr(s32, [u64]).target)]), n: array(char, 16),
    });
    const c = `struct sock;\nenum ca_state { OPEN = 0, LOSS = 4 };\ntypedef unsigned int __u32;\n${cDefinition(ops)}struct fp_ops g;\n`;
    const theirs = clangBtf(c);
    const b = new BtfBuilder();
    const id = b.add(ops);
    expect(canonical(b.build(), id)).toBe(canonical(theirs, idByName(theirs, 'fp_ops')));
    expect(() => struct('bad', { f: funcPtr(s32, []).target })).toThrow(/only a pointer's target/);
  });
});

describe('bad struct_ops declarations', () => {
  const ok = program('struct_ops/ok', (b) => b.return(0));
  const build = (maps: Parameters<typeof defineObject>[0]['maps'], programs: Record<string, ReturnType<typeof program>> = { ok }): (() => unknown) =>
    () => defineObject({ license: 'GPL', maps, programs }).toBpfObject();

  it('are refused by tsc and by the build with a DslError naming the member', () => {
    // @ts-expect-error no such member
    const unknown = structOps(tcp_congestion_ops, { ssthreshold: ok });
    expect(build({ cc: unknown })).toThrow(DslError);
    expect(build({ cc: unknown })).toThrow(/struct_ops map 'cc': struct tcp_congestion_ops has no member 'ssthreshold'/);
    // @ts-expect-error a program in a data member
    const inData = structOps(tcp_congestion_ops, { flags: ok });
    expect(build({ cc: inData })).toThrow(/member 'flags' is not a function pointer/);
    // @ts-expect-error a program in a pointer member that is not a function pointer
    const inOwner = structOps(tcp_congestion_ops, { owner: ok });
    expect(build({ cc: inOwner })).toThrow(/member 'owner' is not a function pointer/);
    const xdp = program('xdp', (b) => b.return(0));
    // @ts-expect-error a program of another program type
    const wrongType = structOps(tcp_congestion_ops, { init: xdp });
    expect(build({ cc: wrongType }, { xdp })).toThrow(/member 'init': program of section 'xdp' is not a struct_ops program/);
    // @ts-expect-error a number where a program belongs
    const number = structOps(tcp_congestion_ops, { init: 1 });
    expect(build({ cc: number })).toThrow(/member 'init' is a function pointer: give it a program/);
    // @ts-expect-error a value of the wrong type
    const badValue = structOps(tcp_congestion_ops, { name: 42 });
    expect(build({ cc: badValue })).toThrow(/member 'name': /);
    expect(build({ cc: structOps(tcp_congestion_ops, { name: 'x'.repeat(17) }) })).toThrow(/member 'name': string of 17 bytes does not fit char\[16\]/);
    // Only tsc-unchecked mistakes left: a program that is not in the object.
    const other = program('struct_ops/other', (b) => b.return(0));
    expect(build({ cc: structOps(tcp_congestion_ops, { init: other }) })).toThrow(/member 'init': its program is not in defineObject\(\{ programs \}\)/);
    // The error names the line of the structOps() call.
    try { build({ cc: unknown })(); } catch (e) { expect((e as DslError).location?.file).toMatch(/dsl-struct-ops\.test\.ts$/); }
  });

  it('needs a named struct type; a hand-written descriptor works as a generated one', () => {
    const anon = struct('', { f: funcPtr(s32, []) });
    expect(build({ cc: structOps(anon, { f: ok }) })).toThrow(/struct type must be named/);
    const ops = struct('my_ops', { f: funcPtr(void_, [ptr(u32)]), g: funcPtr(s32, [u32]), n: u32, data: ptr(void_) });
    // @ts-expect-error a `void *` member is data, not a function pointer
    expect(build({ cc: structOps(ops, { data: ok }) })).toThrow(/member 'data' is not a function pointer/);
    expect(build({ ok: structOps(ops, { g: ok }) })).toThrow(/struct_ops map 'ok': a program, map or global variable has the same name/);
    const obj = build({ cc: structOps(ops, { g: ok, n: 7 }, { link: true }) })() as ReturnType<ReturnType<typeof defineObject>['toBpfObject']>;
    expect(obj.structOps).toEqual([{
      name: '.struct_ops.link', align: 8, size: 32,
      maps: [{ name: 'cc', binding: 'global', offset: 0, size: 32, btfVar: expect.any(Number), structName: 'my_ops', data: Uint8Array.from([...new Array(16).fill(0), 7, ...new Array(15).fill(0)]), pointers: [{ offset: 8, member: 'g', program: 'ok' }] }],
    }]);
  });

  it('tsbpf build prints one line naming the structOps() call and exits 2', () => {
    const src = join(dir, 'bad-cc.ts');
    writeFileSync(src, [
      `import { defineObject, program, structOps } from ${JSON.stringify(join(ROOT, 'src', 'index.js'))};`,
      `import { tcp_congestion_ops } from ${JSON.stringify(join(ROOT, 'examples', 'kernel', 'tcp-cc-types.js'))};`,
      "const init = program('kprobe/tcp_init', (b) => b.return(0));",
      'export default defineObject({ license: \'GPL\', programs: { init }, maps: {',
      '  cc: structOps(tcp_congestion_ops, { init: init as never, name: \'bad\' }),',
      '} });',
      '',
    ].join('\n'));
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'build', src, '-o', join(dir, 'bad-cc.o')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad-cc\.ts:5:\d+: error: struct_ops map 'cc': member 'init': program of section 'kprobe\/tcp_init' is not a struct_ops program/);
  });
});

/** Id of the registered struct_ops map whose congestion control is called `name` (bpftool struct_ops dump). */
function registeredId(name: string): number | undefined {
  for (const m of JSON.parse(run('bpftool', ['-j', 'struct_ops', 'show'])) as { id: number }[]) {
    if (run('bpftool', ['-j', 'struct_ops', 'dump', 'id', String(m.id)]).includes(`"name":"${name}"`)) return m.id;
  }
  return undefined;
}

describe.skipIf(!kernelAvailable('python3'))('struct_ops maps in the kernel', () => {
  const acks = (c: ReturnType<typeof loadObject>): number => {
    const bss = c.map('.bss');
    return (bss.decodeValue(bss.lookup(new Uint8Array(4))!) as { acks_seen: number }).acks_seen;
  };
  /** Registers the loaded map: listed, run by a connection (acks counted), gone once its Link is closed. */
  const registerRunAndClose = (c: ReturnType<typeof loadObject>, name: string, viaBpfLink: boolean): void => {
    const link = c.registerStructOps('tsbpf_cc');
    try {
      if (viaBpfLink) expect(link.fd).toBeGreaterThan(0);
      expect(available()).toContain(name);
      const before = acks(c);
      expect(transferWithCongestionControl(name)).toBe(name);
      expect(acks(c)).toBeGreaterThan(before);
    } finally {
      link.close();
    }
    expect(available()).not.toContain(name);
  };

  it('bpftool struct_ops register (libbpf) registers it; a connection runs it; unregister removes it', () => {
    const name = 'tsbpf_dsl_lb';
    const obj = writeTemp(dir, 'dslcc.o', tcpCongestionControl(name).build());
    expect(available()).not.toContain(name);
    const r = spawnSync('bpftool', ['struct_ops', 'register', obj], { encoding: 'utf8' });
    const id = registeredId(name);
    try {
      expect(r.status).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain(`Registered tcp_congestion_ops tsbpf_cc id ${id}`);
      expect(available()).toContain(name);
      // libbpf names the .bss map after the object file ("dslcc.bss").
      const bss = (JSON.parse(run('bpftool', ['-j', 'map', 'show'])) as { id: number; name?: string }[]).filter((m) => m.name === 'dslcc.bss');
      const count = (): number => Math.max(...bss.map((m) => {
        const dump = JSON.parse(run('bpftool', ['-j', 'map', 'dump', 'id', String(m.id)])) as { formatted: { value: { '.bss': { acks_seen: number }[] } } }[];
        return dump[0]!.formatted.value['.bss'][0]!.acks_seen;
      }));
      expect(bss.length).toBeGreaterThan(0);
      const before = count();
      expect(transferWithCongestionControl(name)).toBe(name);
      expect(count()).toBeGreaterThan(before);
    } finally {
      // Never leave the congestion control registered (the kernel would keep it after this test).
      if (id !== undefined) run('bpftool', ['struct_ops', 'unregister', 'id', String(id)]);
    }
    expect(available()).not.toContain(name);
  });

  it('tsbpf loadObject registers it with a map update; a connection runs it; closing the link removes it', () => {
    const name = 'tsbpf_dsl_ts';
    const c = loadObject(writeTemp(dir, 'dslcc-ts.o', tcpCongestionControl(name).build()));
    try {
      const plan = c.structOps.get('tsbpf_cc')!;
      expect(plan.link).toBe(false);
      expect(plan.slots.map((s) => `${s.member}=${s.program}`).sort()).toEqual(['cong_avoid', 'init', 'ssthresh', 'undo_cwnd'].map((m) => `${m}=tsbpf_cc_${m}`));
      expect(available()).not.toContain(name);
      registerRunAndClose(c, name, false);
    } finally {
      c.close();
    }
  });

  it('a .struct_ops.link map (structOps(…, { link: true })) is registered through a bpf_link', () => {
    const name = 'tsbpf_dsl_ln';
    const file = writeTemp(dir, 'dslcc-link.o', tcpCongestionControl(name, { link: true }).build());
    expect(sectionOf(file, '.struct_ops.link').size).toBe(tcp_congestion_ops.size);
    const c = loadObject(file);
    try {
      expect(c.structOps.get('tsbpf_cc')?.link).toBe(true);
      expect(c.map('tsbpf_cc').info.flags).toBe(1 << 13); // BPF_F_LINK
      registerRunAndClose(c, name, true);
    } finally {
      c.close();
    }
  });
});

// Random ops structs (function pointers, integers, char arrays, padding) and random initialisers,
// in `.struct_ops` or `.struct_ops.link`: the DSL's sections equal clang-19's for the same C
// declarations (section sizes and bytes, variable symbols, relocations), one clang run per batch.
interface RandomMember { readonly kind: 'fp' | 'u8' | 'u32' | 'u64' | 'chars'; readonly len: number; readonly set: boolean; readonly value: number | bigint | string }
interface RandomOps { readonly members: readonly RandomMember[]; readonly link: boolean }
const randomMember: fc.Arbitrary<RandomMember> = fc.oneof(
  fc.record({ kind: fc.constant('fp' as const), len: fc.constant(0), set: fc.boolean(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('u8' as const), len: fc.constant(0), set: fc.boolean(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), len: fc.constant(0), set: fc.boolean(), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('u64' as const), len: fc.constant(0), set: fc.boolean(), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.integer({ min: 1, max: 20 }).chain((len) => fc.record({
    kind: fc.constant('chars' as const), len: fc.constant(len), set: fc.boolean(), value: fc.stringMatching(new RegExp(`^[a-z0-9_]{0,${len}}$`)),
  })),
);
const randomOps: fc.Arbitrary<RandomOps> = fc.record({ members: fc.array(randomMember, { minLength: 1, maxLength: 8 }), link: fc.boolean() });

/** `llvm-readelf -x SECTION` as bytes (undefined when the object has no such section). */
function sectionBytes(file: string, section: string): string | undefined {
  const r = spawnSync('llvm-readelf-19', ['-x', section, file], { encoding: 'utf8' });
  if (!r.stdout.includes('Hex dump')) return undefined;
  return r.stdout.split('\n').map((l) => /^\s*0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ?){1,4})/.exec(l)?.[1]?.replace(/\s/g, '') ?? '').join('');
}

describe.skipIf(!requireReferences('clang-19', 'llvm-readelf-19'))('struct_ops sections of random declarations equal clang-19\'s', () => {
  it('bytes, symbols and relocations', () => {
    let batch = 0;
    fc.assert(fc.property(fc.array(randomOps, { minLength: 6, maxLength: 6 }), (all) => {
      batch++;
      const c = ['#define SEC(n) __attribute__((section(n), used))', ''];
      const programs: Record<string, ReturnType<typeof program>> = {};
      const maps: Record<string, ReturnType<typeof structOps>> = {};
      all.forEach((ops, k) => {
        const fields: Record<string, CType> = {};
        const init: Record<string, unknown> = {};
        const cInit: string[] = [];
        ops.members.forEach((m, i) => {
          const name = `m${i}`;
          fields[name] = m.kind === 'fp' ? funcPtr(i % 2 === 0 ? s32 : void_, i % 2 === 0 ? [u64] : [ptr(void_)])
            : m.kind === 'u8' ? u8 : m.kind === 'u32' ? u32 : m.kind === 'u64' ? u64 : array(char, m.len);
          if (!m.set) return;
          if (m.kind === 'fp') {
            const p = `p${batch}_${k}_${i}`;
            programs[p] = program(`struct_ops/${p}`, (b) => b.return(0));
            init[name] = programs[p];
            c.push(`SEC("struct_ops/${p}") int ${p}(unsigned long long *ctx) { return 0; }`);
            cInit.push(`.${name} = (void *)${p}`);
          } else {
            init[name] = m.value;
            cInit.push(`.${name} = ${typeof m.value === 'string' ? JSON.stringify(m.value) : typeof m.value === 'bigint' ? `${m.value}ULL` : `${m.value}U`}`);
          }
        });
        const t = struct(`ops${k}`, fields);
        c.push(cDefinition(t));
        c.push(`SEC("${ops.link ? '.struct_ops.link' : '.struct_ops'}") struct ops${k} v${k} = { ${cInit.join(', ')} };`);
        maps[`v${k}`] = structOps(t as StructType, init, { link: ops.link });
      });
      c.push('char LICENSE[] SEC("license") = "GPL";', '');
      const src = writeTemp(dir, `rand${batch}.c`, new TextEncoder().encode(c.join('\n')));
      const theirs = src.replace(/\.c$/, '.clang.o');
      run('clang-19', ['-g', '-O2', '-target', 'bpf', '-c', src, '-o', theirs]);
      const ours = writeTemp(dir, `rand${batch}.o`, defineObject({ license: 'GPL', programs, maps }).build());
      // Value, size, type, binding, visibility and name of each variable (section indexes may differ).
      const symbols = (f: string): string[] => run('llvm-readelf-19', ['-s', '-W', f]).split('\n').filter((l) => / v\d+$/.test(l))
        .map((l) => l.replace(/^\s*\d+:\s*/, '').replace(/\s+\d+\s+(v\d+)$/, ' $1')).sort();
      expect(symbols(ours)).toEqual(symbols(theirs));
      for (const sec of ['.struct_ops', '.struct_ops.link']) {
        const present = sectionBytes(theirs, sec) !== undefined;
        expect(sectionBytes(ours, sec) !== undefined, sec).toBe(present);
        if (present) expect(sectionOf(ours, sec), sec).toEqual(sectionOf(theirs, sec));
        expect(sectionBytes(ours, sec), sec).toBe(sectionBytes(theirs, sec));
        expect(relocationsOf(ours, `.rel${sec}`), sec).toEqual(relocationsOf(theirs, `.rel${sec}`));
      }
    }), { numRuns: 6 });
  });
});

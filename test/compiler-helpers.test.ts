// The language's generated helpers (src/compiler/lang-helpers.generated.ts, helper-calls.generated.ts):
// reproducible from the UAPI header by scripts/gen-helpers.mjs, typed for tsc (a wrong argument is
// a tsc error), refused at the call when the module's license or the program type does not allow
// them (the kernel's table), compiled like clang-19 compiles the C twin (the same helper calls,
// at most 10 % more instructions), and run in the kernel (examples/lang/helper-tour.ts on the
// exec of a program the test names, every value checked against what the machine says).

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ldImm64Value, type Register } from '../isa/index.js';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject, RingBuffer } from '../loader/index.js';
import { CompileError, compileSource, typeCheck } from '../src/compiler/index.js';
import { HELPER_CALLS, UNDECLARED_HELPERS } from '../src/compiler/helper-calls.generated.js';
import { buildProgramFile } from '../src/index.js';
import { HELPER_TABLE } from '../verifier/index.js';
import { langCoreDir } from './support/lang-core.js';
import { tscError } from './support/lang-errors.js';
import { runArgsProgram } from './support/lang-kernel.js';
import { requireReferences, requireRoot, run } from './support/references.js';

const HEADER = '/usr/include/linux/bpf.h';
const GENERATED = ['lang-helpers.generated.ts', 'helper-calls.generated.ts'];
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-lang-helpers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// .ci/install-references installs the header (linux-libc-dev) when it is missing.
describe('generated from the UAPI header', () => {
  it('scripts/gen-helpers.mjs --lang-out writes the committed files from /usr/include/linux/bpf.h', () => {
    const committed = readFileSync('src/compiler/lang-helpers.generated.ts', 'utf8');
    const source = /documentation and parameters: (.*);$/m.exec(committed)![1]!;
    const out = join(dir, 'gen');
    spawnSync('mkdir', ['-p', out]);
    const r = spawnSync(process.execPath, ['scripts/gen-helpers.mjs', '--header', HEADER, '--source', source, '--lang-out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of GENERATED) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join('src/compiler', f), 'utf8'));
  });

  it("docs/dsl.md gives the declared helpers' count and lists every helper the language does not declare", () => {
    const doc = readFileSync('docs/dsl.md', 'utf8');
    const count = /`probeReadKernelStr`\): (\d+) of the (\d+) helpers/.exec(doc)!;
    expect(Number(count[1])).toBe(Object.keys(HELPER_CALLS).length);
    expect(Number(count[2])).toBe(Object.keys(HELPER_CALLS).length + Object.keys(UNDECLARED_HELPERS).length);
    // Callable: generated, declared by hand, or a map's method.
    const callable = Object.keys(HELPER_CALLS).length + Object.values(UNDECLARED_HELPERS).filter((why) => why === 'declared by hand in lang.ts' || why.startsWith('a method: ')).length;
    expect(Number(/with the ones declared by hand and\s+the maps' methods below, (\d+) of the 211 are callable/.exec(doc)![1])).toBe(callable);
    const list = doc.slice(doc.indexOf('Not declared yet'), doc.indexOf('### Registers, stack and line_info'));
    const listed = [...list.matchAll(/`bpf_(\w+)`/g)].map((m) => m[1]!);
    expect(listed.slice().sort()).toEqual(Object.keys(UNDECLARED_HELPERS).sort());
  });

  it("each declaration carries its helper's prototype and Description from the header, and the kernel's id", () => {
    const header = readFileSync(HEADER, 'utf8');
    const decls = readFileSync('src/compiler/lang-helpers.generated.ts', 'utf8');
    expect(Object.keys(HELPER_CALLS).length).toBeGreaterThan(100);
    for (const [lang, h] of Object.entries(HELPER_CALLS)) {
      const at = decls.indexOf(`export function ${lang}(`);
      expect(at, lang).toBeGreaterThan(0);
      const doc = decls.slice(decls.lastIndexOf('/**', at), at);
      const proto = /`(.*?)` \(helper (\d+)\)/.exec(doc)!;
      expect(header, lang).toContain(` * ${proto[1]!}\n`);
      expect(Number(proto[2]), lang).toBe(HELPER_TABLE[h.helper]!.id);
      expect(h.id).toBe(HELPER_TABLE[h.helper]!.id);
    }
    // The Description of bpf_get_current_comm, line for line.
    const comm = decls.slice(decls.lastIndexOf('/**', decls.indexOf('export function getCurrentComm(')));
    expect(comm).toContain(' * Copy the **comm** attribute of the current task into *buf* of\n * *size_of_buf*.');
    expect(comm).toContain('@returns 0 on success, or a negative error in case of failure.');
  });
});

const HEAD = "import { hashMap, kprobe, ringBuf, socketFilter, xdp, tracepoint, zero, getCurrentComm, getStack, jiffies64, getNumaNodeId, ringbufOutput, probeReadKernel, snprintf, type Arr, type char, type u32, type u64 } from 'tsbpf/lang';\n";
const GOOD = `${HEAD}interface E { comm: Arr<char, 16>; t: u64 }
export const events = ringBuf({ maxEntries: 4096 });
export const counts = hashMap<u32, u64>({ maxEntries: 4 });
export const p = tracepoint('sched/sched_process_exec', (ctx) => {
  const e = zero<E>();
  getCurrentComm(e.comm);
  e.t = jiffies64() + getNumaNodeId();
  ringbufOutput(events, e, 0);
  return 0;
});
`;

function compileError(source: string): CompileError {
  try { compileSource(ts, source, 'prog.ts'); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('compiled');
}

describe('types and compile errors', () => {
  const check = (name: string, source: string): (() => void) => {
    const f = join(dir, `${name}.ts`);
    writeFileSync(f, source);
    return () => typeCheck(ts, f);
  };
  it('tsc accepts the helpers with their inferred sizes', () => {
    expect(check('good', GOOD)).not.toThrow();
  });
  const wrong: [string, string, string, RegExp][] = [
    ['a number where a buffer goes', 'getCurrentComm(e.comm);', 'getCurrentComm(5);', /good-1\.ts:7:\d+: error: .*'number' is not assignable to parameter of type 'object'/],
    ['a hash map where a ring buffer goes', 'ringbufOutput(events, e, 0);', 'ringbufOutput(counts, e, 0);', /good-2\.ts:9:\d+: error: .*not assignable to parameter of type 'RingBuf'/],
    ['an argument too many', 'jiffies64()', 'jiffies64(1)', /good-3\.ts:8:\d+: error: Expected 0 arguments, but got 1/],
    ['a string for an integer', 'ringbufOutput(events, e, 0);', "ringbufOutput(events, e, 'x');", /good-4\.ts:9:\d+: error: .*'string' is not assignable to parameter of type 'number'/],
  ];
  wrong.forEach(([what, from, to, msg], i) => {
    it(`tsc refuses ${what}`, () => {
      expect(check(`good-${i + 1}`, GOOD.replace(from, to))).toThrow(msg);
    });
  });

  it("a GPL-only helper in a module whose license is not GPL-compatible: an error at the call (the kernel's gpl_only)", () => {
    expect(HELPER_TABLE.probe_read_kernel!.protos.every((p) => p.gplOnly)).toBe(true);
    const src = `${HEAD}export const license = 'MIT';\nexport const p = kprobe('f', (ctx) => {\n  const b = zero<Arr<u8x, 8>>();\n  probeReadKernel(b, ctx.arg(0));\n  return 0;\n});\n`.replace('u8x', 'u32');
    expect(compileError(src).message).toMatch(/^prog\.ts:5:3: error: probeReadKernel \(bpf_probe_read_kernel\) is GPL-only; this module's license is 'MIT'/);
    // Not GPL-only: compiles under MIT.
    expect(() => compileSource(ts, GOOD.replace('export const events', "export const license = 'MIT';\nexport const events"), 'prog.ts')).not.toThrow();
  });

  it('a helper the program type cannot call: an error at the call (program types probed on the kernel)', () => {
    expect(HELPER_TABLE.get_stack!.programTypes).not.toContain('xdp');
    const src = `${HEAD}export const p = xdp((pkt) => {\n  const s = zero<Arr<u64, 4>>();\n  getStack(pkt, s, 0);\n  return 2;\n});\n`;
    expect(compileError(src).message).toMatch(new RegExp(`^prog\\.ts:4:3: error: getStack \\(bpf_get_stack\\) cannot be called from a xdp program \\(xdp\\); the kernel allows it in ${HELPER_TABLE.get_stack!.programTypes.join(', ')}`));
  });

  it('a buffer that is not a struct or array, a format that is not a literal, a map of another type', () => {
    const body = (stmt: string): string => `${HEAD}export const counts = hashMap<u32, u64>({ maxEntries: 4 });\nexport const p = kprobe('f', (ctx) => {\n  const s = zero<Arr<char, 16>>(); const d = zero<Arr<u64, 1>>(); const n: u64 = 1;\n  ${stmt}\n  return 0;\n});\n`;
    expect(compileError(body('snprintf(s, `a${n}`, d);')).message).toMatch(/^prog\.ts:5:\d+: error: argument 2 of snprintf is a string literal/);
    expect(compileError(body('getCurrentComm(counts);')).message).toMatch(/^prog\.ts:5:\d+: error: argument 1 of getCurrentComm is a struct or array/);
  });
});

describe('an editor sees the documentation', () => {
  it("hover on a call shows the helper's signature, Description and Return (the TypeScript language service on the built tsbpf/lang)", () => {
    const lang = ['dist/lang.d.ts', 'src/compiler/lang.ts'].map((f) => resolve(f)).find((f) => existsSync(f))!;
    const file = join(dir, 'hover.ts');
    writeFileSync(file, GOOD);
    // No default library: the hover needs only tsbpf/lang (and is fast without lib.d.ts).
    const options: ts.CompilerOptions = { noLib: true, strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, paths: { 'tsbpf/lang': [lang] } };
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => [file], getScriptVersion: () => '1', getCurrentDirectory: () => process.cwd(), getCompilationSettings: () => options,
      getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o), fileExists: existsSync, readFile: (f) => readFileSync(f, 'utf8'),
    };
    const info = ts.createLanguageService(host).getQuickInfoAtPosition(file, GOOD.indexOf('getCurrentComm(e.comm)') + 3)!;
    expect(ts.displayPartsToString(info.displayParts)).toContain('getCurrentComm(buf: object): s64');
    expect(ts.displayPartsToString(info.documentation)).toContain('Copy the **comm** attribute of the current task into *buf* of\n*size_of_buf*.');
    const tags = (info.tags ?? []).map((t) => `${t.name} ${ts.displayPartsToString(t.text)}`);
    expect(tags).toContain('returns 0 on success, or a negative error in case of failure.');
    expect(tags.find((t) => t.startsWith('param buf'))).toMatch(/struct or array .*its address and its size/);
  });
});

/** The constant each register holds just before the first helper call of a straight-line program (undefined: not a constant). */
function registersAtCall(bytes: Uint8Array): { id: number; regs: Map<Register, bigint | undefined> } {
  const regs = new Map<Register, bigint | undefined>();
  for (const { insn } of readObject(bytes).programs[0]!.instructions) {
    if (insn.kind === 'call') return { id: insn.imm, regs };
    if (insn.kind === 'alu' && insn.op === 'mov') {
      const v = insn.src.kind === 'imm' ? BigInt(insn.src.value) : regs.get(insn.src.reg);
      regs.set(insn.dst, v === undefined ? undefined : insn.width === 32 ? BigInt.asUintN(32, v) : BigInt.asUintN(64, v));
    } else if (insn.kind === 'ldImm64') regs.set(insn.dst, insn.pseudo === 0 ? ldImm64Value(insn) : undefined);
    else if ('dst' in insn && typeof insn.dst === 'number' && insn.kind !== 'stx' && insn.kind !== 'st') regs.set(insn.dst, undefined);
  }
  throw new Error('no call');
}

describe('property: a declared helper compiles to its id with each argument where the C prototype puts it', () => {
  // Program kinds the table measured, and how a module writes one.
  const KINDS: [string, (body: string) => string][] = [
    ['socket_filter', (b) => `socketFilter((ctx) => {\n${b}\n  return 0;\n})`],
    ['xdp', (b) => `xdp((ctx) => {\n${b}\n  return 2;\n})`],
    ['sched_cls', (b) => `tc((ctx) => {\n${b}\n  return 0;\n})`],
    ['kprobe', (b) => `kprobe('f', (ctx) => {\n${b}\n  return 0;\n})`],
  ];
  const candidates = Object.entries(HELPER_CALLS).flatMap(([name, h]) => {
    const kind = KINDS.find(([t]) => HELPER_TABLE[h.helper]!.programTypes.includes(t));
    const simple = h.args.every((a) => 'int' in a || 'mem' in a || 'ctx' in a);
    return kind !== undefined && simple ? [{ name, h, wrap: kind[1] }] : [];
  });
  it(`${candidates.length} helpers: integers in R1–R5 converted to the parameter's type, a buffer's size after its address (none where the kernel fixes it)`, () => {
    expect(candidates.length).toBeGreaterThan(40);
    const intRange = (t: string): [bigint, bigint] => {
      const bits = Math.min(Number(t.slice(1)), 52);
      return t.startsWith('s') ? [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n] : [0n, (1n << BigInt(bits)) - 1n];
    };
    const arb = fc.constantFrom(...candidates).chain((c) => fc.tuple(fc.constant(c), fc.tuple(...c.h.args.map((a) => ('int' in a ? fc.bigInt(...intRange(a.int)) : 'mem' in a && a.fixed !== undefined ? fc.constant(BigInt(a.fixed)) : fc.integer({ min: 1, max: 64 }).map(BigInt))))));
    fc.assert(fc.property(arb, ([c, values]) => {
      const bufs: string[] = [];
      const args = c.h.args.map((a, i) => {
        if ('int' in a) return `${values[i]}`;
        if ('ctx' in a) return 'ctx';
        bufs.push(`  const b${i} = zero<Arr<u8, ${values[i]}>>();`);
        return `b${i}`;
      });
      const src = `import { socketFilter, xdp, tc, kprobe, zero, ${c.name}, type Arr, type u8 } from 'tsbpf/lang';\nexport const p = ${c.wrap(`${bufs.join('\n')}\n  ${c.name}(${args.join(', ')});`)};\n`;
      const { id, regs } = registersAtCall(compileSource(ts, src, 'prop.ts').build());
      expect(id).toBe(c.h.id);
      let r = 1;
      c.h.args.forEach((a, i) => {
        if ('int' in a) {
          const bits = Number(a.int.slice(1));
          const got = regs.get(r as Register);
          expect(got === undefined ? undefined : BigInt.asUintN(bits, got), `${c.name} R${r}\n${src}`).toBe(BigInt.asUintN(bits, values[i]!));
          r++;
        } else if ('mem' in a && a.fixed === undefined) {
          expect(regs.get((r + 1) as Register), `${c.name} R${r + 1}\n${src}`).toBe(values[i]);
          r += 2;
        } else r++;
      });
    }), { numRuns: 150 });
  });
});

/** Instruction slots of a program (ld_imm64 is two) and its helper calls in order. */
function shape(bytes: Uint8Array, name: string): { slots: number; calls: number[] } {
  const p = readObject(bytes).programs.find((x) => x.name === name)!;
  const calls = p.instructions.flatMap((i) => (i.insn.kind === 'call' ? [Number((i.insn as unknown as { imm: number }).imm)] : []));
  return { slots: p.instructions.reduce((n, i) => n + (i.insn.kind === 'ldImm64' ? 2 : 1), 0), calls };
}

describe.skipIf(!requireReferences('clang-19'))('examples/lang/helper-tour.ts against clang-19 -O2 on its C twin', () => {
  it('the same helper calls in the same order, at most clang\'s instruction count + 10%', async () => {
    const ours = shape(await buildProgramFile('examples/lang/helper-tour.ts'), 'onRename');
    const out = join(dir, 'helper-tour.o');
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', '-c', 'examples/lang/c/helper-tour.bpf.c', '-o', out]);
    const theirs = shape(new Uint8Array(readFileSync(out)), 'onRename');
    console.log(`helper-tour onRename: tsbpf ${ours.slots}, clang-19 -O2 ${theirs.slots}`);
    expect(ours.calls).toEqual(theirs.calls);
    expect(ours.calls).toEqual([14, 42, 80, 118, 16, 67, 115, 165, 130]);
    expect(ours.slots).toBeLessThanOrEqual(Math.floor(theirs.slots * 1.1));
    const lines = (f: string): number => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '' && !/^\s*(\/\/|\/\*|\*)/.test(l)).length;
    expect(lines('examples/lang/helper-tour.ts')).toBeLessThanOrEqual(lines('examples/lang/c/helper-tour.bpf.c'));
  });
});

describe.skipIf(!requireRoot())('a pointer of a size the kernel fixes (strtol\'s `long *res`)', () => {
  it('strtol of "-1234x" in bases 10, 16 and 8: the characters consumed and the value, as JavaScript parses them', () => {
    const src = `import { arrayMap, socketFilter, strtol, zero, type Arr, type char, type s64, type u64 } from 'tsbpf/lang';
export const args = arrayMap<u64>({ maxEntries: 4 });
export const out = arrayMap<u64>({ maxEntries: 1 });
export const prog = socketFilter((pkt) => {
  const base = args.lookup(0);
  if (!base) return 1;
  const s = zero<Arr<char, 8>>();
  s[0] = 45; s[1] = 49; s[2] = 50; s[3] = 51; s[4] = 52; s[5] = 120;
  const res = zero<Arr<s64, 1>>();
  const n = strtol(s, base.value, res);
  out.update(0, ((n as u64) << 32) | ((res[0] as u64) & 0xffffffff));
  return 0;
});
`;
    const got = runArgsProgram(src, [[10n], [16n], [8n]]);
    expect(got).toEqual([10, 16, 8].map((b) => (5n << 32n) | BigInt.asUintN(32, BigInt(Number.parseInt('-1234x', b)))));
    const wrong = src.replace('zero<Arr<s64, 1>>()', 'zero<Arr<u32, 1>>()').replace('type u64 }', 'type u64, type u32 }');
    expect(compileError(wrong).message).toMatch(/^prog\.ts:10:\d+: error: argument 3 of strtol is 8 bytes \(4 given\)/);
  });
});

describe('a kernel struct argument (a BTF pointer: tpBtf)', () => {
  const work = langCoreDir('tsbpf-lang-helpers-btf-', ['task_struct']);
  afterAll(() => work.remove());
  const src = (call: string): string => `import { arrayMap, dPath, getTaskStack, tpBtf, zero, type Arr, type char, type s32, type s64, type u64 } from 'tsbpf/lang';
import type { task_struct } from './vmlinux.js';
export const out = arrayMap<s64>({ maxEntries: 2 });
export const exec = tpBtf('sched_process_exec', (p: task_struct, oldPid: s32) => {
  const stack = zero<Arr<u64, 4>>();
  const path = zero<Arr<char, 64>>();
  ${call}
  return 0;
});
`;
  it('a struct of another name is a compile error at the argument', () => {
    try { work.compile(work.moduleFile('wrong', src('dPath(p, path);'))); } catch (e) {
      expect((e as Error).message).toMatch(/wrong\.ts:7:\d+: error: argument 1 of dPath is a struct path, not struct task_struct/);
      return;
    }
    throw new Error('compiled');
  });
  it('tsc: a number, a local array or another kernel struct where a kernel struct pointer goes is an error at its line', () => {
    work.moduleFile('typed', src(''));
    const refused = (call: string): [number, string] => { const e = tscError(work.dir, src(call)); return [e.location.line, e.reason]; };
    expect(refused('getTaskStack(5, stack, 0);')).toEqual([7, "Argument of type 'number' is not assignable to parameter of type 'Kernel<\"task_struct\", number, false>'."]);
    expect(refused('const a: u64 = 0;\n  getTaskStack(a, stack, 0);')).toEqual([8, "Argument of type 'number' is not assignable to parameter of type 'Kernel<\"task_struct\", number, false>'."]);
    expect(refused('getTaskStack(stack, stack, 0);')[0]).toBe(7);
    expect(refused('getTaskStack(stack, stack, 0);')[1]).toMatch(/^Argument of type 'Arr<number, 4>' is not assignable to parameter of type 'Kernel<"task_struct", number, false>'\./);
    expect(refused('dPath(p, path);')[1]).toMatch(/^Argument of type 'task_struct' is not assignable to parameter of type 'Kernel<"path", number, false>'\./);
    // The task itself is what the parameter wants.
    const file = work.moduleFile('fits', src('out.update(0, getTaskStack(p, stack, 0));'));
    expect(() => typeCheck(ts, file)).not.toThrow();
  });
  it.skipIf(!requireRoot())("getTaskStack(p, stack, 0) of the exec'ing task: its kernel stack, 4 frames of 8 bytes", () => {
    const c = loadObject(work.compile(work.moduleFile('stack', src('out.update(0, getTaskStack(p, stack, 0));\n  out.update(1, stack[0] as s64);'))), { name: 'task_stack' });
    const prog = c.programs.get('exec')!;
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    try { expect(spawnSync('/bin/true').status).toBe(0); } finally { link.close(); }
    const at = (k: number): bigint => { const b = Buffer.alloc(4); b.writeUInt32LE(k); return Buffer.from(c.maps.get('out')!.lookup(b)!).readBigUInt64LE(0); };
    try {
      expect(at(0)).toBe(32n);
      expect(at(1) >= 0xffff800000000000n).toBe(true);
    } finally { c.close(); }
  });
});

/** The kernel's jiffies (/proc/timer_list, root only). */
function jiffies(): bigint {
  return BigInt(/^jiffies: (\d+)$/m.exec(readFileSync('/proc/timer_list', 'utf8'))![1]!);
}

describe.skipIf(!requireRoot())('examples/lang/helper-tour.ts in the kernel', () => {
  it('one record for the exec of a program the test names, with the ids, clocks, stack, name and line the machine reports', async () => {
    const c = loadObject(await buildProgramFile('examples/lang/helper-tour.ts'), { name: 'tour' });
    const prog = c.programs.get('onRename')!;
    const ring = new RingBuffer(c.maps.get('events')!);
    // exec names the process after its file (__set_task_comm: the task_rename tracepoint).
    const name = `tour-${process.pid % 100000}`;
    const exe = join(dir, name);
    copyFileSync('/bin/true', exe);
    chmodSync(exe, 0o755);
    const before = jiffies();
    const link = attachProgram(prog, attachOptionsForSection(prog.section, {}));
    let child: number;
    try {
      const r = spawnSync(exe);
      expect(r.status).toBe(0);
      child = r.pid!;
    } finally { link.close(); }
    const after = jiffies();
    const text = (b: Buffer): string => b.toString('latin1').replace(/\0.*$/s, '');
    const mine: { pid: number; numa: number; cgroup: bigint; jiffies: bigint; stackBytes: bigint; nameLen: bigint; textLen: bigint; comm: string; name: string; text: string; stack0: bigint }[] = [];
    try {
      ring.drain((r) => {
        const b = Buffer.from(r);
        const rec = {
          pid: b.readUInt32LE(0), numa: b.readUInt32LE(4), cgroup: b.readBigUInt64LE(8), jiffies: b.readBigUInt64LE(16),
          stackBytes: b.readBigInt64LE(24), nameLen: b.readBigInt64LE(32), textLen: b.readBigInt64LE(40),
          comm: text(b.subarray(48, 64)), name: text(b.subarray(64, 128)), text: text(b.subarray(128, 176)), stack0: b.readBigUInt64LE(176),
        };
        if (rec.name === name) mine.push(rec);
      });
    } finally { await ring.close(); c.close(); }
    expect(mine).toHaveLength(1);
    const e = mine[0]!;
    expect(e.pid).toBe(child);
    // The cgroup id is the inode of the process's cgroup v2 directory (the child's is the test's).
    const cg = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))![1]!;
    expect(e.cgroup).toBe(BigInt(statSync(join('/sys/fs/cgroup', cg)).ino));
    // Before the rename the child still has the name of the thread that forked it.
    const comms = readdirSync('/proc/self/task').map((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim());
    expect(comms).toContain(e.comm);
    expect(e.jiffies >= before && e.jiffies <= after).toBe(true);
    const nodes = readFileSync('/sys/devices/system/node/online', 'utf8').trim().split(',').flatMap((r) => { const [a, b] = r.split('-').map(Number); return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i); });
    expect(nodes).toContain(e.numa);
    // Four frames of the kernel stack under execve (deeper than four): 32 bytes, kernel addresses.
    expect(e.stackBytes).toBe(32n);
    expect(e.stack0 >= 0xffff800000000000n).toBe(true);
    expect(e.nameLen).toBe(BigInt(name.length + 1));
    expect(e.text).toBe(`pid ${child} on node ${e.numa}`);
    expect(e.textLen).toBe(BigInt(e.text.length + 1));
  });
});

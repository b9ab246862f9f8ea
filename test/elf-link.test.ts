// elf/link: linkObjects against libbpf's static linker (`bpftool gen object`, libbpf 1.1). The
// references: bpftool's output for the same inputs (byte for byte), `bpftool btf dump`, and the
// kernel (`bpftool prog loadall` + `prog dump xlated` of every program). Inputs: the two-file
// program fixtures/obj/link/link_{a,b}.bpf.o (extern function, extern map, extern variable, a
// shared struct, global data and CO-RE reads in both, a weak function overridden by a strong one)
// and every single-file fixture.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BtfType, type BtfTypes, decodeBtf, dedupBtf, LinkError, linkObjects, linkToObject, readElf, readObject, writeObject,
} from '../elf/index.js';
import { requireReferences, requireRoot, run } from './support/references.js';
import { vmlinuxHeaderDir } from './support/vmlinux-h.js';

const FIX = 'fixtures';
const LINK_A = join(FIX, 'obj/link/link_a.bpf.o');
const LINK_B = join(FIX, 'obj/link/link_b.bpf.o');
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as {
  fixtures: { name: string; file: string; loads: boolean; programs: { name: string }[] }[];
};
const fixtureFiles = readdirSync(join(FIX, 'obj')).filter((f) => f.endsWith('.bpf.o')).sort().map((f) => join(FIX, 'obj', f));

const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-link-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const link = (files: string[]): Uint8Array => linkObjects(files.map((name) => ({ name, bytes: readFileSync(name) })));

/** bpftool gen object of the files; the output bytes, or the error text. */
function bpftoolLink(files: string[], out: string): { bytes?: Buffer; error?: string } {
  const r = spawnSync('bpftool', ['gen', 'object', out, ...files], { encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr };
  return { bytes: readFileSync(out) };
}

function btfTypes(bytes: Uint8Array): BtfTypes {
  const btf = decodeBtf(readElf(bytes).sections.find((s) => s.name === '.BTF')!.data);
  const out: BtfTypes = [undefined];
  for (const [, t] of btf.types()) out.push(t);
  return out;
}

const haveBpftool = requireReferences('bpftool');

describe.skipIf(!haveBpftool)('tsbpf link = bpftool gen object (libbpf 1.1 linker)', () => {
  it('links link_a + link_b (and b + a) to the same bytes as bpftool gen object', () => {
    for (const files of [[LINK_A, LINK_B], [LINK_B, LINK_A]]) {
      const ref = bpftoolLink(files, join(tmp, 'ref.o'));
      expect(ref.error).toBeUndefined();
      const ours = link(files);
      expect(Buffer.from(ours).equals(ref.bytes!), files.join(' + ')).toBe(true);
      writeFileSync(join(tmp, 'ours.o'), ours);
      expect(run('bpftool', ['btf', 'dump', 'file', join(tmp, 'ours.o')])).toBe(run('bpftool', ['btf', 'dump', 'file', join(tmp, 'ref.o')]));
    }
  });

  it('the linked pair resolves what each half leaves open', () => {
    const ours = readElf(link([LINK_A, LINK_B]));
    const a = readElf(readFileSync(LINK_A));
    const undefinedIn = (f: typeof a): string[] => f.symbols.filter((s) => s.index > 0 && s.shndx === 0).map((s) => s.name).sort();
    expect(undefinedIn(a)).toEqual(['link_record', 'link_stats_map', 'link_total']);
    expect(undefinedIn(ours)).toEqual([]);
    // The weak pick_slot of link_a gives way to link_b's: one symbol, link_b's code (after link_a's .text).
    const slots = ours.symbols.filter((s) => s.name === 'pick_slot');
    expect(slots).toHaveLength(1);
    expect(slots[0]!.binding).toBe(1);
    expect(slots[0]!.value).toBe(a.sections.find((s) => s.name === '.text')!.size);
    // struct link_stats is in both inputs, once in the output.
    const types = btfTypes(link([LINK_A, LINK_B]));
    expect(types.filter((t) => t?.kind === 'STRUCT' && t.name === 'link_stats')).toHaveLength(1);
  });

  it('a single input is rewritten exactly as bpftool gen object rewrites it, for every fixture', () => {
    const differing: string[] = [];
    for (const f of [...fixtureFiles, LINK_A, LINK_B]) {
      const ref = bpftoolLink([f], join(tmp, 'one.o'));
      expect(ref.error, f).toBeUndefined();
      if (!Buffer.from(link([f])).equals(ref.bytes!)) differing.push(f);
    }
    expect(differing).toEqual([]);
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(47);
  });

  it('links object models (BpfObject) as their writeObject bytes, like bpftool links those bytes', () => {
    const files = fixtureFiles.filter((f) => /map_hash\.|global_data|core_fields\.|subprog_global/.test(f));
    expect(files).toHaveLength(4);
    for (const f of files) {
      const model = readObject(readFileSync(f));
      const written = join(tmp, 'model.o');
      writeFileSync(written, writeObject(model));
      const ref = bpftoolLink([written], join(tmp, 'model.ref.o'));
      expect(ref.error, f).toBeUndefined();
      expect(Buffer.from(linkObjects([model])).equals(ref.bytes!), f).toBe(true);
      expect(linkToObject([model]).programs.map((p) => p.name)).toEqual(model.programs.map((p) => p.name));
    }
  });

  it('links groups of fixtures like bpftool, and fails where it fails (duplicate strong symbols)', () => {
    const rng = fc.sample(fc.shuffledSubarray(fixtureFiles, { minLength: 2, maxLength: 6 }), { numRuns: 8, seed: 42 });
    let linked = 0;
    let failed = 0;
    for (const files of rng) {
      const ref = bpftoolLink(files, join(tmp, 'group.o'));
      let ours: Uint8Array | undefined;
      let err: unknown;
      try { ours = link(files); } catch (e) { err = e; }
      if (ref.error !== undefined) {
        expect(err, `${files.join(' ')}: bpftool failed: ${ref.error}`).toBeInstanceOf(LinkError);
        failed++;
      } else {
        expect(err, files.join(' ')).toBeUndefined();
        expect(Buffer.from(ours!).equals(ref.bytes!), files.join(' ')).toBe(true);
        linked++;
      }
    }
    expect(linked + failed).toBe(8);
    expect(linked).toBeGreaterThan(0);
  });
});

const canLoad = haveBpftool && requireRoot() && existsSync('/sys/fs/bpf');
describe.skipIf(!canLoad)('linked objects load like bpftool\'s (bpftool prog loadall + dump xlated)', () => {
  const norm = (s: string): string => s.replace(/map\[id:\d+\]/g, 'map[id:N]');
  const pinRoot = `/sys/fs/bpf/tsbpf-link-${process.pid}`;
  afterAll(() => rmSync(pinRoot, { recursive: true, force: true }));

  function xlatedOf(obj: string, pin: string, programs: string[]): string[] {
    rmSync(pin, { recursive: true, force: true });
    const r = spawnSync('bpftool', ['prog', 'loadall', obj, pin], { encoding: 'utf8' });
    expect(r.status, `${obj}: ${r.stderr}`).toBe(0);
    expect(readdirSync(pin).sort()).toEqual([...programs].sort());
    const out = programs.map((p) => norm(run('bpftool', ['prog', 'dump', 'xlated', 'pinned', join(pin, p)])));
    rmSync(pin, { recursive: true, force: true });
    return out;
  }

  it('link_a + link_b: every program of our output dumps the xlated code of bpftool\'s', () => {
    const ref = join(tmp, 'pair.ref.o');
    const ours = join(tmp, 'pair.ours.o');
    expect(bpftoolLink([LINK_A, LINK_B], ref).error).toBeUndefined();
    writeFileSync(ours, link([LINK_A, LINK_B]));
    const programs = ['link_exec', 'link_fork'];
    const x = xlatedOf(ref, `${pinRoot}-ref`, programs);
    const y = xlatedOf(ours, `${pinRoot}-ours`, programs);
    expect(y).toEqual(x);
    // The call into link_b's strong pick_slot and link_record is in the loaded code.
    expect(y[0]).toMatch(/pick_slot/);
    expect(y[0]).toMatch(/link_record/);
  });

  // One test per fixture (about 2 s each), so a loaded machine does not push one test past its timeout.
  const loadable = manifest.fixtures.filter((x) => x.loads);
  it('every loadable fixture is checked', () => expect(loadable.length).toBeGreaterThan(40));
  it.each(loadable.map((f) => [f.name, f] as const))('a single-input link of %s loads with the xlated code of the original', (_, f) => {
    const ours = join(tmp, `${f.name}.o`);
    writeFileSync(ours, link([join(FIX, f.file)]));
    const programs = f.programs.map((p) => p.name);
    const x = xlatedOf(join(FIX, f.file), `${pinRoot}-orig`, programs);
    const y = xlatedOf(ours, `${pinRoot}-linked`, programs);
    expect(y).toEqual(x);
  });
});

const canCompile = haveBpftool && requireReferences('clang-19');
describe.skipIf(!canCompile)('link errors (typed, and where libbpf fails too)', () => {
  function compile(name: string, source: string): string {
    const src = join(tmp, `${name}.bpf.c`);
    const obj = join(tmp, `${name}.bpf.o`);
    writeFileSync(src, source);
    run('clang-19', ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', `-I${vmlinuxHeaderDir()}`, '-c', src, '-o', obj]);
    return obj;
  }
  const header = '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\nchar LICENSE[] SEC("license") = "GPL";\n';

  function expectLinkError(files: string[], pattern: RegExp): LinkError {
    expect(bpftoolLink(files, join(tmp, 'err.o')).error).toBeDefined();
    let err: unknown;
    try { link(files); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).message).toMatch(pattern);
    return err as LinkError;
  }

  it('forward declarations in one object resolve to the full struct/union of another, as bpftool does', () => {
    const a = compile('fwd_a', `${header}struct tsbpf_node; union tsbpf_u;
struct tsbpf_holder { struct tsbpf_node *n; union tsbpf_u *u; int v; };
struct tsbpf_holder h_a = {};
SEC("tp/sched/sched_process_exit") int fwd_a(void *ctx) { return h_a.v + (h_a.n != 0) + (h_a.u != 0); }\n`);
    const b = compile('fwd_b', `${header}struct tsbpf_node { int x; struct tsbpf_node *next; };
union tsbpf_u { int i; long l; };
struct tsbpf_holder { struct tsbpf_node *n; union tsbpf_u *u; int v; };
struct tsbpf_holder h_b = {}; struct tsbpf_node node_b = {}; union tsbpf_u u_b = {};
SEC("tp/sched/sched_process_fork") int fwd_b(void *ctx) { return h_b.v + node_b.x + u_b.i; }\n`);
    // A different struct of the same name: the name is no longer unique, so only the type-graph
    // comparison of the two tsbpf_holder can resolve the forward declaration.
    const c = compile('fwd_c', `${header}struct tsbpf_node { long y; long z; };
struct tsbpf_node node_c = {};
SEC("tp/sched/sched_process_free") int fwd_c(void *ctx) { return node_c.y; }\n`);
    // A pointer to a forward declaration in a struct that exists only in one object: no graph
    // comparison meets it, and bpftool 7.1 keeps the FWD beside the full struct of the same name.
    const d = compile('fwd_d', `${header}struct tsbpf_node; struct tsbpf_lonely { struct tsbpf_node *p; };
struct tsbpf_lonely l_d = {};
SEC("tp/sched/sched_process_wait") int fwd_d(void *ctx) { return l_d.p != 0; }\n`);
    for (const files of [[b, d], [d, b]]) {
      const ref = bpftoolLink(files, join(tmp, 'fwd.o'));
      expect(ref.error).toBeUndefined();
      const ours = link(files);
      expect(Buffer.from(ours).equals(ref.bytes!), files.join(' ')).toBe(true);
      expect(btfTypes(ours).filter((t) => t?.kind === 'FWD' && t.name === 'tsbpf_node'), files.join(' ')).toHaveLength(1);
    }
    for (const files of [[a, b], [b, a], [a, b, c], [c, a, b]]) {
      const ref = bpftoolLink(files, join(tmp, 'fwd.o'));
      expect(ref.error).toBeUndefined();
      const ours = link(files);
      expect(Buffer.from(ours).equals(ref.bytes!), files.join(' ')).toBe(true);
      const types = btfTypes(ours);
      expect(types.filter((t) => t?.kind === 'FWD'), files.join(' ')).toEqual([]);
      expect(types.filter((t) => t?.name === 'tsbpf_holder')).toHaveLength(1);
    }
  });

  it('two strong definitions of one symbol', () => {
    const e = expectLinkError([LINK_B, LINK_B], /conflicting non-weak symbol/);
    expect(e.file).toBe(LINK_B);
    expect(e.symbol).toBeDefined();
  });

  it('an extern function whose prototype differs from the definition', () => {
    const bad = compile('bad_extern', `${header}extern int link_record(long a, long b, long c);
SEC("tp/sched/sched_process_exit") int bad(void *ctx) { return link_record(1, 2, 3); }\n`);
    const e = expectLinkError([LINK_B, bad], /incompatible.*params/);
    expect(e.file).toBe(bad);
    expect(e.symbol).toBe('link_record');
  });

  it('an extern map whose definition differs', () => {
    const bad = compile('bad_map', `${header}struct link_stats { __u64 count; __u64 last_pid; };
extern struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 128); __type(key, __u32); __type(value, struct link_stats); } link_stats_map SEC(".maps");
SEC("tp/sched/sched_process_exit") int bad(void *ctx) { __u32 k = 0; return bpf_map_lookup_elem(&link_stats_map, &k) != 0; }\n`);
    const e = expectLinkError([LINK_B, bad], /max_entries mismatch/);
    expect(e.symbol).toBe('link_stats_map');
  });

  it('bad input is a LinkError naming the file', () => {
    const junk = join(tmp, 'junk.o');
    writeFileSync(junk, Buffer.from('not an object at all'));
    const e = expectLinkError([junk], /bad ELF/);
    expect(e.file).toBe(junk);
    expect(() => linkObjects([])).toThrow(LinkError);
    const truncated = readFileSync(LINK_A).subarray(0, 2000);
    expect(() => linkObjects([{ name: 'cut.o', bytes: truncated }])).toThrow(LinkError);
  });
});

// Built CLI: `tsbpf link`.
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
describe.skipIf(!existsSync(pkg.bin.tsbpf))('tsbpf link (built CLI)', () => {
  const tsbpf = (...args: string[]) => spawnSync('node', [pkg.bin.tsbpf, ...args], { encoding: 'utf8' });

  it('writes the linked object; errors are one line with exit 2', () => {
    const out = join(tmp, 'cli.o');
    const ok = tsbpf('link', LINK_A, LINK_B, '-o', out);
    expect(ok.status, ok.stderr).toBe(0);
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(link([LINK_A, LINK_B])))).toBe(true);
    const dup = tsbpf('link', LINK_B, LINK_B, '-o', join(tmp, 'dup.o'));
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(new RegExp(`^${LINK_B}: error: '\\w+': conflicting non-weak symbol`));
    expect(dup.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp, 'dup.o'))).toBe(false);
    const missing = tsbpf('link', join(tmp, 'nope.o'), '-o', out);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.o: cannot read/);
    expect(tsbpf('link', LINK_A).status).toBe(2);
  });
});

describe('malformed inputs', () => {
  it('byte changes and truncations give a LinkError or a link, never another exception', () => {
    const inputs = [LINK_A, LINK_B, ...fixtureFiles.filter((f) => /core_fields|map_hash_of_maps|ksym_kfunc|kconfig|subprog_static/.test(f))]
      .map((f) => readFileSync(f));
    const mutation = fc.record({
      input: fc.nat({ max: inputs.length - 1 }),
      truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      changes: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    });
    let linkErrors = 0;
    fc.assert(fc.property(mutation, ({ input, truncate, changes }) => {
      let bytes = Uint8Array.from(inputs[input]!);
      if (truncate !== undefined) bytes = bytes.subarray(0, Math.floor(truncate * bytes.length));
      else for (const [at, value] of changes) bytes[Math.floor(at * (bytes.length - 1))] = value;
      try {
        linkObjects([bytes]);
      } catch (e) {
        if (!(e instanceof LinkError)) throw e;
        linkErrors++;
      }
    }), { numRuns: 400, seed: 11 });
    expect(linkErrors).toBeGreaterThan(0);
  });
});

// BTF dedup properties over the fixtures' BTF.
describe('dedupBtf', () => {
  const fixtureBtf = fixtureFiles.slice(0, 47).map((f) => btfTypes(readFileSync(f)));
  /** Types of several graphs one after the other, ids shifted. */
  function concat(graphs: BtfTypes[]): BtfTypes {
    const out: BtfTypes = [undefined];
    for (const g of graphs) {
      const shift = out.length - 1;
      for (const t of g.slice(1)) out.push(shiftIds(t!, shift));
    }
    return out;
  }
  function shiftIds(t: BtfType, by: number): BtfType {
    const s = (id: number): number => (id === 0 ? 0 : id + by);
    switch (t.kind) {
      case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'FUNC': case 'VAR': case 'DECL_TAG':
        return { ...t, type: s(t.type) };
      case 'ARRAY': return { ...t, type: s(t.type), indexType: s(t.indexType) };
      case 'STRUCT': case 'UNION': return { ...t, members: t.members.map((m) => ({ ...m, type: s(m.type) })) };
      case 'FUNC_PROTO': return { ...t, returnType: s(t.returnType), params: t.params.map((p) => ({ ...p, type: s(p.type) })) };
      case 'DATASEC': return { ...t, vars: t.vars.map((v) => ({ ...v, type: s(v.type) })) };
      default: return t;
    }
  }
  const withoutVars = (types: BtfTypes): BtfTypes => types.filter((t) => t?.kind !== 'VAR' && t?.kind !== 'DATASEC');

  it('is idempotent, and a graph repeated dedups to the graph deduped once (VARs and DATASECs aside)', () => {
    fc.assert(fc.property(fc.subarray(fixtureBtf.map((_, i) => i), { minLength: 1, maxLength: 3 }), (picked) => {
      const once = dedupBtf(concat(picked.map((i) => fixtureBtf[i]!))).types;
      expect(dedupBtf(once).types).toEqual(once);
      const twice = dedupBtf(concat([...picked, ...picked].map((i) => fixtureBtf[i]!))).types;
      // VARs and DATASECs are never merged, so the second copy keeps its own (pointing at the first copy's types).
      expect(withoutVars(twice)).toEqual(withoutVars(once));
    }), { numRuns: 15, seed: 7 });
  });

  it('keeps a forward declaration that no equivalent graph resolves, even with one struct of its name', () => {
    const types: BtfTypes = [
      undefined,
      { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
      { kind: 'FWD', name: 's', union: false },
      { kind: 'PTR', name: '', type: 2 },
      { kind: 'STRUCT', name: 's', size: 4, kindFlag: false, members: [{ name: 'x', type: 1, bitsOffset: 0, bitfieldSize: 0 }] },
      { kind: 'PTR', name: '', type: 4 },
      { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 },
    ];
    const { types: out, remap } = dedupBtf(types);
    expect(out.slice(1).map((t) => t!.kind)).toEqual(['INT', 'FWD', 'PTR', 'STRUCT', 'PTR']);
    expect(remap(3)).not.toBe(remap(5));
    expect(remap(6)).toBe(remap(1));
  });
});

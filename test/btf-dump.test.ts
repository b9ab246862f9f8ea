// tsbpf btf dump (the built CLI) against bpftool 7.1 on the same files in the same run: the 6.18
// vmlinux BTF (raw and C, compared once), split BTF made by pahole on top of vmlinux, and clang-19
// objects of every kind in both byte orders (raw, C, JSON); the C header compiles with clang-19;
// decode → encode is byte-identical on all of them.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBtf, encodeBtf, readElf } from '../elf/index.js';
import { requireReferences } from './support/references.js';

export const PROGRAMS: Record<string, string> = {
  kinds: `
typedef unsigned long long u64;
struct bits { int a:3; unsigned b:5; long c; char d:1; int e; } __attribute__((btf_decl_tag("structtag")));
union un { int x; float f; double d; struct { short s1, s2; }; };
enum small { A = -1, B = 2 };
enum big { BIG = 0xffffffffffULL, NEG = 1 };
enum sbig { SB = -0x100000000LL };
enum uns { U1 = 0x80000000u };
struct fwd_only;
union fwd_union;
struct with_fwd { struct fwd_only *p; union fwd_union *u; };
typedef int __attribute__((btf_type_tag("user"))) *uptr;
int __attribute__((btf_decl_tag("vtag"))) gvar = 3;
static volatile int svar;
const char rodata_str[] = "hi";
long double ld;
char * restrict rp;
const volatile int cvi = 5;
struct arr { int m[4][2]; char flex[]; };
struct all { struct with_fwd w; union un u; enum small s; enum big bg; enum sbig sb; enum uns us; struct arr *ar; uptr q; void (*fp)(int, ...); } all_var;
static __attribute__((noinline)) int helper(int a __attribute__((btf_decl_tag("argtag"))), struct bits *b) { return a + b->e + svar; }
extern int ext_func(int) __attribute__((section(".ksyms")));
int glob(struct all *p) __attribute__((btf_decl_tag("functag")));
int glob(struct all *p) {
  struct bits b = {0};
  return helper(p->s, &b) + (int)p->bg + gvar + rodata_str[0] + (rp ? 1 : 0) + cvi + p->u.x + ext_func(1) + p->ar->m[0][0] + *p->q;
}
`,
  // libbpf's btf_dump order: a pointer already walked is a strong link (so a typedef of it is
  // queued where first met), and a function prototype is strong only when a return or parameter
  // type is; each changes where forward declarations and typedefs land.
  fwdorder: `
typedef long long __kernel_loff_t;
typedef __kernel_loff_t loff_t;
struct address_space { int n; };
struct a { struct address_space *m; };
typedef struct address_space *as_p;
struct b { as_p *pp; loff_t q; };
struct zz { int q; };
typedef unsigned int __kernel_mode_t;
typedef __kernel_mode_t mode_t2;
typedef short (*seek_fn)(struct zz *);
struct c { seek_fn *s; mode_t2 mode; };
struct a va;
struct b vb;
struct c vc;
struct address_space vas;
struct zz vzz;
`,
  maps: `
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct pkt { unsigned short proto; unsigned char flags: 3, kind: 5; unsigned int len; } __attribute__((packed));
typedef struct { long counter; } atomic_long;
struct { __uint(type, 1); __uint(max_entries, 1024); __type(key, unsigned int); __type(value, struct pkt); } counts SEC(".maps");
char LICENSE[] SEC("license") = "GPL";
static const volatile unsigned long long cfg = 7;
atomic_long hits;
struct node { struct node *next; struct tree *owner; int (*cmp)(const struct node *, const struct node *); } root;
struct tree { struct node *first; const char *const names[3]; };
SEC("xdp") int prog(void *ctx) { return (int)cfg + (int)hits.counter + (root.next ? 1 : 0); }
`,
};

/** Compiles each program for bpfel and bpfeb into dir; returns the object paths. */
export function compilePrograms(dir: string): { name: string; order: 'le' | 'be'; path: string }[] {
  const out: { name: string; order: 'le' | 'be'; path: string }[] = [];
  for (const [name, src] of Object.entries(PROGRAMS)) {
    const c = join(dir, `${name}.c`);
    writeFileSync(c, src);
    for (const order of ['le', 'be'] as const) {
      const path = join(dir, `${name}.${order}.o`);
      execFileSync('clang-19', ['-O2', '-g', '-target', order === 'le' ? 'bpfel' : 'bpfeb', '-c', c, '-o', path], { stdio: 'pipe' });
      out.push({ name, order, path });
    }
  }
  return out;
}

export const readBytes = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

const VMLINUX = '/sys/kernel/btf/vmlinux';
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const bin = pkg.bin.tsbpf;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-'));
const ok = requireReferences('bpftool', 'clang-19', 'pahole', 'gcc') && existsSync(VMLINUX);

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function bpftool(...args: string[]): string {
  return execFileSync('bpftool', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}
function btfSection(path: string): Uint8Array {
  return readElf(readBytes(path)).sections.find((s) => s.name === '.BTF')!.data;
}
/** First differing line, for a readable failure instead of a 300k-line diff. */
function firstDiff(a: string, b: string): string | undefined {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `line ${i + 1}: ours ${JSON.stringify(x[i])} bpftool ${JSON.stringify(y[i])}`;
  return undefined;
}

describe.skipIf(!ok)('tsbpf btf dump = bpftool btf dump file', () => {
  let objects: ReturnType<typeof compilePrograms> = [];
  let split = '';
  beforeAll(() => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
    objects = compilePrograms(dir);
    // Split BTF on top of vmlinux, as a module's: pahole dedups a host object's DWARF against the base.
    const c = join(dir, 'mod.c');
    writeFileSync(c, `struct list_head { struct list_head *next, *prev; };
struct my_dev { struct list_head list; int id; unsigned long flags: 7, busy: 1; struct task_struct *owner; const volatile char name[16]; };
struct my_dev devs[4];
enum my_state { MS_IDLE, MS_BUSY = -3 };
int my_func(struct my_dev *d, enum my_state s) { return d->id + s; }
`);
    execFileSync('gcc', ['-g', '-c', c, '-o', join(dir, 'mod.o')]);
    split = join(dir, 'split.btf');
    execFileSync('pahole', ['--btf_base', VMLINUX, `--btf_encode_detached=${split}`, join(dir, 'mod.o')]);
  });

  it('vmlinux: raw listing and format c are identical, line for line', () => {
    const raw = tsbpf('btf', 'dump', VMLINUX);
    expect(raw.status).toBe(0);
    const ref = bpftool('btf', 'dump', 'file', VMLINUX);
    expect(firstDiff(raw.stdout, ref)).toBeUndefined();
    expect(raw.stdout.split('\n').length).toBeGreaterThan(100_000);
    const c = tsbpf('btf', 'dump', VMLINUX, '--format', 'c');
    expect(c.status).toBe(0);
    const refC = bpftool('btf', 'dump', 'file', VMLINUX, 'format', 'c');
    expect(firstDiff(c.stdout, refC)).toBeUndefined();
    // Our vmlinux.h compiles with clang-19 for the BPF target.
    const h = join(dir, 'vmlinux.h');
    writeFileSync(h, c.stdout);
    const probe = join(dir, 'probe.c');
    writeFileSync(probe, '#include "vmlinux.h"\nint f(struct task_struct *t) { return t->pid; }\n');
    execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-c', probe, '-o', join(dir, 'probe.o')], { cwd: dir });
  });

  it('vmlinux: decode → encode is byte-identical', () => {
    const bytes = readBytes(VMLINUX);
    const btf = decodeBtf(bytes);
    expect(btf.length).toBeGreaterThan(100_000);
    expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes))).toBe(true);
    expect(btf.findByName('task_struct', 'STRUCT').length).toBe(1);
    // The name index agrees with a scan of every type's name, for a spread of names (incl. every
    // name shared by several types among them).
    const byName = new Map<string, number[]>();
    for (let id = 1; id <= btf.lastId; id++) {
      const n = btf.nameOf(id);
      if (n === '') continue;
      const l = byName.get(n);
      if (l === undefined) byName.set(n, [id]); else l.push(id);
    }
    const names = [...byName.keys()];
    const sample = names.filter((_, i) => i % Math.ceil(names.length / 200) === 0);
    for (const n of sample) expect(btf.findByName(n), n).toEqual(byName.get(n));
  });

  it('split BTF over vmlinux: raw and C identical, ids continue the base, round trip identical', () => {
    const ours = tsbpf('btf', 'dump', split, '--base', VMLINUX);
    expect(ours.status).toBe(0);
    expect(firstDiff(ours.stdout, bpftool('-B', VMLINUX, 'btf', 'dump', 'file', split))).toBeUndefined();
    const base = decodeBtf(readBytes(VMLINUX));
    expect(ours.stdout.startsWith(`[${base.lastId + 1}] `)).toBe(true);
    const c = tsbpf('btf', 'dump', split, '--base', VMLINUX, '--format', 'c');
    expect(firstDiff(c.stdout, bpftool('-B', VMLINUX, 'btf', 'dump', 'file', split, 'format', 'c'))).toBeUndefined();
    const bytes = readBytes(split);
    const btf = decodeBtf(bytes, { base });
    expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes))).toBe(true);
    const dev = btf.findOne('my_dev', 'STRUCT');
    expect(dev).toBeGreaterThan(base.lastId);
    // A member refers into the base: struct task_struct * resolves there.
    const t = btf.requireType(dev!);
    expect(t.kind === 'STRUCT' && btf.nameOf(btf.requireType(t.members[4]!.type).kind === 'PTR' ? (btf.requireType(t.members[4]!.type) as { type: number }).type : 0)).toBe('task_struct');
  });

  it('clang-19 objects (bpfel and bpfeb): raw, C and JSON as bpftool; round trip byte-identical', () => {
    for (const o of objects) {
      const raw = tsbpf('btf', 'dump', o.path);
      expect(raw.status, raw.stderr).toBe(0);
      expect(firstDiff(raw.stdout, bpftool('btf', 'dump', 'file', o.path)), o.path).toBeUndefined();
      const c = tsbpf('btf', 'dump', o.path, '--format', 'c');
      expect(firstDiff(c.stdout, bpftool('btf', 'dump', 'file', o.path, 'format', 'c')), o.path).toBeUndefined();
      const h = join(dir, `${o.name}.${o.order}.h`);
      writeFileSync(h, c.stdout);
      execFileSync('clang-19', ['-target', 'bpf', '-fsyntax-only', '-x', 'c', h]);
      // JSON: bpftool 7.1 sign-extends unsigned 32-bit enum values ≥ 2^31 to 64 bits; we print the value.
      const json = tsbpf('btf', 'dump', o.path, '--format', 'json');
      const refJson = bpftool('-j', 'btf', 'dump', 'file', o.path).replace(/"val":(\d{20})/g, (_, v: string) => {
        const x = BigInt(v);
        return `"val":${x >= 1n << 63n ? x - (1n << 64n) + (1n << 32n) : x}`;
      });
      expect(json.stdout).toBe(refJson);
      const bytes = btfSection(o.path);
      const btf = decodeBtf(bytes);
      expect(btf.byteOrder).toBe(o.order);
      expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes)), o.path).toBe(true);
    }
  });

  it('covers every kind', () => {
    const kinds = new Set<string>();
    for (const o of objects) for (const [, t] of decodeBtf(btfSection(o.path)).types()) kinds.add(t.kind);
    expect([...kinds].sort()).toEqual(['ARRAY', 'CONST', 'DATASEC', 'DECL_TAG', 'ENUM', 'ENUM64', 'FLOAT', 'FUNC', 'FUNC_PROTO',
      'FWD', 'INT', 'PTR', 'RESTRICT', 'STRUCT', 'TYPEDEF', 'TYPE_TAG', 'UNION', 'VAR', 'VOLATILE']);
  });

  it('bad input: one line, exit 2', () => {
    const bad = join(dir, 'bad.btf');
    writeFileSync(bad, readBytes(VMLINUX).subarray(0, 100));
    const r = tsbpf('btf', 'dump', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^.*bad\.btf: error: BTF byte offset 8: type section .* lies outside/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(tsbpf('btf', 'dump', bad, '--format', 'pdf').status).toBe(2);
    expect(tsbpf('btf', 'frob', bad).status).toBe(2);
    const noBtf = join(dir, 'nobtf.o');
    execFileSync('clang-19', ['-target', 'bpf', '-O2', '-c', join(dir, 'maps.c'), '-o', noBtf]);
    const n = tsbpf('btf', 'dump', noBtf);
    expect(n.status).toBe(2);
    expect(n.stderr).toContain('no .BTF section');
  });
});

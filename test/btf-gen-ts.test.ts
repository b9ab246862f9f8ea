// tsbpf btf gen-ts against the running kernel's BTF: the module generated for task_struct,
// sk_buff, sock, sock_common and trace_event_raw_inet_sock_set_state type-checks under tsc
// strict; the root structs' sizes and member names/offsets/bitfield widths equal bpftool's dump
// of vmlinux; and the BTF our BtfBuilder emits from the generated descriptors equals vmlinux's
// for every emitted type (pointers compared as pointers: unrequested pointees become FWDs).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Btf, decodeBtf } from '../elf/index.js';
import { BtfBuilder, type CType, type StructType, type UnionType } from '../src/dsl/types/index.js';
import { requireReferences } from './support/references.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const ROOTS = ['task_struct', 'sk_buff', 'sock', 'sock_common', 'trace_event_raw_inet_sock_set_state'];
const ok = requireReferences('bpftool') && existsSync(VMLINUX);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { tsbpf: string } };
const bin = pkg.bin.tsbpf;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-gen-ts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Canonical text with pointers as bare PTR and type tags skipped (what gen-ts keeps). */
function shallow(btf: Btf, id: number, seen: Set<string>): string {
  if (id === 0) return 'void';
  const t = btf.requireType(id);
  switch (t.kind) {
    case 'INT': return `INT '${t.name}' ${t.size} enc=${t.encoding} bits=${t.bits}`;
    case 'PTR': return 'PTR';
    case 'TYPE_TAG': return shallow(btf, t.type, seen);
    case 'TYPEDEF': return `TYPEDEF '${t.name}'(${shallow(btf, t.type, seen)})`;
    case 'CONST': case 'VOLATILE': return `${t.kind}(${shallow(btf, t.type, seen)})`;
    case 'ARRAY': return `ARRAY[${t.nelems}] of ${shallow(btf, t.type, seen)}`;
    case 'ENUM': case 'ENUM64': return `${t.kind} '${t.name}' ${t.size} signed=${t.signed} {${t.values.map((v) => `${v.name}=${v.value}`).join(',')}}`;
    case 'STRUCT': case 'UNION': {
      const key = `${t.kind} ${t.name}`;
      if (t.name !== '' && seen.has(key)) return key;
      seen.add(key);
      return `${t.kind} '${t.name}' ${t.size} kf=${t.kindFlag} {${t.members.map((m) => `${m.name}@${m.bitsOffset}:${m.bitfieldSize} ${shallow(btf, m.type, seen)}`).join('; ')}}`;
    }
    default: return `${t.kind} '${t.name}'`;
  }
}

/** Members of one struct from `bpftool btf dump file vmlinux` (raw listing). */
function bpftoolStruct(listing: string, name: string): { size: number; members: string[] } {
  const start = listing.indexOf(`] STRUCT '${name}' size=`);
  if (start < 0) throw new Error(`bpftool: no STRUCT ${name}`);
  const lines = listing.slice(start).split('\n');
  const size = Number(/size=(\d+)/.exec(lines[0]!)![1]);
  const members: string[] = [];
  for (const line of lines.slice(1)) {
    if (!line.startsWith('\t')) break;
    const m = /^\t'([^']*)' type_id=\d+ bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line)!;
    members.push(`${m[1] === '(anon)' ? '' : m[1]}@${m[2]}:${m[3] ?? 0}`);
  }
  return { size, members };
}

describe.skipIf(!ok)('tsbpf btf gen-ts /sys/kernel/btf/vmlinux', () => {
  const file = join(dir, 'kernel-types.ts');
  let mod: Record<string, unknown> = {};
  let vmlinux: Btf;

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const r = tsbpf('btf', 'gen-ts', VMLINUX, ...ROOTS.flatMap((n) => ['--type', n]), '-o', file, '--import', resolve('src/dsl/types/index.js'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    vmlinux = decodeBtf(new Uint8Array(readFileSync(VMLINUX)));
    mod = await import(file) as Record<string, unknown>;
  });

  it('the generated module type-checks under tsc --strict', () => {
    const r = spawnSync(resolve('node_modules/.bin/tsc'), [
      '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--types', 'node', '--typeRoots', resolve('node_modules/@types'), '--skipLibCheck', file,
    ], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('root structs: size and every member name, bit offset and bitfield width equal bpftool\'s', () => {
    const listing = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX], { encoding: 'utf8', maxBuffer: 1 << 30 });
    for (const name of ROOTS) {
      const ours = mod[name] as StructType;
      const theirs = bpftoolStruct(listing, name);
      expect(ours.size, name).toBe(theirs.size);
      expect(ours.members.map((m) => `${m.name}@${m.bitOffset}:${m.bitSize}`), name).toEqual(theirs.members);
    }
  });

  it('BTF emitted from the descriptors equals vmlinux\'s for every emitted struct, union, enum and typedef', () => {
    const b = new BtfBuilder();
    const descriptors = Object.values(mod).filter((v): v is CType => typeof v === 'object' && v !== null && 'kind' in v);
    const named = descriptors.filter((d) => d.name !== '' && ['struct', 'union', 'enum', 'typedef'].includes(d.kind));
    const ids = named.map((d) => b.add(d));
    const ourBtf = b.build();
    let compared = 0;
    let members = 0;
    for (const [i, d] of named.entries()) {
      const id = ids[i]!;
      const kind = d.kind === 'struct' ? 'STRUCT' : d.kind === 'union' ? 'UNION' : d.kind === 'typedef' ? 'TYPEDEF' : (d.size === 8 ? 'ENUM64' : 'ENUM');
      const theirs = vmlinux.findByName(d.name, kind);
      expect(theirs.length, `${kind} ${d.name}`).toBeGreaterThan(0);
      const ourText = shallow(ourBtf, id, new Set());
      expect(theirs.map((x) => shallow(vmlinux, x, new Set())), `${kind} ${d.name}`).toContain(ourText);
      compared++;
      if (d.kind === 'struct' || d.kind === 'union') members += (d as StructType | UnionType).members.length;
    }
    expect(compared).toBe(named.length);
    console.info(`gen-ts: ${compared} named types (${members} struct/union members) equal vmlinux's BTF`);
  });

  it('pointers to requested types stay typed; others point to forward declarations', () => {
    const task = mod.task_struct as StructType;
    const rp = task.members.find((m) => m.name === 'real_parent')!.type;
    expect(rp.kind).toBe('ptr');
    expect(rp.kind === 'ptr' && rp.target).toBe(task);
    const mm = task.members.find((m) => m.name === 'mm')!.type;
    expect(mm.kind === 'ptr' && mm.target.kind).toBe('fwd');
  });

  it('an unknown type name or a missing --type is a one-line error, exit 2', () => {
    const r = tsbpf('btf', 'gen-ts', VMLINUX, '--type', 'no_such_struct_xyz');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${VMLINUX}: error: no struct, union, enum or typedef named 'no_such_struct_xyz' in the BTF\n`);
    const r2 = tsbpf('btf', 'gen-ts', VMLINUX);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toBe('tsbpf: error: btf gen-ts needs at least one --type NAME\n');
  });
});

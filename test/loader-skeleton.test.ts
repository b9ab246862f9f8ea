// Generated skeletons: for every fixture object the generated TypeScript type-checks with tsc
// (strict), and for a few it runs end to end on the live kernel (globals set before load reach
// the program, typed maps and globals read back what the attached programs wrote).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSkeleton, tsTypeOf } from '../loader/index.js';
import { readObject } from '../elf/index.js';
import { requireRoot } from './support/references.js';

const OBJ = 'fixtures/obj';
const dir = join('test', `.skel-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const importFrom = `${relative(dir, 'loader').split('\\').join('/')}/index.js`;

function generateInto(name: string): string {
  const file = join(OBJ, `${name}.bpf.o`);
  const out = join(dir, `${name}.skel.ts`);
  writeFileSync(out, generateSkeleton(readFileSync(file), file, { importFrom }));
  return out;
}

describe('gen skeleton', () => {
  it('generates a skeleton for every fixture object that tsc (strict) accepts', () => {
    const objects = readdirSync(OBJ).filter((f) => f.endsWith('.bpf.o')).map((f) => f.replace(/\.bpf\.o$/, ''));
    expect(objects.length).toBeGreaterThan(40);
    const files = objects.map(generateInto);
    // A consumer file that uses the generated types: wrong member types must fail to compile.
    writeFileSync(join(dir, 'use.ts'), [
      `import { GlobalDataSkeleton } from './global_data.skel.js';`,
      `import { MapHashSkeleton } from './map_hash.skel.js';`,
      'export function f(s: GlobalDataSkeleton, m: MapHashSkeleton): [bigint, number[], number, bigint | undefined] {',
      '  s.data.exec_count = 5n;',
      '  m.sizeMap(\'execs_by_tgid\', { maxEntries: 64, flags: 1 });',
      '  return [s.data.exec_count, s.data.buckets, s.data.state.generation, m.maps.execs_by_tgid.get(1)];',
      '}',
    ].join('\n'));
    writeFileSync(join(dir, 'bad.ts'), [
      `import { GlobalDataSkeleton } from './global_data.skel.js';`,
      `import { MapHashSkeleton } from './map_hash.skel.js';`,
      'export function g(s: GlobalDataSkeleton): void { s.data.exec_count = "x"; }',
      'export function h(m: MapHashSkeleton): void { m.sizeMap(\'no_such_map\', { maxEntries: 1 }); }',
    ].join('\n'));
    const tsc = (...f: string[]): ReturnType<typeof spawnSync> => spawnSync('npx', ['tsc', '--noEmit', '--strict', '--noUncheckedIndexedAccess',
      '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', ...f], { encoding: 'utf8' });
    // One tsc run (it is slow to start): the only errors must be the deliberate one in bad.ts.
    const r = tsc(...files, join(dir, 'use.ts'), join(dir, 'bad.ts'));
    const errors = `${r.stdout}`.split('\n').filter((l) => /error TS/.test(l));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/bad\.ts.*Type 'string' is not assignable to type 'bigint'/);
    expect(errors[1]).toMatch(/bad\.ts.*'"no_such_map"' is not assignable to parameter of type '"execs_by_tgid"'/);
  }, 180_000);

  it('maps BTF types to the TS types the map codec uses', () => {
    const o = readObject(readFileSync(join(OBJ, 'global_data.bpf.o')));
    const btf = o.btf!;
    const data = o.globals.find((g) => g.name === '.data')!;
    const typeOf = (n: string): string => {
      const v = btf.type(data.variables.find((x) => x.name === n)!.btfVar!);
      return v?.kind === 'VAR' ? tsTypeOf(btf, v.type) : '';
    };
    expect([typeOf('exec_count'), typeOf('buckets'), typeOf('state')]).toEqual(['bigint', 'number[]', '{ last_tgid: number; generation: number }']);
  });
});

const live = requireRoot();

/** Imports a freshly generated skeleton module (its types were checked by tsc above). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySkeletonClass = { open(): any; openAndLoad(): any };
async function skeleton(name: string): Promise<Record<string, AnySkeletonClass>> {
  return await import(/* @vite-ignore */ pathToFileURL(resolve(generateInto(name))).href) as Record<string, AnySkeletonClass>;
}

describe.skipIf(!live)('generated skeletons end to end', () => {
  it('global_data: a value set before load is the program\'s starting point; attached, it counts execs', async () => {
    const GlobalDataSkeleton = (await skeleton('global_data')).GlobalDataSkeleton!;
    const s = GlobalDataSkeleton.open();
    try {
      expect(s.data.exec_count).toBe(100n); // the object's initial value
      s.data.exec_count = 1000n;
      s.load();
      expect(s.data.exec_count).toBe(1000n);
      expect(s.data.state.generation).toBe(1);
      const links = s.attach();
      expect(links.map((l: { kind: string; target: string }) => `${l.kind} ${l.target}`)).toEqual(['tracepoint sched/sched_process_exec']);
      const before = s.data.buckets.reduce((a: number, b: number) => a + b, 0);
      for (let i = 0; i < 3; i++) execFileSync('/bin/true');
      expect(s.data.exec_count).toBeGreaterThanOrEqual(1003n);
      expect(s.data.buckets.reduce((a: number, b: number) => a + b, 0) - before).toBeGreaterThanOrEqual(3);
      expect(s.data.state.last_tgid).toBeGreaterThan(0);
    } finally {
      s.close();
    }
  });

  it('global_rodata: read-only values set before load steer the program', async () => {
    const GlobalRodataSkeleton = (await skeleton('global_rodata')).GlobalRodataSkeleton!;
    const quiet = GlobalRodataSkeleton.open();
    try {
      quiet.rodata.target_tgid = 1; // init never execs: the program always returns early
      quiet.load();
      expect(quiet.rodata.target_tgid).toBe(1); // read back from the kernel's map
      expect(() => { quiet.rodata.target_tgid = 2; }).toThrow(/read-only after load/);
      quiet.attach();
      for (let i = 0; i < 5; i++) execFileSync('/bin/true');
      expect(quiet.maps.last_label.get(0)).toBe('');
    } finally {
      quiet.close();
    }
    const loud = GlobalRodataSkeleton.open();
    try {
      loud.rodata.verbose = true;
      loud.load();
      loud.attach();
      // Each exec is sampled with probability 1/2; 30 execs all missed has probability 2^-30.
      for (let i = 0; i < 30 && loud.maps.last_label.get(0) !== 'verbose'; i++) execFileSync('/bin/true');
      expect(loud.maps.last_label.get(0)).toBe('verbose');
    } finally {
      loud.close();
    }
  });

  it('map_sized: maps declared without a size are sized before load through sizeMap', async () => {
    const MapSizedSkeleton = (await skeleton('map_sized')).MapSizedSkeleton!;
    const unsized = MapSizedSkeleton.open();
    try {
      expect(() => unsized.load()).toThrow(/map stacks \(stack_trace\): max_entries is 0/);
    } finally {
      unsized.close();
    }
    const s = MapSizedSkeleton.open();
    try {
      s.sizeMap('stack_counts', { maxEntries: 64 }).sizeMap('stacks', { maxEntries: 32 }).sizeMap('stacks', { valueSize: 127 * 8 });
      s.sizeMap('events', { maxEntries: 4096 });
      s.load();
      const info = (n: string): number[] => { const i = s.maps[n].raw.info; return [i.maxEntries, i.keySize, i.valueSize]; };
      expect([info('stack_counts'), info('stacks'), info('events')]).toEqual([[64, 4, 8], [32, 4, 1016], [4096, 0, 0]]);
      expect(() => s.sizeMap('events', { maxEntries: 1 })).toThrow(/cannot be sized after load/);
      s.attach();
      execFileSync('/bin/true');
      // Each exec counted one user stack: the sized maps are the ones the program uses.
      expect([...s.maps.stack_counts.raw.keys()].length).toBeGreaterThan(0);
    } finally {
      s.close();
    }
  });

  it('map_hash: the typed map has an entry for each exec\'ing process', async () => {
    const MapHashSkeleton = (await skeleton('map_hash')).MapHashSkeleton!;
    const s = MapHashSkeleton.openAndLoad();
    try {
      s.attach();
      const child = spawnSync('/bin/true');
      expect(s.maps.execs_by_tgid.get(child.pid!)).toBe(1n);
      expect(s.progs.count_execve.section).toBe('tracepoint/syscalls/sys_enter_execve');
    } finally {
      s.close();
    }
    expect(() => s.maps).toThrow(/not loaded/);
  });
});

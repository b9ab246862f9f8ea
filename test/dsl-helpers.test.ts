// The generated helper table against the running kernel's BTF (enum bpf_func_id), and helper
// signatures at tsc: the @ts-expect-error lines below are checked by `tsc --noEmit` in npm test
// (an unused @ts-expect-error fails it, so a wrong call that type-checks fails the suite).

import { describe, expect, it } from 'vitest';
import { arrayMap, buildBpfObject, defineObject, DslError, HELPER_TABLE_KERNEL, HELPERS, program, R1, u32, u64 } from '../src/dsl/index.js';
import { requireReferences, run } from './support/references.js';

const counts = arrayMap({ key: u32, value: u64, maxEntries: 4 });

/** Never called: a body whose calls tsc checks. */
export const typeChecks = program('tp/x/y', (b) => {
  const key = b.local('key', 4, 0);
  b.helpers.bpf_map_lookup_elem(counts, key);
  b.helpers.bpf_get_current_pid_tgid();
  b.call('map_update_elem', counts, key, key, 0);
  b.helpers.bpf_trace_printk(key, 4, 1, 2, 3);
  // @ts-expect-error missing key argument
  b.helpers.bpf_map_lookup_elem(counts);
  // @ts-expect-error a number is not a map
  b.helpers.bpf_map_lookup_elem(1, key);
  // @ts-expect-error too many arguments
  b.helpers.bpf_get_current_pid_tgid(1);
  // @ts-expect-error a map is not a scalar flag
  b.call('map_update_elem', counts, key, key, counts);
  // @ts-expect-error no such helper
  b.helpers.bpf_no_such_helper();
  // @ts-expect-error variadic helpers stop at five arguments
  b.helpers.bpf_trace_printk(key, 4, 1, 2, 3, 4);
});

describe('helper table', () => {
  it('has every helper of Linux 6.18 with the id of the kernel BTF enum bpf_func_id', () => {
    expect(HELPER_TABLE_KERNEL).toBe('6.18');
    if (!requireReferences('bpftool')) return;
    const raw = run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw']);
    const at = raw.indexOf("ENUM 'bpf_func_id'");
    expect(at).toBeGreaterThan(0);
    const kernel = new Map<string, number>();
    for (const line of raw.slice(at).split('\n').slice(1)) {
      const m = /^\s+'BPF_FUNC_(\w+)' val=(\d+)/.exec(line);
      if (m === null) break;
      if (m[1] !== 'unspec') kernel.set(m[1]!, Number(m[2]));
    }
    const ours = new Map(Object.entries(HELPERS).map(([n, h]) => [n, h.id]));
    expect(ours).toEqual(kernel);
  });
  it('argument kinds agree with libbpf 1.1 bpf_helper_defs.h for the helpers both know', () => {
    // bpf_helper_defs.h is generated from an older uapi header (6.1): its argument counts must match.
    const defs = run('cat', ['/usr/include/bpf/bpf_helper_defs.h']);
    let checked = 0;
    for (const m of defs.matchAll(/^static [^(]*\(\*(bpf_\w+)\)\(([^)]*)\) = \(void \*\) (\d+);/gm)) {
      const name = m[1]!.slice(4) as keyof typeof HELPERS;
      const h = HELPERS[name];
      if (h === undefined) continue;
      const params = m[2]!.trim() === 'void' ? [] : m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '...');
      expect(h.id, name).toBe(Number(m[3]));
      expect(h.args.length, name).toBe(params.length);
      params.forEach((p, i) => {
        const kind = h.args[i];
        if (/struct bpf_map \*|void \*map/.test(p) && kind === 'map') return;
        expect(kind === 'scalar', `${name} arg ${i}: ${p}`).toBe(!p.includes('*'));
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });
  it('a call with the wrong number of arguments is refused at build time too', () => {
    const obj = defineObject({
      license: 'GPL', maps: { counts },
      programs: { p: program('tp/x/y', (b) => { (b.helpers.bpf_map_lookup_elem as (...a: unknown[]) => unknown)(counts); }) },
    });
    expect(() => buildBpfObject(obj.spec)).toThrow(DslError);
    expect(() => buildBpfObject(obj.spec)).toThrow(/takes 2 arguments, got 1/);
  });
  it('refuses an argument register that an earlier argument overwrites, naming the line', () => {
    const obj = defineObject({
      license: 'GPL', maps: { counts },
      programs: { p: program('tp/x/y', (b) => { const key = b.local('k', 4, 0); b.call('map_update_elem', counts, key, R1, 0); }) },
    });
    expect(() => buildBpfObject(obj.spec)).toThrow(/dsl-helpers\.test\.ts:\d+:\d+: bpf_map_update_elem: argument 3 is in R1, which argument 1 overwrites/);
  });
});

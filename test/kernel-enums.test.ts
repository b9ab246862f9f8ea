// The generated kernel enums (elf/kernel/*.generated.ts, elf/btf/kind.generated.ts) are what the
// vendored kernel BTF gives, and the running kernel agrees with them where it can be asked.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BPF_ATTACH_TYPE, BPF_MAP_TYPE, BPF_PROG_TYPE, BTF_KIND, decodeBtf } from '../elf/index.js';
import { KERNEL_ENUMS, kernelEnumSources, REPO } from './support/kernel-enums/sources.js';

const LIVE = '/sys/kernel/btf/vmlinux';

describe('generated kernel enums', () => {
  it('each generated module is what npm run gen:kernel-enums makes from fixtures/btf/vmlinux.btf.gz', () => {
    const sources = kernelEnumSources();
    expect([...sources.keys()]).toEqual(KERNEL_ENUMS.map((e) => e.file));
    for (const [file, text] of sources) expect([file, readFileSync(join(REPO, file), 'utf8')]).toEqual([file, text]);
  }, 60_000);

  it('anchors: values the uapi has fixed for years', () => {
    expect([BPF_MAP_TYPE.HASH, BPF_MAP_TYPE.RINGBUF, BPF_PROG_TYPE.XDP, BPF_ATTACH_TYPE.TRACE_FENTRY, BTF_KIND.ENUM64]).toEqual([1, 27, 6, 24, 19]);
    // The old names the uapi keeps as aliases are left out, so a number has one name.
    expect(new Set(Object.values(BPF_MAP_TYPE)).size).toBe(Object.keys(BPF_MAP_TYPE).length);
  });

  it.skipIf(!existsSync(LIVE))('the running kernel has every enumerator with the same value', () => {
    const btf = decodeBtf(readFileSync(LIVE));
    const live = new Map<string, number>();
    for (let id = 1; id <= btf.lastId; id++) {
      const t = btf.type(id);
      if (t?.kind === 'ENUM') for (const v of t.values) live.set(v.name, v.value);
    }
    const tables: [string, Record<string, number>][] = [['BPF_MAP_TYPE_', BPF_MAP_TYPE], ['BPF_PROG_TYPE_', BPF_PROG_TYPE], ['BPF_', BPF_ATTACH_TYPE], ['BTF_KIND_', BTF_KIND]];
    for (const [prefix, table] of tables) {
      for (const [name, value] of Object.entries(table)) expect([prefix + name, live.get(prefix + name)]).toEqual([prefix + name, value]);
    }
  }, 60_000);
});

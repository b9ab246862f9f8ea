// The special fields of map values that the verifier model needs (loader/map-value-fields.ts):
// for every map of the clang-built selftest objects, the offsets of struct bpf_spin_lock and
// struct bpf_timer must be what bpftool's raw BTF dump of the same object shows.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareObjectPrograms } from '../loader/index.js';
import { requireReferences, run } from './support/references.js';

const PROGS = join(import.meta.dirname, 'data/verifier-corpus/progs');
const OBJECTS = ['verifier_spin_lock.o', 'verifier_helper_restricted.o', 'verifier_ref_tracking.o'];

interface RawType { readonly head: string; readonly members: { name: string; type: number; bits: number }[] }

/** `bpftool btf dump format raw` parsed into records by id. */
function bpftoolTypes(path: string): Map<number, RawType> {
  const types = new Map<number, RawType>();
  let cur: RawType | undefined;
  for (const line of run('bpftool', ['btf', 'dump', 'file', path, 'format', 'raw']).split('\n')) {
    const head = /^\[(\d+)\] (.*)$/.exec(line);
    if (head !== null) { cur = { head: head[2]!, members: [] }; types.set(Number(head[1]), cur); continue; }
    const m = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)/.exec(line);
    if (m !== null && cur !== undefined) cur.members.push({ name: m[1]!, type: Number(m[2]), bits: Number(m[3]) });
  }
  return types;
}

/** For each map variable of `.maps`: the offsets of its value struct's bpf_spin_lock and bpf_timer members. */
function expectedFields(path: string): Map<string, { spinLockOff?: number; timerOff?: number }> {
  const types = bpftoolTypes(path);
  const structName = (id: number): string | undefined => /^STRUCT '([^']*)'/.exec(types.get(id)?.head ?? '')?.[1];
  const out = new Map<string, { spinLockOff?: number; timerOff?: number }>();
  for (const t of types.values()) {
    const v = /^VAR '([^']*)' type_id=(\d+)/.exec(t.head);
    if (v === null) continue;
    const value = types.get(Number(v[2]))?.members.find((m) => m.name === 'value');
    const ptr = value === undefined ? null : /^PTR '[^']*' type_id=(\d+)/.exec(types.get(value.type)?.head ?? '');
    if (ptr === null || ptr === undefined) continue;
    const fields: { spinLockOff?: number; timerOff?: number } = {};
    for (const m of types.get(Number(ptr[1]))?.members ?? []) {
      if (structName(m.type) === 'bpf_spin_lock') fields.spinLockOff = m.bits / 8;
      if (structName(m.type) === 'bpf_timer') fields.timerOff = m.bits / 8;
    }
    out.set(v[1]!, fields);
  }
  return out;
}

describe.skipIf(!requireReferences('bpftool'))('map value fields', () => {
  for (const file of OBJECTS) {
    it(`${file}: spin lock and timer offsets agree with bpftool`, () => {
      const path = join(PROGS, file);
      const expected = expectedFields(path);
      let seen = 0;
      for (const p of prepareObjectPrograms(new Uint8Array(readFileSync(path)))) {
        for (const map of p.maps.values()) {
          const want = expected.get(map.name);
          if (want === undefined) continue;
          seen++;
          expect({ spinLockOff: map.spinLockOff, timerOff: map.timerOff }, `${file} ${map.name}`).toEqual({ spinLockOff: want.spinLockOff, timerOff: want.timerOff });
        }
      }
      expect(seen).toBeGreaterThan(0);
      expect([...expected.values()].some((f) => f.spinLockOff !== undefined || f.timerOff !== undefined) || file === 'verifier_ref_tracking.o').toBe(true);
    });
  }
});

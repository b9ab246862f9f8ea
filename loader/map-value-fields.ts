// The special fields of a map value that the verifier tracks (the kernel's btf_record as
// btf_parse_fields builds it at BPF_MAP_CREATE): where a struct bpf_spin_lock or struct bpf_timer
// sits in the value type, found through modifiers and nested structs.

import { type Btf, skipModifiers } from '../elf/index.js';

export interface MapValueFields {
  readonly spinLockOff?: number;
  readonly timerOff?: number;
}

const MAX_NESTING = 8;

/** The fields of the map value type `valueType` of `btf` (none for a type that is not a struct). */
export function mapValueFields(btf: Btf, valueType: number): MapValueFields {
  const out: { spinLockOff?: number; timerOff?: number } = {};
  const visit = (id: number, base: number, depth: number): void => {
    const t = btf.type(skipModifiers((i) => btf.type(i), id));
    if (t === undefined || (t.kind !== 'STRUCT' && t.kind !== 'UNION') || depth > MAX_NESTING) return;
    for (const m of t.members) {
      const mt = btf.type(skipModifiers((i) => btf.type(i), m.type));
      if (mt?.kind !== 'STRUCT') continue;
      const off = base + Math.floor(m.bitsOffset / 8);
      if (mt.name === 'bpf_spin_lock') out.spinLockOff ??= off;
      else if (mt.name === 'bpf_timer') out.timerOff ??= off;
      else visit(m.type, off, depth + 1);
    }
  };
  visit(valueType, 0, 0);
  return out;
}

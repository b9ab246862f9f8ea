// The special fields of a map value that the verifier tracks (the kernel's btf_record as
// btf_parse_fields builds it at BPF_MAP_CREATE): where a struct bpf_spin_lock or struct bpf_timer
// sits in the value type, found through modifiers and nested structs; and the other special
// fields (kptrs, graph roots and nodes, refcounts, workqueues), named so that a model that does
// not track them can say so instead of treating them as plain bytes.

import { type Btf, skipModifiers } from '../elf/index.js';

/** A kptr field: a pointer tagged __kptr_untrusted, __kptr or __percpu_kptr to a named struct. */
export interface MapKptrField {
  readonly off: number;
  /** BPF_KPTR_UNREF, BPF_KPTR_REF, BPF_KPTR_PERCPU. */
  readonly kind: 'unref' | 'ref' | 'percpu';
  /** The struct it points to (the kernel looks it up by name in its own BTF). */
  readonly target: string;
}

export interface MapValueFields {
  readonly spinLockOff?: number;
  readonly timerOff?: number;
  /** Kptr fields by offset, when all of them are plain members (not in arrays). */
  readonly kptrs?: readonly MapKptrField[];
  /** Special fields other than the lock and timer, by kind ('kptr', 'bpf_list_head', …), each once. */
  readonly otherFields?: readonly string[];
}

const MAX_NESTING = 8;

/** Structs the kernel's btf_parse_fields records besides bpf_spin_lock and bpf_timer. */
const OTHER_STRUCTS = new Set(['bpf_list_head', 'bpf_list_node', 'bpf_rb_root', 'bpf_rb_node', 'bpf_refcount', 'bpf_wq', 'bpf_res_spin_lock', 'bpf_task_work']);
/** Type tags on a pointer member that make it a kptr field, and the kind each gives (btf_find_kptr). */
const KPTR_TAGS: ReadonlyMap<string, MapKptrField['kind'] | undefined> = new Map([['kptr_untrusted', 'unref'], ['kptr', 'ref'], ['percpu_kptr', 'percpu'], ['kptr_ref', undefined]]);

/** The fields of the map value type `valueType` of `btf` (none for a type that is not a struct). */
export function mapValueFields(btf: Btf, valueType: number): MapValueFields {
  const out: { spinLockOff?: number; timerOff?: number } = {};
  const other = new Set<string>();
  const kptrs: MapKptrField[] = [];
  const skip = (id: number): number => skipModifiers((i) => btf.type(i), id);
  // One member (or array element, arrays of fields count as the kernel counts them) at `off`.
  const field = (typeId: number, off: number, depth: number, inArray: boolean): void => {
    const mt = btf.type(skip(typeId));
    if (mt?.kind === 'PTR') {
      const tag = btf.type(mt.type);
      if (tag?.kind !== 'TYPE_TAG' || !KPTR_TAGS.has(tag.name)) return;
      const kind = KPTR_TAGS.get(tag.name);
      const target = btf.type(skip(tag.type));
      // Arrays of kptrs repeat the field per element; other tags and targets the model leaves to the kernel.
      if (kind === undefined || inArray || target?.kind !== 'STRUCT' || target.name === '') other.add('kptr');
      else kptrs.push({ off, kind, target: target.name });
    } else if (mt?.kind === 'ARRAY') {
      if (mt.nelems > 0) field(mt.type, off, depth + 1, true);
    } else if (mt?.kind === 'STRUCT') {
      if (mt.name === 'bpf_spin_lock') out.spinLockOff ??= off;
      else if (mt.name === 'bpf_timer') out.timerOff ??= off;
      else if (OTHER_STRUCTS.has(mt.name)) other.add(mt.name);
      else visit(typeId, off, depth + 1, inArray);
    }
  };
  const visit = (id: number, base: number, depth: number, inArray: boolean): void => {
    const t = btf.type(skip(id));
    if (t === undefined || (t.kind !== 'STRUCT' && t.kind !== 'UNION') || depth > MAX_NESTING) return;
    for (const m of t.members) field(m.type, base + Math.floor(m.bitsOffset / 8), depth, inArray);
  };
  visit(valueType, 0, 0, false);
  // A value whose kptrs the model cannot all describe keeps them all as 'kptr' (not modelled).
  if (other.has('kptr')) kptrs.length = 0;
  const withKptrs = kptrs.length === 0 ? out : { ...out, kptrs: kptrs.sort((a, b) => a.off - b.off) };
  return other.size === 0 ? withKptrs : { ...withKptrs, otherFields: [...other].sort() };
}

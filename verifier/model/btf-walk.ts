// A load through a PTR_TO_BTF_ID (btf_struct_access, btf_struct_walk): the kernel finds the
// struct member that holds the accessed bytes, descending into nested structs, unions and arrays;
// a scalar member gives an unknown scalar. The model walks the kernel's BTF the same way and
// reports the kernel's messages for an access beyond the struct, beyond a member or into a hole.
// A pointer member ends the walk (btf-walked-pointer.ts gives the pointer it loads); flexible
// arrays are not modelled.

import { type Btf, type BtfType, resolveTypeSize } from '../../elf/index.js';
import { isIntOrEnum, skipTypeModifiers } from './btf-types.js';
import { notModelled, reject } from './outcome.js';

type Composite = Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;

/** MAX_RESOLVE_DEPTH: nesting the walk follows before it gives up. */
const MAX_DEPTH = 32;

const resolved = (btf: Btf, id: number): { id: number; t: BtfType | undefined } => {
  const r = skipTypeModifiers(btf, id);
  return { id: r, t: btf.type(r) };
};

/** The element type of a (possibly multi-dimensional) array, and the number of elements in all. */
function arrayElement(btf: Btf, id: number): { t: BtfType | undefined; id: number; count: number } {
  let count = 1;
  let r = resolved(btf, id);
  for (let d = 0; d < MAX_DEPTH && r.t?.kind === 'ARRAY'; d++) {
    count *= r.t.nelems;
    r = resolved(btf, r.t.type);
  }
  return { t: r.t, id: r.id, count };
}

/** A pointer member the walk ended on: its name and the id of its PTR type. */
export interface WalkedPointer { readonly member: string; readonly ptr: number; readonly throughUnion: boolean }

/** What a read of `size` bytes at `off` in the struct `structId` gives: a scalar, a pointer member, or the kernel's refusal. */
export function walkBtfStruct(btf: Btf, structId: number, off: number, size: number): 'scalar' | WalkedPointer {
  let t = resolved(btf, structId).t;
  // Walking a union of several members makes the walk untrusted, which lets a scalar read run past its member.
  let untrusted = false;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (t?.kind !== 'STRUCT' && t?.kind !== 'UNION') notModelled('a BTF pointer to a type that is not a struct');
    const s: Composite = t;
    // __btf_name_by_offset names anonymous types '(anon)'.
    const tname = s.name === '' ? '(anon)' : s.name;
    if (s.kind === 'UNION' && s.members.length !== 1) untrusted = true;
    if (off + size > s.size) {
      const last = s.members[s.members.length - 1];
      const lastT = last === undefined ? undefined : resolved(btf, last.type).t;
      if (lastT?.kind === 'ARRAY' && lastT.nelems === 0) notModelled('loads past a struct into its flexible array');
      reject('EACCES', `access beyond struct ${tname} at off ${off} size ${size}`);
    }
    let next: { t: BtfType; off: number } | undefined;
    for (const m of s.members) {
      const moff = Math.floor(m.bitsOffset / 8);
      if (off + size <= moff) break;
      if (m.bitfieldSize !== 0) {
        const endBit = m.bitsOffset + m.bitfieldSize;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return 'scalar';
        continue;
      }
      if (off < moff) break;
      let msize = resolveTypeSize((x) => btf.type(x), m.type);
      if (msize === undefined) notModelled(`a member of struct ${s.name} without a size`);
      const trueEnd = moff + msize;
      if (off >= trueEnd) continue;
      const mr = resolved(btf, m.type);
      let mt = mr.t;
      let mid = mr.id;
      let at = moff;
      if (mt?.kind === 'ARRAY') {
        if (moff === trueEnd) continue;
        const el = arrayElement(btf, m.type);
        msize = Math.floor(msize / el.count);
        at = moff + Math.floor((off - moff) / msize) * msize;
        mt = el.t;
        mid = el.id;
      }
      if (mt?.kind === 'STRUCT' || mt?.kind === 'UNION') {
        next = { t: mt, off: off - at };
        break;
      }
      if (mt?.kind === 'PTR') {
        if (msize !== size || off !== at) reject('EACCES', `cannot access ptr member ${m.name} with moff ${at} in struct ${tname} with off ${off} size ${size}`);
        return { member: m.name, ptr: mid, throughUnion: untrusted };
      }
      if (!isIntOrEnum(mt)) notModelled(`a member of kind ${mt?.kind ?? 'void'} through a BTF pointer`);
      if (off + size > trueEnd && !untrusted) {
        reject('EACCES', `access beyond the end of member ${m.name} (mend:${trueEnd}) in struct ${tname} with off ${off} size ${size}`);
      }
      return 'scalar';
    }
    if (next === undefined) reject('EINVAL', `struct ${tname} doesn't have field at offset ${off}`);
    t = next.t;
    off = next.off;
  }
  return notModelled('a BTF struct nested too deeply');
}

/**
 * btf_struct_ids_match for kernel structs: `have` at `off` is `want` (strict: only the same struct
 * at offset 0), or holds `want` as a nested struct member starting at `off`, or at offset 0 of one.
 */
export function structIdsMatch(btf: Btf, have: string, off: number, want: string, strict: boolean): boolean {
  if (off === 0 && have === want) return true;
  if (strict) return false;
  let t = resolved(btf, structId(btf, have) ?? 0).t;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const next = nestedStructAt(btf, t, off);
    if (next === undefined) return false;
    if (next.name === want) return true;
    t = next;
    off = 0;
  }
  return false;
}

/** btf_struct_walk of one byte at `off`: the outermost struct or union member that starts there. */
function nestedStructAt(btf: Btf, t: BtfType | undefined, off: number): Composite | undefined {
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if ((t?.kind !== 'STRUCT' && t?.kind !== 'UNION') || off + 1 > t.size) return undefined;
    let next: { t: Composite; at: number } | undefined;
    for (const m of t.members) {
      const moff = Math.floor(m.bitsOffset / 8);
      if (m.bitfieldSize !== 0) continue;
      const msize = resolveTypeSize((x) => btf.type(x), m.type);
      if (msize === undefined || off < moff || off >= moff + msize) continue;
      let mt = resolved(btf, m.type).t;
      let at = moff;
      if (mt?.kind === 'ARRAY') {
        const el = arrayElement(btf, m.type);
        const esize = Math.floor(msize / el.count);
        at = moff + Math.floor((off - moff) / esize) * esize;
        mt = el.t;
      }
      if (mt?.kind === 'STRUCT' || mt?.kind === 'UNION') next = { t: mt, at };
      break;
    }
    if (next === undefined) return undefined;
    if (next.at === off) return next.t;
    t = next.t;
    off -= next.at;
  }
  return undefined;
}

/** The kernel BTF id of the struct `name` (the first one of that name). */
export function structId(btf: Btf, name: string): number | undefined {
  return btf.findByName(name, 'STRUCT')[0];
}

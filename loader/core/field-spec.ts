// A CO-RE "spec": what an access string denotes in one BTF. The raw indices walk every level
// (anonymous members included); the accessors keep only the meaningful steps — named members,
// array indices, or the enumerator — which is what is matched by name in a target BTF.

import { BtfExtError, parseAccessString, type Btf, type BtfArray, type CoreRelocationKind } from '../../elf/index.js';
import { CoreError } from './errors.js';
import { fieldsAreCompatible, typesAreCompatible, typesMatch } from './compat.js';
import { kindFamily } from './kinds.js';
import { essentialNameLength } from './names.js';
import { isAnyEnum, isComposite, resolveSize, skipModsAndTypedefs, typeAt } from './type-queries.js';

/** libbpf's BPF_CORE_SPEC_MAX_LEN. */
export const CORE_SPEC_MAX_LEN = 64;

export interface CoreAccessor {
  /** The struct/union (named member), array element type (array index) or enum (enumerator). */
  readonly typeId: number;
  readonly index: number;
  /** Member or enumerator name; undefined for an array index. */
  readonly name?: string;
}

export interface CoreSpec {
  readonly btf: Btf;
  readonly rootTypeId: number;
  readonly kind: CoreRelocationKind;
  /** Every index of the path, anonymous members included. */
  readonly raw: readonly number[];
  readonly accessors: readonly CoreAccessor[];
  /** Bit offset of the field from the root pointer. */
  readonly bitOffset: number;
}

/** True for a zero-length array that is the last member of the struct named by the previous accessor. */
function isFlexibleArray(btf: Btf, previous: CoreAccessor | undefined, array: BtfArray): boolean {
  if (previous?.name === undefined || array.nelems > 0) return false;
  const t = typeAt(btf, previous.typeId);
  return isComposite(t) && previous.index === t.members.length - 1;
}

function sizeOf(btf: Btf, id: number): number {
  const sz = resolveSize(btf, id);
  if (sz === undefined) throw new CoreError(`type [${id}] has no size`);
  return sz;
}

/** bpf_core_parse_spec: the local spec of a relocation. Malformed input is a CoreError. */
export function parseSpec(btf: Btf, rootTypeId: number, kind: CoreRelocationKind, accessString: string): CoreSpec {
  if (!btf.has(rootTypeId)) throw new CoreError(`local BTF has no type id ${rootTypeId}`);
  const family = kindFamily(kind);
  if (family === 'type') {
    if (accessString !== '0') throw new CoreError(`type-based relocation ${kind} needs access string "0", not "${accessString}"`);
    return { btf, rootTypeId, kind, raw: [], accessors: [], bitOffset: 0 };
  }
  let raw: number[];
  try { raw = parseAccessString(accessString); } catch (e) {
    if (e instanceof BtfExtError) throw new CoreError(`bad access string "${accessString}": ${e.reason}`);
    throw e;
  }
  if (raw.length > CORE_SPEC_MAX_LEN) throw new CoreError(`access string "${accessString}" has more than ${CORE_SPEC_MAX_LEN} indices`);
  let { id, type: t } = skipModsAndTypedefs(btf, rootTypeId);
  const first = raw[0]!;
  if (family === 'enumval') {
    if (!isAnyEnum(t) || raw.length > 1 || first >= t.values.length) {
      throw new CoreError(`enumerator access "${accessString}" does not name a value of type [${rootTypeId}]`);
    }
    return { btf, rootTypeId, kind, raw, accessors: [{ typeId: id, index: first, name: t.values[first]!.name }], bitOffset: 0 };
  }
  const accessors: CoreAccessor[] = [{ typeId: id, index: first }];
  let bitOffset = first * sizeOf(btf, id) * 8;
  for (let i = 1; i < raw.length; i++) {
    ({ id, type: t } = skipModsAndTypedefs(btf, id));
    const index = raw[i]!;
    if (isComposite(t)) {
      const m = t.members[index];
      if (m === undefined) throw new CoreError(`access "${accessString}": member ${index} of [${id}] does not exist (${t.members.length} members)`);
      bitOffset += m.bitsOffset;
      if (m.name !== '') accessors.push({ typeId: id, index, name: m.name });
      id = m.type;
    } else if (t?.kind === 'ARRAY') {
      const flex = isFlexibleArray(btf, accessors[accessors.length - 1], t);
      id = skipModsAndTypedefs(btf, t.type).id;
      if (!flex && index >= t.nelems) throw new CoreError(`access "${accessString}": index ${index} is past the array of ${t.nelems}`);
      accessors.push({ typeId: id, index });
      bitOffset += index * sizeOf(btf, id) * 8;
    } else {
      throw new CoreError(`access "${accessString}": index ${i} steps into [${id}] of kind ${t?.kind ?? 'VOID'}, not a struct, union or array`);
    }
  }
  return { btf, rootTypeId, kind, raw, accessors, bitOffset };
}

interface MutableSpec { raw: number[]; accessors: CoreAccessor[]; bitOffset: number }

/** bpf_core_match_member: finds the local named member in a target composite, descending into anonymous members. */
function matchMember(local: Btf, acc: CoreAccessor, targ: Btf, targId: number, spec: MutableSpec): { found: boolean; next: number } {
  const { id, type: t } = skipModsAndTypedefs(targ, targId);
  if (!isComposite(t)) return { found: false, next: 0 };
  const lt = typeAt(local, acc.typeId);
  if (!isComposite(lt)) throw new CoreError(`local accessor type [${acc.typeId}] is not a struct or union`);
  const lm = lt.members[acc.index]!;
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    if (spec.raw.length === CORE_SPEC_MAX_LEN) throw new CoreError(`target nests deeper than ${CORE_SPEC_MAX_LEN} levels`);
    spec.bitOffset += m.bitsOffset;
    spec.raw.push(i);
    if (m.name === '') {
      const r = matchMember(local, acc, targ, m.type, spec);
      if (r.found) return r;
    } else if (m.name === lm.name) {
      if (!fieldsAreCompatible(local, lm.type, targ, m.type)) return { found: false, next: 0 };
      spec.accessors.push({ typeId: id, index: i, name: m.name });
      return { found: true, next: m.type };
    }
    spec.bitOffset -= m.bitsOffset;
    spec.raw.pop();
  }
  return { found: false, next: 0 };
}

/**
 * bpf_core_spec_match: the target spec of a candidate root type, or undefined when the candidate
 * does not have the field / enumerator / compatible type.
 */
export function matchSpec(local: CoreSpec, targ: Btf, targRootId: number): CoreSpec | undefined {
  const family = kindFamily(local.kind);
  const base = { btf: targ, rootTypeId: targRootId, kind: local.kind };
  if (family === 'type') {
    const ok = local.kind === 'type_matches'
      ? typesMatch(local.btf, local.rootTypeId, targ, targRootId)
      : typesAreCompatible(local.btf, local.rootTypeId, targ, targRootId);
    return ok ? { ...base, raw: [], accessors: [], bitOffset: 0 } : undefined;
  }
  if (family === 'enumval') {
    const { id, type: t } = skipModsAndTypedefs(targ, targRootId);
    if (!isAnyEnum(t)) return undefined;
    const name = local.accessors[0]!.name!;
    const len = essentialNameLength(name);
    for (let i = 0; i < t.values.length; i++) {
      const tn = t.values[i]!.name;
      if (essentialNameLength(tn) === len && tn.slice(0, len) === name.slice(0, len)) {
        return { ...base, raw: [i], accessors: [{ typeId: id, index: i, name: tn }], bitOffset: 0 };
      }
    }
    return undefined;
  }
  const spec: MutableSpec = { raw: [], accessors: [], bitOffset: 0 };
  let targId = targRootId;
  for (let i = 0; i < local.accessors.length; i++) {
    const la = local.accessors[i]!;
    const r = skipModsAndTypedefs(targ, targId);
    targId = r.id;
    if (la.name !== undefined) {
      const m = matchMember(local.btf, la, targ, targId, spec);
      if (!m.found) return undefined;
      targId = m.next;
    } else {
      // Accessor 0 indexes through the root pointer: the root itself is the element type.
      if (i > 0) {
        if (r.type?.kind !== 'ARRAY') return undefined;
        const flex = isFlexibleArray(targ, spec.accessors[spec.accessors.length - 1], r.type);
        if (!flex && la.index >= r.type.nelems) return undefined;
        targId = skipModsAndTypedefs(targ, r.type.type).id;
      }
      if (spec.raw.length === CORE_SPEC_MAX_LEN) throw new CoreError(`target nests deeper than ${CORE_SPEC_MAX_LEN} levels`);
      spec.accessors.push({ typeId: targId, index: la.index });
      spec.raw.push(la.index);
      spec.bitOffset += la.index * sizeOf(targ, targId) * 8;
    }
  }
  return { ...base, ...spec };
}

// The three compatibility relations of libbpf 1.1's relo_core.c:
// - fieldsAreCompatible: may a local field be read through a target field of this type?
// - typesAreCompatible: TYPE_EXISTS / TYPE_SIZE / TYPE_ID_TARGET candidates (loose: names and kinds).
// - typesMatch: TYPE_MATCHES (strict: members by name, int size and sign, enum names, array lengths).
// Results are 0/1 as in libbpf; conditions libbpf reports as -EINVAL (recursion too deep) throw.

import type { Btf, BtfEnum, BtfEnum64, BtfStruct, BtfUnion } from '../../elf/index.js';
import { BTF_INT_SIGNED } from '../../elf/index.js';
import { CoreError } from './errors.js';
import { essentialNameLength } from './names.js';
import { isAnyEnum, isComposite, kindsCoreCompatible, nameAt, skipModsAndTypedefs, typeAt } from './type-queries.js';

/** libbpf's recursion budgets: 32 loop steps per call, 32 levels of nested calls. */
const MAX_DEPTH = 32;
const MAX_LEVEL = 32;

const tooDeep = (what: string): CoreError => new CoreError(`${what}: type graph nests deeper than ${MAX_DEPTH} levels`);

function essentialPrefixEqual(a: string, b: string): boolean {
  const la = essentialNameLength(a);
  return la === essentialNameLength(b) && a.slice(0, la) === b.slice(0, la);
}

/** bpf_core_fields_are_compat: a field of local type `localId` vs a target field of type `targId`. */
export function fieldsAreCompatible(local: Btf, localId: number, targ: Btf, targId: number): boolean {
  for (;;) {
    const l = skipModsAndTypedefs(local, localId);
    const t = skipModsAndTypedefs(targ, targId);
    if (isComposite(l.type) && isComposite(t.type)) return true;
    if (!kindsCoreCompatible(l.type, t.type)) return false;
    const lt = l.type;
    const tt = t.type;
    if (lt === undefined || tt === undefined) return false; // void fields do not exist in valid BTF
    switch (lt.kind) {
      case 'PTR': case 'FLOAT':
        return true;
      case 'FWD': case 'ENUM': case 'ENUM64': {
        const ln = lt.name;
        const tn = tt.name;
        return essentialNameLength(ln) === 0 || essentialNameLength(tn) === 0 || essentialPrefixEqual(ln, tn);
      }
      case 'INT':
        return lt.bitsOffset === 0 && (tt as typeof lt).bitsOffset === 0;
      case 'ARRAY':
        localId = lt.type;
        targId = (tt as typeof lt).type;
        continue;
      default:
        return false;
    }
  }
}

/** __bpf_core_types_are_compat (the caller has matched the root names). */
export function typesAreCompatible(local: Btf, localId: number, targ: Btf, targId: number, level = MAX_LEVEL): boolean {
  if (!kindsCoreCompatible(typeAt(local, localId), typeAt(targ, targId))) return false;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep('type compatibility');
    const l = skipModsAndTypedefs(local, localId);
    const t = skipModsAndTypedefs(targ, targId);
    localId = l.id; targId = t.id;
    if (!kindsCoreCompatible(l.type, t.type)) return false;
    const lt = l.type;
    const tt = t.type;
    if (lt === undefined) return true; // void vs void
    switch (lt.kind) {
      case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'FWD':
        return true;
      case 'INT':
        return lt.bitsOffset === 0 && (tt as typeof lt).bitsOffset === 0;
      case 'PTR': case 'ARRAY':
        localId = lt.type;
        targId = (tt as typeof lt).type;
        continue;
      case 'FUNC_PROTO': {
        const tp = tt as typeof lt;
        if (lt.params.length !== tp.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (level <= 0) throw tooDeep('type compatibility');
          const a = skipModsAndTypedefs(local, lt.params[i]!.type).id;
          const b = skipModsAndTypedefs(targ, tp.params[i]!.type).id;
          if (!typesAreCompatible(local, a, targ, b, level - 1)) return false;
        }
        localId = skipModsAndTypedefs(local, lt.returnType).id;
        targId = skipModsAndTypedefs(targ, tp.returnType).id;
        continue;
      }
      default:
        // libbpf warns "unexpected kind ... relocated" (FLOAT, FUNC, VAR, ...) and answers no.
        return false;
    }
  }
}

/** bpf_core_names_match: an anonymous target matches only an anonymous local; otherwise essential names. */
function namesMatch(localName: string, targName: string): boolean {
  if (targName === '') return localName === '';
  return essentialPrefixEqual(localName, targName);
}

function enumsMatch(lt: BtfEnum | BtfEnum64, tt: BtfEnum | BtfEnum64): boolean {
  if (lt.size !== tt.size || lt.values.length > tt.values.length) return false;
  return lt.values.every((lv) => tt.values.some((tv) => namesMatch(lv.name, tv.name)));
}

/** __bpf_core_types_match of libbpf 1.1 (the caller has matched the root names). */
export function typesMatch(local: Btf, localId: number, targ: Btf, targId: number, behindPtr = false, level = MAX_LEVEL): boolean {
  if (level <= 0) throw tooDeep('type match');
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep('type match');
    const l = skipModsAndTypedefs(local, localId);
    const t = skipModsAndTypedefs(targ, targId);
    localId = l.id; targId = t.id;
    if (!namesMatch(nameAt(local, l.id), nameAt(targ, t.id))) return false;
    const lt = l.type;
    const tt = t.type;
    const tk = tt?.kind ?? 'VOID';
    if (lt === undefined) return tk === 'VOID';
    switch (lt.kind) {
      case 'FWD': {
        if (tt?.kind === 'FWD') return lt.union === tt.union;
        if (!behindPtr) return false;
        return (tk === 'STRUCT' && !lt.union) || (tk === 'UNION' && lt.union);
      }
      case 'ENUM': case 'ENUM64':
        return isAnyEnum(tt) && enumsMatch(lt, tt);
      case 'STRUCT': case 'UNION': {
        if (behindPtr) {
          if (tk === lt.kind) return true;
          if (tt?.kind !== 'FWD') return false;
          return (lt.kind === 'UNION') === tt.union;
        }
        if (tt?.kind !== lt.kind) return false;
        return compositesMatch(local, lt, targ, tt, behindPtr, level);
      }
      case 'INT': {
        if (tt?.kind !== 'INT') return false;
        return lt.size === tt.size && (lt.encoding & BTF_INT_SIGNED) === (tt.encoding & BTF_INT_SIGNED);
      }
      case 'PTR':
        if (tt?.kind !== 'PTR') return false;
        behindPtr = true;
        localId = lt.type; targId = tt.type;
        continue;
      case 'ARRAY':
        if (tt?.kind !== 'ARRAY' || lt.nelems !== tt.nelems) return false;
        localId = lt.type; targId = tt.type;
        continue;
      case 'FUNC_PROTO': {
        if (tt?.kind !== 'FUNC_PROTO' || lt.params.length !== tt.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (!typesMatch(local, lt.params[i]!.type, targ, tt.params[i]!.type, behindPtr, level - 1)) return false;
        }
        localId = lt.returnType; targId = tt.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}

function compositesMatch(local: Btf, lt: BtfStruct | BtfUnion, targ: Btf, tt: BtfStruct | BtfUnion, behindPtr: boolean, level: number): boolean {
  if (lt.members.length > tt.members.length) return false;
  for (const lm of lt.members) {
    let matched = false;
    for (const tm of tt.members) {
      if (!namesMatch(lm.name, tm.name)) continue;
      if (typesMatch(local, lm.type, targ, tm.type, behindPtr, level - 1)) { matched = true; break; }
    }
    if (!matched) return false;
  }
  return true;
}

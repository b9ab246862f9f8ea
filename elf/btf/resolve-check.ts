// The kernel's reference-loop check of a BTF type graph (part of decodeBtf's full check): the kernel
// resolves every type that refers to another (modifiers, pointers, structs and unions, arrays, VARs,
// FUNCs, DECL_TAGs, DATASECs) in id order, depth first on a stack of at most 32 types, and rejects the
// graph when a type it is resolving comes back ("Loop detected") or the stack would grow beyond 32
// ("Exceeded max resolving depth:32"); both are reported on the type the walk started from.
//
// Not every reference is followed: which ones depends on what the walk is resolving, set by the first
// pointer, struct/union or array it pushes. Under a pointer, structs, unions and arrays end the walk
// (a struct may point to itself); under a struct, union or array, pointers end it (so may a member);
// before either, everything that refers onwards is followed. This is the kernel's behaviour on Linux
// 6.18 (kernel/bpf/btf.c: btf_resolve, env_type_is_resolve_sink), written from its description and
// compared with BPF_BTF_LOAD's verdict on random graphs (test/btf-resolve-loops.test.ts). The other
// checks the kernel makes while resolving (member sizes, array index types, …) are not made here.

import { BtfError } from './errors.js';
import { RECORD_LAYOUT } from './fields.js';
import { BTF_KIND, KIND_MASK, KIND_NAMES, KIND_SHIFT, VLEN_MASK } from './kinds.js';

/** The kernel's MAX_RESOLVE_DEPTH. */
const MAX_RESOLVE_DEPTH = 32;

const enum Mode { Tbd = 0, Ptr = 1, Aggregate = 2 }
const NOT_VISITED = 0;
const VISITED = 1;
const RESOLVED = 2;

const { PTR, ARRAY, STRUCT, UNION, TYPEDEF, RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG, TYPE_TAG } = BTF_KIND;

const PROTO = RECORD_LAYOUT.FUNC_PROTO;

const isModifier = (k: number): boolean => (k >= TYPEDEF && k <= RESTRICT) || k === TYPE_TAG;
const isAggregate = (k: number): boolean => k === STRUCT || k === UNION || k === ARRAY;
/** The kinds the kernel resolves (btf_type_needs_resolve). */
const needsResolve = (k: number): boolean =>
  isModifier(k) || k === PTR || isAggregate(k) || k === VAR || k === FUNC || k === DECL_TAG || k === DATASEC;

/** Whether the walk stops at a type of kind k in this mode (env_type_is_resolve_sink). */
function isSink(mode: Mode, k: number): boolean {
  switch (mode) {
    case Mode.Tbd: return !needsResolve(k);
    case Mode.Ptr: return !isModifier(k) && k !== PTR;
    default: return !isModifier(k) && !isAggregate(k);
  }
}

export interface ResolveCheckInput {
  /** The type section as host-order words, already checked record by record (walk-full.ts). */
  readonly words: Uint32Array;
  /** Word offset of each own record, by id - firstId. */
  readonly offsets: Uint32Array;
  /** Byte offset of the type section in the blob. */
  readonly typeOffset: number;
  readonly firstId: number;
  /** A type's name, for the error. */
  readonly nameOf: (id: number) => string;
}

/** Throws the BtfError of the kernel's verdict when the graph has a loop (or a chain) it rejects. */
export function checkResolveLoops(input: ResolveCheckInput): void {
  const { words, offsets, firstId } = input;
  const n = offsets.length;
  const state = new Uint8Array(n);
  /** For a resolved modifier or VAR: the id it resolves to through other modifiers. */
  const resolvedId = new Uint32Array(n);
  const stackId = new Uint32Array(MAX_RESOLVE_DEPTH);
  const stackNext = new Uint32Array(MAX_RESOLVE_DEPTH);
  const stackParentMode = new Uint8Array(MAX_RESOLVE_DEPTH);
  // Kinds by id in one linear pass: the walk then looks a referenced type's kind up in n bytes
  // rather than in its record somewhere in the type section.
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) kinds[i] = (words[offsets[i]! + 1]! >>> KIND_SHIFT) & KIND_MASK;
  const kindOf = (id: number): number => kinds[id - firstId]!;
  // Ids below firstId are the base's, resolved when it was decoded; ids beyond the graph are
  // reported by the record check before this runs.
  const resolved = (id: number): boolean => id < firstId || state[id - firstId] === RESOLVED;

  let mode: Mode = Mode.Tbd;
  let top = 0;
  /** Pushes id; the error's reason when the kernel would refuse. */
  const push = (id: number): string | undefined => {
    if (top === MAX_RESOLVE_DEPTH) return `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`;
    if (id < firstId || state[id - firstId] !== NOT_VISITED) return 'Loop detected';
    state[id - firstId] = VISITED;
    stackId[top] = id;
    stackNext[top] = 0;
    stackParentMode[top] = mode;
    top++;
    if (mode === Mode.Tbd) {
      const k = kindOf(id);
      if (k === PTR) mode = Mode.Ptr;
      else if (isAggregate(k)) mode = Mode.Aggregate;
    }
    return undefined;
  };
  const pop = (to: number): void => {
    top--;
    const id = stackId[top]!;
    state[id - firstId] = RESOLVED;
    resolvedId[id - firstId] = to;
    mode = stackParentMode[top]!;
  };
  /** Where a reference to `next` leads once resolved: through a resolved modifier, to what it resolved to. */
  const through = (next: number): number =>
    next >= firstId && next - firstId < n && isModifier(kindOf(next)) ? resolvedId[next - firstId]! : next;
  /** Whether the walk goes on to `next` from here (a type that is neither a sink nor resolved). */
  const follows = (next: number): boolean => next !== 0 && next - firstId < n && !resolved(next) && !isSink(mode, kindOf(next));

  /** One resolve walk from root, as the kernel's btf_resolve; throws the kernel's verdict on a fault. */
  const resolve = (root: number): void => {
    mode = Mode.Tbd;
    top = 0;
    let fault = push(root);
    while (fault === undefined && top > 0) {
      const id = stackId[top - 1]!;
      const p = offsets[id - firstId]!;
      const info = words[p + 1]!;
      const kind = (info >>> KIND_SHIFT) & KIND_MASK;
      let next = 0;
      switch (kind) {
        case STRUCT: case UNION: case DATASEC: {
          // One reference per member (the member's type) or per section entry (the VAR).
          const vlen = info & VLEN_MASK;
          const l = kind === DATASEC ? RECORD_LAYOUT.DATASEC : RECORD_LAYOUT.STRUCT;
          const stride = l.elemWords;
          const field = l.elemType;
          let e = stackNext[top - 1]!;
          if (kind === DATASEC) mode = Mode.Tbd; // each VAR of a section is resolved on its own
          for (; e < vlen; e++) {
            const t = words[p + 3 + stride * e + field]!;
            if (follows(t)) { next = t; break; }
          }
          stackNext[top - 1] = e + 1;
          break;
        }
        case ARRAY: {
          // The index type first, then the element type.
          let e = stackNext[top - 1]!;
          const [elemWord, indexWord] = RECORD_LAYOUT.ARRAY.typeWords as [number, number];
          if (e === 0) { e = 1; if (follows(words[p + indexWord]!)) next = words[p + indexWord]!; }
          if (next === 0 && e === 1) { e = 2; if (follows(words[p + elemWord]!)) next = words[p + elemWord]!; }
          stackNext[top - 1] = e;
          break;
        }
        case FUNC:
          break; // its prototype is checked, not resolved
        default: {
          // Modifiers, PTR, VAR, DECL_TAG: one reference.
          const t = words[p + 2]!;
          if (follows(t)) { next = t; break; }
          // A pointer or VAR to a modifier resolved under a struct may have stopped at a pointer that
          // is not resolved yet: the walk goes on from there.
          if (kind === PTR || kind === VAR) {
            const r = through(t);
            if (r !== t && follows(r) && kindOf(r) === PTR) next = r;
          }
        }
      }
      if (next !== 0) fault = push(next);
      else pop(isModifier(kind) || kind === VAR ? through(words[p + 2]!) : id);
    }
      if (fault !== undefined) {
      const i = root - firstId;
      const name = input.nameOf(root);
      throw new BtfError(`type [${root}] ${KIND_NAMES[kinds[i]!]}${name === '' ? '' : ` '${name}'`}: ${fault} (the kernel's BTF check refuses it)`,
        input.typeOffset + 4 * offsets[i]!);
    }
  };
  /** Resolves id unless the kernel would not (void, the base's, resolved, or a kind that refers to nothing). */
  const resolveIfNeeded = (id: number): void => {
    const i = id - firstId;
    if (id !== 0 && i >= 0 && i < n && state[i] !== RESOLVED && needsResolve(kinds[i]!)) resolve(id);
  };

  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    // A FUNC refers to a prototype, which is checked rather than resolved (45% of vmlinux's types).
    if (kind === FUNC) { state[i] = RESOLVED; continue; }
    if (kind === FUNC_PROTO) {
      // A prototype's check resolves its return type, then each parameter's, each from its own id.
      const p = offsets[i]!;
      resolveIfNeeded(words[p + 2]!);
      for (let m = p + 3 + PROTO.elemType, e = m + PROTO.elemWords * (words[p + 1]! & VLEN_MASK); m < e; m += PROTO.elemWords) resolveIfNeeded(words[m]!);
      continue;
    }
    resolveIfNeeded(firstId + i);
  }
}

// C declarations of a BTF graph (a vmlinux.h), in the form and order `bpftool btf dump file FILE
// format c` (bpftool 7.1) prints: every named struct/union/enum/typedef once, after the types it
// embeds, with forward declarations where pointers close a cycle, anonymous types inlined, padding
// written out as `long: 64;` style fields and duplicate names suffixed `___N`.

import { TextBuffer } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { forEachField, typeIdsOf } from './fields.js';
import type { BtfArray, BtfEnum, BtfEnum64, BtfFuncProto, BtfStruct, BtfType, BtfUnion } from './types.js';

const HEADER = `#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

`;
const FOOTER = `#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
`;

const enum Order { None = 0, Busy = 1, Done = 2 }
const enum Emit { None = 0, Busy = 1, Done = 2 }

type Composite = BtfStruct | BtfUnion;

const TABS = Array.from({ length: 16 }, (_, n) => '\t'.repeat(n));
const tabs = (n: number): string => TABS[n] ?? '\t'.repeat(n);
/** Reference chains longer than this are loops in a malformed graph. */
const MAX_DEPTH = 256;
/** Gaps beyond this (2 MiB) are written as `long: 64;` lines by bpftool; we refuse them instead. */
const MAX_PADDING_BITS = 1 << 24;

/** Kinds orderType finishes at once without looking further (its default case): FUNC, VAR, DATASEC, DECL_TAG and unknown kinds. */
const ORDER_LEAF = new Set(['FUNC', 'VAR', 'DATASEC', 'DECL_TAG', 'UNKNOWN']);

class CWriter {
  /**
   * The header as bytes: each top-level declaration's text is copied in as soon as it is written,
   * so the strings die young (kept as one rope, every piece survived into the old generation and
   * the collector's copying of them cost more than writing them).
   */
  private readonly out = new TextBuffer(1 << 20);
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdDone: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly typeNameCache: (string | undefined)[];
  private readonly identNameCache: (string | undefined)[];
  /** alignOf's result by id, with the depth its walk went below the id (-1: not yet known). */
  private readonly alignMemo: Int32Array;
  private readonly alignHeight: Int32Array;
  /** The deepest depth the current alignOf walk reached, and whether it hit MAX_DEPTH. */
  private alignDeepest = 0;
  private alignCut = false;
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];
  /** The type where orderType found an unsatisfiable cycle. */
  private cycleAt = 0;
  private declDepth = 0;
  private readonly ptrSize: number;
  /** The padding fields' types, widest first, with their sizes in bits. */
  private readonly pads: readonly (readonly [string, number])[];

  constructor(private readonly btf: Btf) {
    const n = btf.lastId + 1;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdDone = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.typeNameCache = new Array<string | undefined>(n);
    this.identNameCache = new Array<string | undefined>(n);
    this.alignMemo = new Int32Array(n).fill(-1);
    this.alignHeight = new Int32Array(n);
    this.ptrSize = guessPointerSize(btf);
    this.pads = [['long', this.ptrSize * 8], ['int', 32], ['short', 16], ['char', 8]];
    for (let g: Btf | undefined = btf; g !== undefined; g = g.base) this.markReferenced(g);
  }

  /** Marks the ids the graph's own types refer to: from the records themselves when decoded (no type is built). */
  private markReferenced(g: Btf): void {
    const raw = g.raw;
    if (raw === undefined) {
      for (let id = g.firstId; id <= g.lastId; id++) for (const r of typeIdsOf(g.requireType(id))) this.referenced[r] = 1;
      return;
    }
    const { words, offsets } = raw;
    const referenced = this.referenced;
    const mark = (w: number): void => { referenced[words[w]!] = 1; };
    for (let i = 0; i < offsets.length; i++) forEachField(words, offsets[i]!, 'ids', mark);
  }

  private t(id: number): BtfType | undefined { return this.btf.type(id); }

  text(): TextBuffer {
    this.out.text(HEADER);
    for (let id = 1; id <= this.btf.lastId; id++) {
      // The kinds orderType settles at once need not be built (FUNC alone is 45% of vmlinux).
      if (this.order[id] === Order.None && ORDER_LEAF.has(this.btf.kindOf(id))) { this.order[id] = Order.Done; continue; }
      this.queue.length = 0;
      // libbpf (btf_dump_order_type) refuses a type that contains itself other than through a
      // pointer to a named struct or union; bpftool then prints nothing. So do we, rather than
      // leave out every type that depends on it.
      if (this.orderType(id, false) < 0) {
        const at = this.cycleAt;
        throw new BtfError(`unsatisfiable type cycle, id:[${at}] (${this.btf.kindOf(at)} '${this.btf.nameOf(at)}': C cannot declare it before itself)`,
          this.btf.byteOffsetOf(at));
      }
      for (const q of this.queue) this.emitType(q, 0);
    }
    this.out.text(FOOTER);
    return this.out;
  }

  private p(s: string): void { this.out.text(s); }

  // ---- ordering: returns 1 when the type is fully defined where referenced, 0 when a
  // forward declaration suffices (or the type needs no declaration), -1 on an unbreakable loop.
  private orderType(id: number, throughPtr: boolean, depth = 0): number {
    // void counts as ordered (and emitted) from the start.
    if (id === 0) return 1;
    if (depth > MAX_DEPTH) throw new BtfError(`type [${id}] is part of a reference chain deeper than ${MAX_DEPTH}`, this.btf.byteOffsetOf(id));
    const d = depth + 1;
    const t = this.t(id);
    if (t === undefined) return 0;
    const state = this.order[id]!;
    if (state === Order.Done) return 1;
    if (state === Order.Busy) {
      if ((t.kind === 'STRUCT' || t.kind === 'UNION') && throughPtr && t.name !== '') return 0;
      this.cycleAt = id;
      return -1;
    }
    switch (t.kind) {
      case 'INT': case 'FLOAT':
        this.order[id] = Order.Done;
        return 0;
      case 'PTR': {
        // Once walked, a pointer counts as ordered: reaching it again is a strong link, which is
        // what makes a typedef of it a queued definition (libbpf's btf_dump order).
        const r = this.orderType(t.type, true, d);
        this.order[id] = Order.Done;
        return r;
      }
      case 'ARRAY': return this.orderType(t.type, false, d);
      case 'STRUCT': case 'UNION': {
        if (throughPtr && t.name !== '') return 0;
        this.order[id] = Order.Busy;
        for (const m of t.members) if (this.orderType(m.type, false, d) < 0) return -1;
        if (t.name !== '') this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      }
      case 'ENUM': case 'ENUM64': case 'FWD':
        if (t.name !== '' || this.referenced[id] === 0) this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      case 'TYPEDEF': {
        const strong = this.orderType(t.type, throughPtr, d);
        if (strong < 0) return strong;
        if (throughPtr && strong === 0) return 0;
        this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      }
      case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
        return this.orderType(t.type, throughPtr, d);
      case 'FUNC_PROTO': {
        // Strong when its return type or any parameter is.
        let strong = this.orderType(t.returnType, throughPtr, d);
        if (strong < 0) return -1;
        for (const a of t.params) {
          const r = this.orderType(a.type, throughPtr, d);
          if (r < 0) return -1;
          if (r > 0) strong = 1;
        }
        return strong;
      }
      default:
        this.order[id] = Order.Done;
        return 0;
    }
  }

  // ---- emitting
  private emitType(id: number, container: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new BtfError(`type [${id}] is part of a reference chain deeper than ${MAX_DEPTH}`, this.btf.byteOffsetOf(id));
    const d = depth + 1;
    const t = this.t(id);
    if (t === undefined) return;
    const topLevel = container === 0;
    const state = this.emit[id]!;
    if (state === Emit.Done) return;
    if (state === Emit.Busy) {
      if (this.fwdDone[id]) return;
      if (t.kind === 'STRUCT' || t.kind === 'UNION') {
        if (id === container || t.name === '') return;
        this.p(`${this.compositeRef(id, t)};\n\n`);
        this.fwdDone[id] = 1;
      } else if (t.kind === 'TYPEDEF') {
        if (!this.skippedTypedef(id)) this.p(`${this.typedefDef(id, t.type, 0)};\n\n`);
        this.fwdDone[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case 'INT': case 'FLOAT':
        this.emit[id] = Emit.Done;
        break;
      case 'ENUM': case 'ENUM64':
        if (topLevel) this.p(`${this.enumDef(id, t, 0)};\n\n`);
        this.emit[id] = Emit.Done;
        break;
      case 'PTR': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'ARRAY':
        this.emitType(t.type, container, d);
        break;
      case 'FWD':
        this.p(`${t.union ? 'union' : 'struct'} ${this.typeName(id)};\n\n`);
        this.emit[id] = Emit.Done;
        break;
      case 'TYPEDEF':
        this.emit[id] = Emit.Busy;
        this.emitType(t.type, id, d);
        if (!this.fwdDone[id] && !this.skippedTypedef(id)) this.p(`${this.typedefDef(id, t.type, 0)};\n\n`);
        this.emit[id] = Emit.Done;
        break;
      case 'STRUCT': case 'UNION':
        this.emit[id] = Emit.Busy;
        if (topLevel || t.name === '') {
          const inner = t.name === '' ? container : id;
          for (const m of t.members) this.emitType(m.type, inner, d);
        } else if (!this.fwdDone[id] && id !== container) {
          this.p(`${this.compositeRef(id, t)};\n\n`);
          this.fwdDone[id] = 1;
        }
        if (topLevel) {
          this.p(`${this.compositeDef(id, t, 0)};\n\n`);
          this.emit[id] = Emit.Done;
        } else {
          this.emit[id] = Emit.None;
        }
        break;
      case 'FUNC_PROTO':
        this.emitType(t.returnType, container, d);
        for (const a of t.params) this.emitType(a.type, container, d);
        break;
      default:
        break;
    }
  }

  private skippedTypedef(id: number): boolean {
    return this.btf.nameOf(id) === '__builtin_va_list';
  }

  // ---- names
  private dedup(map: Map<string, number>, name: string): string {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n > 1 ? `${name}___${n}` : name;
  }

  private typeName(id: number): string {
    let s = this.typeNameCache[id];
    if (s === undefined) {
      const name = this.btf.nameOf(id);
      s = name === '' ? '' : this.dedup(this.typeNames, name);
      this.typeNameCache[id] = s;
    }
    return s;
  }

  private identName(id: number): string {
    let s = this.identNameCache[id];
    if (s === undefined) {
      const name = this.btf.nameOf(id);
      s = name === '' ? '' : this.dedup(this.identNames, name);
      this.identNameCache[id] = s;
    }
    return s;
  }

  // ---- definitions
  private compositeRef(id: number, t: Composite): string {
    const name = this.typeName(id);
    return `${t.kind === 'UNION' ? 'union' : 'struct'}${name === '' ? '' : ' '}${name}`;
  }

  private enumRef(id: number): string { return `enum ${this.typeName(id)}`; }

  private enumDef(id: number, t: BtfEnum | BtfEnum64, lvl: number): string {
    const name = this.typeName(id);
    let s = `enum${name === '' ? '' : ' '}${name}`;
    if (t.values.length === 0) return s;
    s += ' {';
    const suffix = t.kind === 'ENUM64' ? (t.signed ? 'LL' : 'ULL') : '';
    for (const v of t.values) s += `\n${tabs(lvl + 1)}${this.dedup(this.identNames, v.name)} = ${v.value}${suffix},`;
    s += `\n${tabs(lvl)}}`;
    return s;
  }

  private typedefDef(id: number, type: number, lvl: number): string {
    const name = this.identName(id);
    if (type === 0 && name === '__gnuc_va_list') return 'typedef __builtin_va_list __gnuc_va_list';
    return `typedef ${this.decl(type, name, lvl)}`;
  }

  private compositeDef(id: number, t: Composite, lvl: number): string {
    if (lvl > 256) throw new BtfError(`anonymous type [${id}] nests deeper than 256 levels`, this.btf.byteOffsetOf(id));
    // libbpf asks only of a struct whether it is packed; a union never gets the attribute.
    const packed = t.kind === 'STRUCT' && this.isPacked(t);
    let s = `${this.compositeRef(id, t)} {`;
    let off = 0;
    const isStruct = t.kind === 'STRUCT';
    for (const m of t.members) {
      const align = packed ? 1 : this.alignOf(m.type);
      s += this.padding(off, m.bitsOffset, m.bitfieldSize !== 0, align, lvl + 1, id);
      s += `\n${tabs(lvl + 1)}${this.decl(m.type, m.name, lvl + 1)}`;
      if (m.bitfieldSize !== 0) {
        s += `: ${m.bitfieldSize}`;
        off = m.bitsOffset + m.bitfieldSize;
      } else {
        off = m.bitsOffset + Math.max(0, this.sizeOf(m.type)) * 8;
      }
      s += ';';
    }
    if (isStruct) s += this.padding(off, t.size * 8, false, packed ? 1 : this.alignOf(id), lvl + 1, id);
    if (t.members.length > 0 || t.size > 0) s += `\n${tabs(lvl)}`;
    s += '}';
    if (packed) s += ' __attribute__((packed))';
    return s;
  }

  private padding(cur: number, next: number, bitfield: boolean, nextAlign: number, lvl: number, id: number): string {
    if (cur >= next) return '';
    if (next - cur > MAX_PADDING_BITS) throw new BtfError(`a padding gap of ${next - cur} bits (bit ${cur} to ${next}) in type [${id}] is too large to write out`, this.btf.byteOffsetOf(id));
    const pads = this.pads;
    let s = '';
    let padBits = 8;
    let padType = 'char';
    let aligned = cur;
    for (const [name, bits] of pads) {
      padBits = bits; padType = name;
      aligned = roundUp(cur, bits);
      if (aligned <= next) break;
    }
    if (aligned > cur && aligned <= next) {
      if (bitfield) {
        s += `\n${tabs(lvl)}${padType}: ${aligned - cur};`;
      } else if ((aligned === next && roundUp(cur, nextAlign * 8) !== aligned) || (aligned !== next && next - aligned < padBits)) {
        s += `\n${tabs(lvl)}${padType}: 0;`;
      }
      cur = aligned;
    }
    while (cur !== next) {
      const bits = Math.min(next - cur, padBits);
      if (bits === padBits) {
        s += `\n${tabs(lvl)}${padType}: ${bits};`;
        cur += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, pb] = pads[i]!;
        if (pb < bits) continue;
        s += `\n${tabs(lvl)}${name}: ${bits};`;
        cur += bits;
        break;
      }
    }
    return s;
  }

  /** Packed: a plain member off its type's alignment, or a size that is not a multiple of the largest one. */
  private isPacked(t: Composite): boolean {
    let max = 1;
    for (const m of t.members) {
      const a = this.alignOf(m.type);
      if (a > max) max = a;
      if (a !== 0 && m.bitfieldSize === 0 && m.bitsOffset % (8 * a) !== 0) return true;
    }
    return t.size % max !== 0;
  }

  /**
   * Memoised: a result whose walk did not reach MAX_DEPTH is kept with the depth the walk went
   * below the id, and reused wherever the same walk would again stay above MAX_DEPTH (struct
   * members are asked for again and again; the answer is the same unless the depth cut it short).
   */
  private alignOf(id: number, depth = 0): number {
    const memo = this.alignMemo[id];
    if (memo !== undefined && memo >= 0 && depth + this.alignHeight[id]! <= MAX_DEPTH) {
      if (depth + this.alignHeight[id]! > this.alignDeepest) this.alignDeepest = depth + this.alignHeight[id]!;
      return memo;
    }
    const outerDeepest = this.alignDeepest;
    const outerCut = this.alignCut;
    this.alignDeepest = depth;
    this.alignCut = false;
    const a = this.alignWalk(id, depth);
    if (!this.alignCut && memo !== undefined) {
      this.alignMemo[id] = a;
      this.alignHeight[id] = this.alignDeepest - depth;
    }
    this.alignDeepest = Math.max(outerDeepest, this.alignDeepest);
    this.alignCut ||= outerCut;
    return a;
  }

  private alignWalk(id: number, depth: number): number {
    if (depth > MAX_DEPTH) { this.alignCut = true; return 0; }
    const t = this.t(id);
    if (t === undefined) return 0;
    switch (t.kind) {
      case 'INT': case 'ENUM': case 'ENUM64': case 'FLOAT': return Math.min(this.ptrSize, t.size);
      case 'PTR': return this.ptrSize;
      case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': return this.alignOf(t.type, depth + 1);
      case 'ARRAY': return this.alignOf(t.type, depth + 1);
      case 'STRUCT': case 'UNION': {
        let max = 1;
        for (const m of t.members) {
          const a = this.alignOf(m.type, depth + 1);
          if (a <= 0) return a;
          max = Math.max(max, a);
          if (m.bitfieldSize === 0 && m.bitsOffset % (8 * a) !== 0) return 1;
        }
        return t.size % max !== 0 ? 1 : max;
      }
      default: return 0;
    }
  }

  private sizeOf(id: number, depth = 0): number {
    const t = this.t(id);
    if (t === undefined || depth > MAX_DEPTH) return 0;
    switch (t.kind) {
      case 'INT': case 'ENUM': case 'ENUM64': case 'FLOAT': case 'STRUCT': case 'UNION': case 'DATASEC': return t.size;
      case 'PTR': return this.ptrSize;
      case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'VAR': case 'DECL_TAG':
        return this.sizeOf(t.type, depth + 1);
      case 'ARRAY': return t.nelems * this.sizeOf(t.type, depth + 1);
      default: return 0;
    }
  }

  // ---- declarators: `decl(type, name)` gives e.g. `const char *name[4]` or `int (*name)(void *)`.
  decl(id: number, name: string, lvl: number): string {
    if (this.declDepth > 256) throw new BtfError(`declaration of type [${id}] nests deeper than 256 levels`, this.btf.byteOffsetOf(id));
    this.declDepth++;
    try {
      return this.declChain(id, name, lvl);
    } finally {
      this.declDepth--;
    }
  }

  private declChain(id: number, name: string, lvl: number): string {
    const chain: number[] = [];
    for (let cur = id, guard = 0; guard < 1024; guard++) {
      chain.push(cur);
      const t = this.t(cur);
      if (t === undefined) break;
      if (t.kind === 'PTR' || t.kind === 'VOLATILE' || t.kind === 'CONST' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG' || t.kind === 'ARRAY') cur = t.type;
      else if (t.kind === 'FUNC_PROTO') cur = t.returnType;
      else break;
    }
    return this.chain(chain, name, lvl);
  }

  /** Modifiers directly on top of the base type, written before it (`const char`). */
  private mods(chain: number[]): string {
    let s = '';
    while (chain.length > 0) {
      const t = this.t(chain[chain.length - 1]!);
      if (t?.kind === 'VOLATILE') s += 'volatile ';
      else if (t?.kind === 'CONST') s += 'const ';
      else if (t?.kind === 'RESTRICT') s += 'restrict ';
      else break;
      chain.pop();
    }
    return s;
  }

  private dropMods(chain: number[]): void {
    while (chain.length > 0) {
      const k = this.t(chain[chain.length - 1]!)?.kind;
      if (k !== 'VOLATILE' && k !== 'CONST' && k !== 'RESTRICT') break;
      chain.pop();
    }
  }

  private chain(chain: number[], name: string, lvl: number): string {
    let lastPtr = true;
    const named = (s: string): string => (name === '' ? s : `${s}${lastPtr ? '' : ' '}${name}`);
    if (chain.length === 0) { lastPtr = false; return named('void'); }
    let s = '';
    while (chain.length > 0) {
      const id = chain.pop()!;
      const t = this.t(id);
      if (t === undefined) {
        s += `${this.mods(chain)}void`;
        lastPtr = false;
        continue;
      }
      switch (t.kind) {
        case 'INT': case 'FLOAT':
          s += this.mods(chain) + t.name; break;
        case 'STRUCT': case 'UNION':
          s += this.mods(chain) + (t.name === '' ? this.compositeDef(id, t, lvl) : this.compositeRef(id, t)); break;
        case 'ENUM': case 'ENUM64':
          s += this.mods(chain) + (t.name === '' ? this.enumDef(id, t, lvl) : this.enumRef(id)); break;
        case 'FWD':
          s += `${this.mods(chain)}${t.union ? 'union' : 'struct'} ${this.typeName(id)}`; break;
        case 'TYPEDEF':
          s += this.mods(chain) + this.identName(id); break;
        case 'PTR': s += lastPtr ? '*' : ' *'; break;
        case 'VOLATILE': s += ' volatile'; break;
        case 'CONST': s += ' const'; break;
        case 'RESTRICT': s += ' restrict'; break;
        case 'TYPE_TAG':
          s += `${this.mods(chain)} __attribute__((btf_type_tag("${t.name}")))`; break;
        case 'ARRAY':
          return s + this.array(t, chain, name, lvl, lastPtr);
        case 'FUNC_PROTO':
          return s + this.proto(t, chain, name, lvl, lastPtr);
        default:
          // A kind that cannot stand in a declarator (VAR, DATASEC, FUNC …): libbpf abandons the
          // declaration here, name included, and bpftool prints what it had (`;` for a member).
          return s;
      }
      lastPtr = t.kind === 'PTR';
    }
    return name === '' ? s : `${s}${lastPtr ? '' : ' '}${name}`;
  }

  private array(t: BtfArray, chain: number[], name: string, lvl: number, lastPtr: boolean): string {
    this.dropMods(chain);
    if (chain.length === 0) return `${name === '' ? '' : `${lastPtr ? '' : ' '}${name}`}[${t.nelems}]`;
    const multi = this.t(chain[chain.length - 1]!)?.kind === 'ARRAY';
    let s = name !== '' && !lastPtr ? ' ' : '';
    const inner = this.chain(chain, name, lvl);
    s += multi ? inner : `(${inner})`;
    return `${s}[${t.nelems}]`;
  }

  private proto(t: BtfFuncProto, chain: number[], name: string, lvl: number, lastPtr: boolean): string {
    this.dropMods(chain);
    let s = chain.length > 0 ? ` (${this.chain(chain, name, lvl)})` : (name === '' ? '' : `${lastPtr ? '' : ' '}${name}`);
    s += '(';
    const ps = t.params;
    if (ps.length === 0 || (ps.length === 1 && ps[0]!.type === 0)) return `${s}void)`;
    for (let i = 0; i < ps.length; i++) {
      if (i > 0) s += ', ';
      const a = ps[i]!;
      if (i === ps.length - 1 && a.type === 0) { s += '...'; break; }
      s += this.decl(a.type, a.name, lvl);
    }
    return `${s})`;
  }
}

function roundUp(x: number, to: number): number { return Math.ceil(x / to) * to; }

function guessPointerSize(btf: Btf): number {
  for (const name of ['long int', 'long unsigned int', 'long', 'unsigned long']) {
    for (const id of btf.findByName(name, 'INT')) {
      const t = btf.type(id);
      if (t?.kind === 'INT' && (t.size === 4 || t.size === 8)) return t.size;
    }
  }
  return 8;
}

/** The C header bpftool's `format c` prints for this graph (for split BTF: base and split types, as bpftool does). */
export function formatBtfC(btf: Btf): string {
  return writeBtfC(btf).toString();
}

/** formatBtfC's text as UTF-8 bytes. */
export function writeBtfC(btf: Btf): TextBuffer {
  return new CWriter(btf).text();
}

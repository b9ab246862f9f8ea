// C declarations of a BTF graph (a vmlinux.h), in the form and order `bpftool btf dump file FILE
// format c` (bpftool 7.1) prints: every named struct/union/enum/typedef once, after the types it
// embeds, with forward declarations where pointers close a cycle, anonymous types inlined, padding
// written out as `long: 64;` style fields and duplicate names suffixed `___N`.
//
// The writer reads the records themselves (record-view.ts) and copies names from the string
// section as bytes: no type object and no string per name (for vmlinux, building and keeping them
// was most of its time, in the garbage collector).

import { TextBuffer } from '../../isa/index.js';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { forEachField, infoKind, infoVlen } from './fields.js';
import { BTF_KIND } from './kinds.js';
import { appendInt } from './listing-bytes.js';
import { NameCounts } from './name-counts.js';
import { recordView } from './record-view.js';

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

const K = BTF_KIND;

/** Reference chains longer than this are loops in a malformed graph. */
const MAX_DEPTH = 256;
/** Gaps beyond this (2 MiB) are written as `long: 64;` lines by bpftool; we refuse them instead. */
const MAX_PADDING_BITS = 1 << 24;

/** Kinds orderType finishes at once without looking further (its default case): FUNC, VAR, DATASEC, DECL_TAG and unknown kinds. */
const ORDER_LEAF = Uint8Array.from({ length: 128 }, (_, k) => (k === K.FUNC || k === K.VAR || k === K.DATASEC || k === K.DECL_TAG || k === 0 || k > K.ENUM64 ? 1 : 0));

const TAB = 0x09;
const NL = 0x0a;
const ASCII = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const GNUC_VA_LIST = ASCII('__gnuc_va_list');
const BUILTIN_VA_LIST = ASCII('__builtin_va_list');
const LONG_NAMES = ['long int', 'long unsigned int', 'long', 'unsigned long'];

class CWriter {
  /**
   * The header as bytes: each piece of a declaration is copied in as it is written, names straight
   * from the string section.
   */
  private readonly out: TextBuffer;
  private readonly btf: Btf;
  private readonly words: Uint32Array;
  private readonly rec: Uint32Array;
  private readonly str: Uint8Array;
  private readonly lastId: number;
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdDone: Uint8Array;
  private readonly referenced: Uint8Array;
  /** The use count of each id's name (0: not named yet): `name___N` from the second. */
  private readonly typeNameCount: Int32Array;
  private readonly identNameCount: Int32Array;
  /** alignOf's result by id, with the depth its walk went below the id (-1: not yet known). */
  private readonly alignMemo: Int32Array;
  private readonly alignHeight: Int32Array;
  /** The deepest depth the current alignOf walk reached, and whether it hit MAX_DEPTH. */
  private alignDeepest = 0;
  private alignCut = false;
  private readonly typeNames: NameCounts;
  private readonly identNames: NameCounts;
  private queue: number[] = [];
  /** The type where orderType found an unsatisfiable cycle. */
  private cycleAt = 0;
  private declDepth = 0;
  /**
   * The declarator chains being written, one above the other (a declaration inside a declaration:
   * an anonymous struct's members, a prototype's parameters): each is stack[base..top), base type on
   * top, consumed from the top.
   */
  private stack = new Int32Array(1024);
  private top = 0;
  private readonly ptrSize: number;
  /** The padding fields' types, widest first, with their sizes in bits. */
  private readonly pads: readonly (readonly [string, number])[];

  constructor(graph: Btf) {
    const view = recordView(graph);
    const btf = view.btf;
    this.btf = btf;
    this.words = view.words;
    this.rec = view.rec;
    this.str = view.str;
    this.lastId = btf.lastId;
    const n = btf.lastId + 1;
    // vmlinux.h (2.8 MB) is a little smaller than vmlinux's type section (3.4 MB): one allocation, no growing.
    this.out = new TextBuffer(Math.max(1 << 16, view.words.length * 4));
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdDone = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.typeNameCount = new Int32Array(n);
    this.identNameCount = new Int32Array(n);
    this.alignMemo = new Int32Array(n).fill(-1);
    this.alignHeight = new Int32Array(n);
    this.typeNames = new NameCounts(view.str);
    this.identNames = new NameCounts(view.str);
    this.ptrSize = this.guessPointerSize();
    this.pads = [['long', this.ptrSize * 8], ['int', 32], ['short', 16], ['char', 8]];
    const { words, rec } = this;
    const referenced = this.referenced;
    const mark = (w: number): void => { referenced[words[w]!] = 1; };
    for (let id = 1; id < n; id++) forEachField(words, rec[id]!, 'ids', mark);
  }

  // ---- the records
  /** Kind number of a type; -1 for void and ids beyond the graph. */
  private kind(id: number): number {
    if (id === 0 || id > this.lastId) return -1;
    return infoKind(this.words[this.rec[id]! + 1]!);
  }

  /** The size/type word of a record. */
  private st(id: number): number { return this.words[this.rec[id]! + 2]!; }
  private vlen(id: number): number { return infoVlen(this.words[this.rec[id]! + 1]!); }
  private kindFlag(id: number): boolean { return this.words[this.rec[id]! + 1]! >>> 31 === 1; }
  private nameOff(id: number): number { return this.words[this.rec[id]!]!; }
  private named(id: number): boolean { return this.str[this.words[this.rec[id]!]!] !== 0; }
  /** Word offset of element k (a member, enumerator, parameter) of a record whose elements are `stride` words. */
  private elem(id: number, k: number, stride: number): number { return this.rec[id]! + 3 + k * stride; }
  /** A member's bit offset and bitfield size, from its offset word. */
  private bitsOffset(id: number, m: number): number { const off = this.words[m + 2]!; return this.kindFlag(id) ? off & 0xffffff : off; }
  private bitfieldSize(id: number, m: number): number { return this.kindFlag(id) ? this.words[m + 2]! >>> 24 : 0; }

  /** The size of the first `long` INT of 4 or 8 bytes (libbpf's guess of the pointer size); 8 when none. */
  private guessPointerSize(): number {
    for (const name of LONG_NAMES) {
      for (const id of this.btf.findByName(name, 'INT')) {
        const size = this.st(id);
        if (size === 4 || size === 8) return size;
      }
    }
    return 8;
  }

  text(): TextBuffer {
    this.out.text(HEADER);
    for (let id = 1; id <= this.lastId; id++) {
      if (this.order[id] === Order.None && ORDER_LEAF[this.kind(id)] === 1) { this.order[id] = Order.Done; continue; }
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
  private tabs(n: number): void {
    const out = this.out;
    out.reserve(n);
    out.buf.fill(TAB, out.len, out.len + n);
    out.len += n;
  }
  /** A newline and `lvl` tabs. */
  private line(lvl: number): void { this.out.char(NL); this.tabs(lvl); }

  // ---- ordering: returns 1 when the type is fully defined where referenced, 0 when a
  // forward declaration suffices (or the type needs no declaration), -1 on an unbreakable loop.
  private orderType(id: number, throughPtr: boolean, depth = 0): number {
    // void counts as ordered (and emitted) from the start.
    if (id === 0) return 1;
    if (depth > MAX_DEPTH) throw new BtfError(`type [${id}] is part of a reference chain deeper than ${MAX_DEPTH}`, this.btf.byteOffsetOf(id));
    const d = depth + 1;
    const k = this.kind(id);
    if (k < 0) return 0;
    const state = this.order[id]!;
    if (state === Order.Done) return 1;
    if (state === Order.Busy) {
      if ((k === K.STRUCT || k === K.UNION) && throughPtr && this.named(id)) return 0;
      this.cycleAt = id;
      return -1;
    }
    switch (k) {
      case K.INT: case K.FLOAT:
        this.order[id] = Order.Done;
        return 0;
      case K.PTR: {
        // Once walked, a pointer counts as ordered: reaching it again is a strong link, which is
        // what makes a typedef of it a queued definition (libbpf's btf_dump order).
        const r = this.orderType(this.st(id), true, d);
        this.order[id] = Order.Done;
        return r;
      }
      case K.ARRAY: return this.orderType(this.words[this.rec[id]! + 3]!, false, d);
      case K.STRUCT: case K.UNION: {
        const named = this.named(id);
        if (throughPtr && named) return 0;
        this.order[id] = Order.Busy;
        for (let i = 0, n = this.vlen(id); i < n; i++) if (this.orderType(this.words[this.elem(id, i, 3) + 1]!, false, d) < 0) return -1;
        if (named) this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      }
      case K.ENUM: case K.ENUM64: case K.FWD:
        if (this.named(id) || this.referenced[id] === 0) this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      case K.TYPEDEF: {
        const strong = this.orderType(this.st(id), throughPtr, d);
        if (strong < 0) return strong;
        if (throughPtr && strong === 0) return 0;
        this.queue.push(id);
        this.order[id] = Order.Done;
        return 1;
      }
      case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        return this.orderType(this.st(id), throughPtr, d);
      case K.FUNC_PROTO: {
        // Strong when its return type or any parameter is.
        let strong = this.orderType(this.st(id), throughPtr, d);
        if (strong < 0) return -1;
        for (let i = 0, n = this.vlen(id); i < n; i++) {
          const r = this.orderType(this.words[this.elem(id, i, 2) + 1]!, throughPtr, d);
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
    const k = this.kind(id);
    if (k < 0) return;
    const topLevel = container === 0;
    const state = this.emit[id]!;
    if (state === Emit.Done) return;
    if (state === Emit.Busy) {
      if (this.fwdDone[id]) return;
      if (k === K.STRUCT || k === K.UNION) {
        if (id === container || !this.named(id)) return;
        this.compositeRef(id);
        this.p(';\n\n');
        this.fwdDone[id] = 1;
      } else if (k === K.TYPEDEF) {
        if (!this.skippedTypedef(id)) { this.typedefDef(id, this.st(id), 0); this.p(';\n\n'); }
        this.fwdDone[id] = 1;
      }
      return;
    }
    switch (k) {
      case K.INT: case K.FLOAT:
        this.emit[id] = Emit.Done;
        break;
      case K.ENUM: case K.ENUM64:
        if (topLevel) { this.enumDef(id, 0); this.p(';\n\n'); }
        this.emit[id] = Emit.Done;
        break;
      case K.PTR: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        this.emitType(this.st(id), container, d);
        break;
      case K.ARRAY:
        this.emitType(this.words[this.rec[id]! + 3]!, container, d);
        break;
      case K.FWD:
        this.p(this.kindFlag(id) ? 'union ' : 'struct ');
        this.typeName(id);
        this.p(';\n\n');
        this.emit[id] = Emit.Done;
        break;
      case K.TYPEDEF:
        this.emit[id] = Emit.Busy;
        this.emitType(this.st(id), id, d);
        if (!this.fwdDone[id] && !this.skippedTypedef(id)) { this.typedefDef(id, this.st(id), 0); this.p(';\n\n'); }
        this.emit[id] = Emit.Done;
        break;
      case K.STRUCT: case K.UNION: {
        this.emit[id] = Emit.Busy;
        const named = this.named(id);
        if (topLevel || !named) {
          const inner = named ? id : container;
          for (let i = 0, n = this.vlen(id); i < n; i++) this.emitType(this.words[this.elem(id, i, 3) + 1]!, inner, d);
        } else if (!this.fwdDone[id] && id !== container) {
          this.compositeRef(id);
          this.p(';\n\n');
          this.fwdDone[id] = 1;
        }
        if (topLevel) {
          this.compositeDef(id, 0);
          this.p(';\n\n');
          this.emit[id] = Emit.Done;
        } else {
          this.emit[id] = Emit.None;
        }
        break;
      }
      case K.FUNC_PROTO:
        this.emitType(this.st(id), container, d);
        for (let i = 0, n = this.vlen(id); i < n; i++) this.emitType(this.words[this.elem(id, i, 2) + 1]!, container, d);
        break;
      default:
        break;
    }
  }

  private skippedTypedef(id: number): boolean {
    return this.nameIs(this.nameOff(id), BUILTIN_VA_LIST);
  }

  // ---- names
  private nameIs(off: number, bytes: Uint8Array): boolean {
    const str = this.str;
    for (let i = 0; i < bytes.length; i++) if (str[off + i] !== bytes[i]) return false;
    return str[off + bytes.length] === 0;
  }

  /**
   * Writes the name at string offset `off`, with `___count` when count > 1. Plain ASCII is copied
   * byte for byte; anything else goes through the decoded string (what the string writer wrote).
   */
  private name(off: number, count = 1): void {
    const str = this.str;
    let end = off;
    for (let b = str[end]!; b !== 0 && b < 0x80; b = str[++end]!);
    const out = this.out;
    if (str[end] === 0) {
      out.asciiBytes(str, off, end);
    } else {
      out.text(this.btf.string(off));
    }
    if (count > 1) { out.text('___'); out.decimal(count, 0); }
  }

  /** Writes a type's name, numbered by its use among struct, union, enum and forward names. */
  private typeName(id: number): void {
    let n = this.typeNameCount[id]!;
    const off = this.nameOff(id);
    if (n === 0) {
      n = this.str[off] === 0 ? 1 : this.typeNames.add(off);
      this.typeNameCount[id] = n;
    }
    this.name(off, n);
  }

  /** The use count of a typedef's name among identifiers (typedefs and enumerators). */
  private identCount(id: number): number {
    let n = this.identNameCount[id]!;
    if (n === 0) {
      const off = this.nameOff(id);
      n = this.str[off] === 0 ? 1 : this.identNames.add(off);
      this.identNameCount[id] = n;
    }
    return n;
  }

  // ---- definitions
  private compositeRef(id: number): void {
    const union = this.kind(id) === K.UNION;
    if (this.named(id)) {
      this.p(union ? 'union ' : 'struct ');
      this.typeName(id);
    } else {
      this.p(union ? 'union' : 'struct');
    }
  }

  private enumRef(id: number): void { this.p('enum '); this.typeName(id); }

  private enumDef(id: number, lvl: number): void {
    if (this.named(id)) { this.p('enum '); this.typeName(id); } else this.p('enum');
    const n = this.vlen(id);
    if (n === 0) return;
    this.p(' {');
    const out = this.out;
    const words = this.words;
    const signed = this.kindFlag(id);
    if (this.kind(id) === K.ENUM64) {
      for (let i = 0; i < n; i++) {
        const m = this.elem(id, i, 3);
        this.line(lvl + 1);
        this.name(words[m]!, this.identNames.add(words[m]!));
        const v = (BigInt(words[m + 2]!) << 32n) | BigInt(words[m + 1]!);
        this.p(` = ${signed ? BigInt.asIntN(64, v) : v}${signed ? 'LL' : 'ULL'},`);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const m = this.elem(id, i, 2);
        this.line(lvl + 1);
        this.name(words[m]!, this.identNames.add(words[m]!));
        this.p(' = ');
        if (signed) appendInt(out, words[m + 1]! | 0); else out.decimal(words[m + 1]!, 0);
        out.char(0x2c);
      }
    }
    this.line(lvl);
    out.char(0x7d);
  }

  private typedefDef(id: number, type: number, lvl: number): void {
    const count = this.identCount(id);
    const off = this.nameOff(id);
    if (type === 0 && count === 1 && this.nameIs(off, GNUC_VA_LIST)) { this.p('typedef __builtin_va_list __gnuc_va_list'); return; }
    this.p('typedef ');
    this.decl(type, off, count, lvl);
  }

  private compositeDef(id: number, lvl: number): void {
    if (lvl > 256) throw new BtfError(`anonymous type [${id}] nests deeper than 256 levels`, this.btf.byteOffsetOf(id));
    const isStruct = this.kind(id) === K.STRUCT;
    // libbpf asks only of a struct whether it is packed; a union never gets the attribute.
    const packed = isStruct && this.isPacked(id);
    this.compositeRef(id);
    this.p(' {');
    let off = 0;
    const words = this.words;
    const n = this.vlen(id);
    for (let i = 0; i < n; i++) {
      const m = this.elem(id, i, 3);
      const type = words[m + 1]!;
      const bitsOffset = this.bitsOffset(id, m);
      const bitfieldSize = this.bitfieldSize(id, m);
      const align = packed ? 1 : this.alignOf(type);
      this.padding(off, bitsOffset, bitfieldSize !== 0, align, lvl + 1, id);
      this.line(lvl + 1);
      this.decl(type, words[m]!, 1, lvl + 1);
      if (bitfieldSize !== 0) {
        this.p(': ');
        this.out.decimal(bitfieldSize, 0);
        off = bitsOffset + bitfieldSize;
      } else {
        off = bitsOffset + Math.max(0, this.sizeOf(type)) * 8;
      }
      this.out.char(0x3b);
    }
    const size = this.st(id);
    if (isStruct) this.padding(off, size * 8, false, packed ? 1 : this.alignOf(id), lvl + 1, id);
    if (n > 0 || size > 0) this.line(lvl);
    this.out.char(0x7d);
    if (packed) this.p(' __attribute__((packed))');
  }

  /** One padding field: `\n<tabs>type: bits;`. */
  private pad(lvl: number, type: string, bits: number): void {
    this.line(lvl);
    this.p(type);
    this.p(': ');
    this.out.decimal(bits, 0);
    this.out.char(0x3b);
  }

  private padding(cur: number, next: number, bitfield: boolean, nextAlign: number, lvl: number, id: number): void {
    if (cur >= next) return;
    if (next - cur > MAX_PADDING_BITS) throw new BtfError(`a padding gap of ${next - cur} bits (bit ${cur} to ${next}) in type [${id}] is too large to write out`, this.btf.byteOffsetOf(id));
    const pads = this.pads;
    let padBits = 8;
    let padType = 'char';
    let aligned = cur;
    for (let i = 0; i < pads.length; i++) {
      padType = pads[i]![0];
      padBits = pads[i]![1];
      aligned = roundUp(cur, padBits);
      if (aligned <= next) break;
    }
    if (aligned > cur && aligned <= next) {
      if (bitfield) {
        this.pad(lvl, padType, aligned - cur);
      } else if ((aligned === next && roundUp(cur, nextAlign * 8) !== aligned) || (aligned !== next && next - aligned < padBits)) {
        this.pad(lvl, padType, 0);
      }
      cur = aligned;
    }
    while (cur !== next) {
      const bits = Math.min(next - cur, padBits);
      if (bits === padBits) {
        this.pad(lvl, padType, bits);
        cur += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        if (pads[i]![1] < bits) continue;
        this.pad(lvl, pads[i]![0], bits);
        cur += bits;
        break;
      }
    }
  }

  /** Packed: a plain member off its type's alignment, or a size that is not a multiple of the largest one. */
  private isPacked(id: number): boolean {
    let max = 1;
    for (let i = 0, n = this.vlen(id); i < n; i++) {
      const m = this.elem(id, i, 3);
      const a = this.alignOf(this.words[m + 1]!);
      if (a > max) max = a;
      if (a !== 0 && this.bitfieldSize(id, m) === 0 && this.bitsOffset(id, m) % (8 * a) !== 0) return true;
    }
    return this.st(id) % max !== 0;
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
    switch (this.kind(id)) {
      case K.INT: case K.ENUM: case K.ENUM64: case K.FLOAT: return Math.min(this.ptrSize, this.st(id));
      case K.PTR: return this.ptrSize;
      case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG: return this.alignOf(this.st(id), depth + 1);
      case K.ARRAY: return this.alignOf(this.words[this.rec[id]! + 3]!, depth + 1);
      case K.STRUCT: case K.UNION: {
        let max = 1;
        for (let i = 0, n = this.vlen(id); i < n; i++) {
          const m = this.elem(id, i, 3);
          const a = this.alignOf(this.words[m + 1]!, depth + 1);
          if (a <= 0) return a;
          max = Math.max(max, a);
          if (this.bitfieldSize(id, m) === 0 && this.bitsOffset(id, m) % (8 * a) !== 0) return 1;
        }
        return this.st(id) % max !== 0 ? 1 : max;
      }
      default: return 0;
    }
  }

  private sizeOf(id: number, depth = 0): number {
    if (depth > MAX_DEPTH) return 0;
    switch (this.kind(id)) {
      case K.INT: case K.ENUM: case K.ENUM64: case K.FLOAT: case K.STRUCT: case K.UNION: case K.DATASEC: return this.st(id);
      case K.PTR: return this.ptrSize;
      case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG: case K.VAR: case K.DECL_TAG:
        return this.sizeOf(this.st(id), depth + 1);
      case K.ARRAY: return this.words[this.rec[id]! + 5]! * this.sizeOf(this.words[this.rec[id]! + 3]!, depth + 1);
      default: return 0;
    }
  }

  // ---- declarators: `decl(type, name)` writes e.g. `const char *name[4]` or `int (*name)(void *)`.
  // The name is the one at string offset `nameOff` (none when empty), numbered `___count` when count > 1.
  private decl(id: number, nameOff: number, count: number, lvl: number): void {
    if (this.declDepth > 256) throw new BtfError(`declaration of type [${id}] nests deeper than 256 levels`, this.btf.byteOffsetOf(id));
    this.declDepth++;
    const base = this.top;
    try {
      this.declChain(id, nameOff, count, lvl);
    } finally {
      this.declDepth--;
      this.top = base;
    }
  }

  private declChain(id: number, nameOff: number, count: number, lvl: number): void {
    const base = this.top;
    for (let cur = id, guard = 0; guard < 1024; guard++) {
      this.push(cur);
      const k = this.kind(cur);
      if (k === K.PTR || k === K.VOLATILE || k === K.CONST || k === K.RESTRICT || k === K.TYPE_TAG || k === K.FUNC_PROTO) cur = this.st(cur);
      else if (k === K.ARRAY) cur = this.words[this.rec[cur]! + 3]!;
      else break;
    }
    this.chain(base, nameOff, count, lvl);
  }

  private push(id: number): void {
    if (this.top === this.stack.length) {
      const grown = new Int32Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.top++] = id;
  }

  /** Modifiers directly on top of the base type, written before it (`const char`). */
  private mods(base: number): void {
    while (this.top > base) {
      const k = this.kind(this.stack[this.top - 1]!);
      if (k === K.VOLATILE) this.p('volatile ');
      else if (k === K.CONST) this.p('const ');
      else if (k === K.RESTRICT) this.p('restrict ');
      else break;
      this.top--;
    }
  }

  private dropMods(base: number): void {
    while (this.top > base) {
      const k = this.kind(this.stack[this.top - 1]!);
      if (k !== K.VOLATILE && k !== K.CONST && k !== K.RESTRICT) break;
      this.top--;
    }
  }

  /** The declared name, after a space unless it follows a `*`. */
  private declName(nameOff: number, count: number, lastPtr: boolean): void {
    if (this.str[nameOff] === 0) return;
    if (!lastPtr) this.out.char(0x20);
    this.name(nameOff, count);
  }

  private chain(base: number, nameOff: number, count: number, lvl: number): void {
    let lastPtr = true;
    if (this.top === base) { this.p('void'); this.declName(nameOff, count, false); return; }
    while (this.top > base) {
      const id = this.stack[--this.top]!;
      const k = this.kind(id);
      if (k < 0) {
        this.mods(base);
        this.p('void');
        lastPtr = false;
        continue;
      }
      switch (k) {
        case K.INT: case K.FLOAT:
          this.mods(base); this.name(this.nameOff(id)); break;
        case K.STRUCT: case K.UNION:
          this.mods(base);
          if (this.named(id)) this.compositeRef(id); else this.compositeDef(id, lvl);
          break;
        case K.ENUM: case K.ENUM64:
          this.mods(base);
          if (this.named(id)) this.enumRef(id); else this.enumDef(id, lvl);
          break;
        case K.FWD:
          this.mods(base);
          this.p(this.kindFlag(id) ? 'union ' : 'struct ');
          this.typeName(id);
          break;
        case K.TYPEDEF:
          this.mods(base); this.name(this.nameOff(id), this.identCount(id)); break;
        case K.PTR: this.p(lastPtr ? '*' : ' *'); break;
        case K.VOLATILE: this.p(' volatile'); break;
        case K.CONST: this.p(' const'); break;
        case K.RESTRICT: this.p(' restrict'); break;
        case K.TYPE_TAG:
          this.mods(base);
          this.p(' __attribute__((btf_type_tag("'); this.name(this.nameOff(id)); this.p('")))');
          break;
        case K.ARRAY:
          this.array(id, base, nameOff, count, lvl, lastPtr);
          return;
        case K.FUNC_PROTO:
          this.proto(id, base, nameOff, count, lvl, lastPtr);
          return;
        default:
          // A kind that cannot stand in a declarator (VAR, DATASEC, FUNC …): libbpf abandons the
          // declaration here, name included, and bpftool prints what it had (`;` for a member).
          return;
      }
      lastPtr = k === K.PTR;
    }
    this.declName(nameOff, count, lastPtr);
  }

  private array(id: number, base: number, nameOff: number, count: number, lvl: number, lastPtr: boolean): void {
    const nelems = this.words[this.rec[id]! + 5]!;
    this.dropMods(base);
    if (this.top > base) {
      const multi = this.kind(this.stack[this.top - 1]!) === K.ARRAY;
      if (this.str[nameOff] !== 0 && !lastPtr) this.out.char(0x20);
      if (!multi) this.out.char(0x28);
      this.chain(base, nameOff, count, lvl);
      if (!multi) this.out.char(0x29);
    } else {
      this.declName(nameOff, count, lastPtr);
    }
    this.out.char(0x5b);
    this.out.decimal(nelems, 0);
    this.out.char(0x5d);
  }

  private proto(id: number, base: number, nameOff: number, count: number, lvl: number, lastPtr: boolean): void {
    this.dropMods(base);
    if (this.top > base) {
      this.p(' (');
      this.chain(base, nameOff, count, lvl);
      this.out.char(0x29);
    } else {
      this.declName(nameOff, count, lastPtr);
    }
    this.out.char(0x28);
    const n = this.vlen(id);
    const words = this.words;
    if (n === 0 || (n === 1 && words[this.elem(id, 0, 2) + 1] === 0)) { this.p('void)'); return; }
    for (let i = 0; i < n; i++) {
      if (i > 0) this.p(', ');
      const a = this.elem(id, i, 2);
      if (i === n - 1 && words[a + 1] === 0) { this.p('...'); break; }
      this.decl(words[a + 1]!, words[a]!, 1, lvl);
    }
    this.out.char(0x29);
  }
}

function roundUp(x: number, to: number): number { return Math.ceil(x / to) * to; }


/** The C header bpftool's `format c` prints for this graph (for split BTF: base and split types, as bpftool does). */
export function formatBtfC(btf: Btf): string {
  return writeBtfC(btf).toString();
}

/** formatBtfC's text as UTF-8 bytes. */
export function writeBtfC(btf: Btf): TextBuffer {
  return new CWriter(btf).text();
}

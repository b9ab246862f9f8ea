// The second pass: once every label is known, patch fixups that resolve
// inside their section and turn the others into relocations the way llvm-mc
// does, evaluate `.size`, and lay out the RelocatableObject.
//
// Relocation rules (checked against llvm-mc-19):
// * a relocation names the symbol itself when it is undefined, global or weak
//   (or local in a mergeable section with a non-zero addend); otherwise it
//   names the symbol's section, with the symbol's offset added to the addend;
// * REL format: the addend is written in place (imm for ld_imm64, the datum);
// * `call sym` resolves when sym is a local label of the same section (a
//   bpf-to-bpf call, src_reg=1, imm = slots to the target minus one);
//   otherwise R_BPF_64_32 with imm = (addend - 8) / 8 (so -1 for addend 0);
// * `rN = sym ll` is always R_BPF_64_64; `.quad sym` R_BPF_64_ABS64;
//   `.long sym` R_BPF_64_NODYLD32 when sym is defined in a writable
//   allocated section (or, for a .L temporary, an executable one), else
//   R_BPF_64_ABS32;
// * jumps (and `gotol`) need a local label in the same section: BPF has no
//   16-bit relocation (llvm-mc crashes there; we report an error).

import { shown } from '../../isa/index.js';
import type { RelocationTypeName } from '../constants.js';
import type { ObjectSection, ObjectSymbol, RelocatableObject } from '../object-model.js';
import type { Assembler } from './assembler.js';
import type { SymExpr } from './expressions.js';
import { FIX, type Section } from './sections.js';
import type { Sym } from './symbols.js';
import * as V from './values.js';
import type { Const } from './values.js';

function displayName(s: Sym): string {
  const i = s.name.indexOf('\u0002');
  return i >= 0 ? `numeric label ${s.name.slice(0, i)}` : `'${shown(s.name)}'`;
}

function undefinedMessage(s: Sym): string {
  if (/^[rRwW]\d+$/.test(s.name)) return `'${shown(s.name)}' is not a register here (registers are lower-case r0-r11/w0-w11) and no symbol of that name is defined`;
  return `undefined ${s.temporary ? 'temporary ' : ''}symbol ${displayName(s)}`;
}

/** Absolute value of a label difference, or a relocatable symbol + addend. */
type Resolved = { readonly abs: Const } | { readonly sym: Sym; readonly addend: Const };

function resolve(as: Assembler, e: SymExpr, pos: number): Resolved {
  const { a, b, c } = e;
  if (b !== null) {
    if (a === null) as.fail(pos, `expression subtracts symbol ${displayName(b)} from a constant; it is not relocatable`);
    if (!a.defined) as.fail(pos, undefinedMessage(a));
    if (!b.defined) as.fail(pos, undefinedMessage(b));
    if (a.section !== b.section) {
      as.fail(pos, `cannot represent a difference across sections (${displayName(a)} in ${shown(a.section!.name)}, ${displayName(b)} in ${shown(b.section!.name)})`);
    }
    return { abs: V.add(V.sub(a.offset, b.offset), c) };
  }
  if (a === null) return { abs: c };
  if (!a.defined && a.temporary) as.fail(a.firstRef >= 0 ? a.firstRef : pos, undefinedMessage(a));
  return { sym: a, addend: c };
}

/** The symbol a relocation names and the addend to write in place. */
function relocationTarget(sym: Sym, addend: Const): { name: string; addend: Const } {
  if (sym.external) {
    sym.usedInReloc = true;
    return { name: sym.name, addend };
  }
  const sec = sym.section!;
  if (sec.merge && !V.isZero(addend)) {
    sym.usedInReloc = true;
    return { name: sym.name, addend };
  }
  return { name: sec.name, addend: V.add(sym.offset, addend) };
}

/** trunc32(((uint64)(value - 8)) / 8): how the BPF backend turns a byte distance into a slot count. */
function slotsMinusOne(value: Const): number {
  const v = V.sub(value, 8);
  if (typeof v === 'number' && v >= 0) return V.toInt32(Math.floor(v / 8));
  if (typeof v === 'number' && v % 8 === 0) return V.toInt32(v / 8);
  return Number(BigInt.asIntN(32, V.toUint64(v) / 8n));
}

function localTarget(as: Assembler, sec: Section, off: number, e: SymExpr, pos: number, what: string): Const {
  const r = resolve(as, e, pos);
  if ('abs' in r) return as.fail(pos, `${what} must be a label, not a constant expression of labels`);
  const sym = r.sym;
  if (!sym.defined) as.fail(pos, `${what} ${undefinedMessage(sym)}`);
  if (sym.external) {
    as.fail(pos, `${what} ${displayName(sym)} is ${sym.binding}: a jump needs a local label (BPF has no relocation for jumps)`);
  }
  if (sym.section !== sec) {
    as.fail(pos, `${what} ${displayName(sym)} is in section ${shown(sym.section!.name)}, not in ${shown(sec.name)} (BPF has no relocation for jumps)`);
  }
  return V.sub(V.add(sym.offset, r.addend), off);
}

/** Fixup i of a section (see FixupList). */
function applyFixup(as: Assembler, sec: Section, i: number): void {
  const view = sec.view;
  const le = as.le;
  const list = sec.fixups;
  const kind = list.kind[i]!;
  const off = list.offset[i]!;
  const expr = list.expr[i]!;
  const pos = list.pos[i]!;
  // The common case first: a jump to a local label in this section, within reach.
  if (kind === FIX.PCREL16 && expr.b === null && expr.c === 0) {
    const s = expr.a;
    if (s !== null && s.defined && s.section === sec && !s.external) {
      const d = s.offset - off - 8;
      if (d >= -32768 * 8 && d <= 32767 * 8 && (d >= 0 || d % 8 === 0)) {
        view.setInt16(off + 2, d >= 0 ? Math.floor(d / 8) : d / 8, le);
        return;
      }
    }
  }
  switch (kind) {
    case FIX.PCREL16: case FIX.IMM16: {
      const value = localTarget(as, sec, off, expr, pos, kind === FIX.PCREL16 ? 'jump target'
        : 'symbol in a 32-bit immediate (llvm-mc stores it as a 16-bit pc-relative offset in the off field)');
      const byteOff = V.sub(value, 8);
      if (V.compare(byteOff, 32767 * 8) > 0 || V.compare(byteOff, -32768 * 8) < 0) {
        as.fail(pos, `jump target is out of range: ${V.constToString(byteOff)} bytes away, a 16-bit offset reaches ±32767 instructions`);
      }
      view.setInt16(off + 2, (slotsMinusOne(value) << 16) >> 16, le);
      return;
    }
    case FIX.GOTOL: {
      const value = localTarget(as, sec, off, expr, pos, 'gotol target');
      view.setInt32(off + 4, slotsMinusOne(value), le);
      return;
    }
    case FIX.CALL: {
      const r = resolve(as, expr, pos);
      if ('abs' in r) return as.fail(pos, 'call target must be a symbol');
      const sym = r.sym;
      view.setUint8(off + 1, le ? 0x10 : 0x01);
      if (sym.defined && !sym.external && sym.section === sec) {
        // A bpf-to-bpf call resolved at assembly time.
        view.setInt32(off + 4, slotsMinusOne(V.sub(V.add(sym.offset, r.addend), off)), le);
        return;
      }
      const t = relocationTarget(sym, r.addend);
      view.setInt32(off + 4, slotsMinusOne(t.addend), le);
      sec.relocations.push({ offset: off, type: 'R_BPF_64_32', symbol: t.name });
      return;
    }
    case FIX.LDIMM64: {
      const r = resolve(as, expr, pos);
      if ('abs' in r) { view.setInt32(off + 4, V.toInt32(r.abs), le); return; }
      const t = relocationTarget(r.sym, r.addend);
      view.setInt32(off + 4, V.toInt32(t.addend), le);
      sec.relocations.push({ offset: off, type: 'R_BPF_64_64', symbol: t.name });
      return;
    }
    case FIX.DATA8: case FIX.DATA4: {
      const size = kind === FIX.DATA8 ? 8 : 4;
      const r = resolve(as, expr, pos);
      if ('abs' in r) {
        if (!V.fitsData(r.abs, size * 8)) as.fail(pos, `value ${V.constToString(r.abs)} does not fit in ${size} bytes`);
        as.writeInt(sec, off, size, r.abs);
        return;
      }
      const t = relocationTarget(r.sym, r.addend);
      as.writeInt(sec, off, size, t.addend);
      sec.relocations.push({ offset: off, type: size === 8 ? 'R_BPF_64_ABS64' : data4Type(r.sym), symbol: t.name });
      return;
    }
    default:
      as.fail(pos, 'internal error: unknown fixup');
  }
}

function data4Type(sym: Sym): RelocationTypeName {
  const s = sym.section;
  if (!sym.defined || s === null) return 'R_BPF_64_ABS32';
  if (sym.temporary) return s.alloc && s.exec ? 'R_BPF_64_NODYLD32' : 'R_BPF_64_ABS32';
  return s.alloc && s.write ? 'R_BPF_64_NODYLD32' : 'R_BPF_64_ABS32';
}

export function finish(as: Assembler): RelocatableObject {
  for (const s of as.symbols.pendingForward) {
    if (!s.defined) as.fail(s.firstRef, `${displayName(s)} is referenced forward ('f') but never defined after`);
  }
  for (const sec of as.sections) {
    for (let i = 0; i < sec.fixups.count; i++) applyFixup(as, sec, i);
  }

  const symbols: ObjectSymbol[] = [];
  for (const name of as.fileSymbols) {
    symbols.push({ name, section: null, value: 0, size: 0, binding: 'local', type: 'file' });
  }
  for (const s of as.symbols.registered) {
    if (s.constValue !== null || s.isSection) continue;
    if (s.temporary && !s.usedInReloc) continue;
    let size = 0;
    if (s.size !== null) {
      const v = s.size;
      let c: Const;
      if (typeof v === 'object') {
        const r = resolve(as, v, s.sizePos);
        if (!('abs' in r)) return as.fail(s.sizePos, `.size of '${shown(s.name)}' must be a constant or a difference of labels`);
        c = r.abs;
      } else {
        c = v;
      }
      size = Number(V.toUint64(c));
    }
    const binding = s.binding === 'default' ? (s.defined ? 'local' : 'global') : s.binding;
    symbols.push({
      name: s.name,
      section: s.defined ? s.section!.name : null,
      value: s.defined ? s.offset : 0,
      size,
      binding,
      type: s.type,
    });
  }

  const sections: ObjectSection[] = as.sections.map((sec) => ({
    name: sec.name,
    type: sec.type,
    flags: { alloc: sec.alloc, write: sec.write, exec: sec.exec },
    align: sec.align,
    data: sec.bytes(),
    size: sec.len,
    relocations: sec.relocations,
  }));
  return { byteOrder: as.order, sections, symbols };
}

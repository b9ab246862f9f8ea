// IR + allocation → instruction-layer items (AsmInsn with the TypeScript location of each
// operation, labels resolved later by the object writer). R0 is the scratch register; R5 is the
// second one when the allocator spilled.

import type { Instruction, Register, Size } from '../../isa/index.js';
import { splitImm64 } from '../../isa/index.js';
import type { AsmItem, AsmReference, SourceLocation } from '../dsl/index.js';
import type { InsnCoreRelocation } from '../../elf/index.js';
import type { CoreTag, Located, Operand, VReg } from './ir.js';
import { invertJumpsOverJumps } from './jump-over-jump.js';
import { type Allocation, COMMUTATIVE, type Place } from './regalloc.js';

const FP: Register = 10;
/** A 64-bit pattern that a sign-extended imm32 can give. */
const fitsImm32 = (v: bigint): boolean => { const x = BigInt.asIntN(64, v); return x >= -(1n << 31n) && x < 1n << 31n; };

/** Places a string in .rodata (the object's BuildContext.rodataString). */
export type StringPlacer = (text: string) => { readonly section: string; readonly offset: number };

/** Where a global variable is (the object's BuildContext.global). */
export type GlobalPlacer = (name: string) => { readonly section: string; readonly offset: number; readonly variable?: string };

/** A CO-RE relocation's record in the object's BTF (the object's BtfBuilder). */
export type CorePlacer = (tag: CoreTag) => InsnCoreRelocation;
/** The placer that records a relocation in an object's BTF (a BuildContext's `btf`). */
export function corePlacerIn(btf: { add(t: CoreTag['root']): number; string(s: string): number }): CorePlacer {
  return (tag) => ({ typeId: btf.add(tag.root), accessStringOffset: btf.string(tag.access), kind: tag.kind });
}
/** The object's name of a subprogram of the module (BuildContext.functionName of its FunctionDef). */
export type FunctionPlacer = (name: string) => string;

/** The object's name of a kfunc extern (BuildContext.extern of its KfuncRef). */
export type KfuncPlacer = (name: string) => string;

export function emit(ops: readonly Located[], alloc: Allocation, strings: StringPlacer, globals: GlobalPlacer, functions?: FunctionPlacer, corePlacer?: CorePlacer, kfuncs?: KfuncPlacer): AsmItem[] {
  const out: AsmItem[] = [];
  let loc: SourceLocation | undefined;
  const put = (insn: Instruction, extra: { target?: string; ref?: AsmReference; core?: readonly InsnCoreRelocation[] } = {}): void => {
    out.push({ kind: 'insn', insn, ...extra, ...(loc === undefined ? {} : { loc }) });
  };
  /** The relocation of an operation, for the one instruction whose imm or offset it patches (not its fills and moves). */
  const relocation = (tag: CoreTag | undefined): { core?: readonly InsnCoreRelocation[] } => {
    if (tag === undefined) return {};
    if (corePlacer === undefined) throw new Error('internal: a CO-RE relocation without a BTF to place it in');
    return { core: [corePlacer(tag)] };
  };
  const place = (v: VReg): Place => {
    const p = alloc.place[v];
    if (p === undefined) throw new Error(`internal: v${v} has no place`);
    return p;
  };
  const s2 = (): Register => {
    if (alloc.scratch2 === undefined) throw new Error('internal: spill without a second scratch register');
    return alloc.scratch2;
  };
  const mov = (d: Register, s: Register, w: 32 | 64 = 64): void => { if (d !== s || w === 32) put({ kind: 'alu', width: w, op: 'mov', dst: d, src: { kind: 'reg', reg: s } }); };
  const movImm = (d: Register, v: bigint): void => {
    const u = BigInt.asUintN(64, v);
    if (fitsImm32(v)) put({ kind: 'alu', width: 64, op: 'mov', dst: d, src: { kind: 'imm', value: Number(BigInt.asIntN(64, v)) } });
    else if (u < 1n << 32n) put({ kind: 'alu', width: 32, op: 'mov', dst: d, src: { kind: 'imm', value: Number(BigInt.asIntN(32, u)) } });
    else put({ kind: 'ldImm64', dst: d, pseudo: 0, ...splitImm64(u) });
  };
  const load = (d: Register, slot: number): void => put({ kind: 'ldx', size: 8, signed: false, dst: d, src: FP, offset: slot });
  const spill = (slot: number, s: Register): void => put({ kind: 'stx', size: 8, dst: FP, src: s, offset: slot });
  /** v's value in a register: its own, or loaded into `scratch`. */
  const inReg = (v: VReg, scratch: Register): Register => {
    const p = place(v);
    if ('reg' in p) return p.reg;
    load(scratch, p.slot);
    return scratch;
  };
  /** An operand as an instruction source: an imm32, or a register (`scratch` for others). */
  const source = (o: Operand, scratch: Register, w: 32 | 64): { kind: 'imm'; value: number } | { kind: 'reg'; reg: Register } => {
    if ('imm' in o) {
      const v = w === 32 ? BigInt.asIntN(32, o.imm) : BigInt.asIntN(64, o.imm);
      if (fitsImm32(v)) return { kind: 'imm', value: Number(v) };
      movImm(scratch, o.imm);
      return { kind: 'reg', reg: scratch };
    }
    return { kind: 'reg', reg: inReg(o.reg, scratch) };
  };
  /** The register to compute d in, and the store that puts it in place afterwards. */
  const target = (d: VReg): { r: Register; done: () => void } => {
    const p = place(d);
    if ('reg' in p) return { r: p.reg, done: () => {} };
    const r = s2();
    return { r, done: () => spill(p.slot, r) };
  };
  /** a into register r (a move, a fill, or nothing). */
  const into = (r: Register, a: VReg): void => {
    const p = place(a);
    if ('reg' in p) mov(r, p.reg); else load(r, p.slot);
  };

  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    loc = o.loc;
    switch (o.op) {
      case 'label': out.push({ kind: 'label', name: o.name }); break;
      case 'jmp': {
        // A jump to a label among the ones that follow it is a fall-through.
        let k = i + 1;
        while (ops[k]?.op === 'label' && (ops[k] as { name: string }).name !== o.target) k++;
        if (ops[k]?.op === 'label') break;
        put({ kind: 'ja', offset: 0 }, { target: o.target });
        break;
      }
      case 'mov': {
        const t = target(o.d);
        // An enum value is relocated in an ld_imm64, as clang emits it (a value may need 64 bits).
        if ('imm' in o.s && o.core !== undefined && o.core.kind.startsWith('enumval')) put({ kind: 'ldImm64', dst: t.r, pseudo: 0, ...splitImm64(BigInt.asUintN(64, o.s.imm)) }, relocation(o.core));
        else if ('imm' in o.s && o.core !== undefined) put({ kind: 'alu', width: 64, op: 'mov', dst: t.r, src: { kind: 'imm', value: Number(BigInt.asIntN(32, o.s.imm)) } }, relocation(o.core));
        else if ('imm' in o.s) movImm(t.r, o.w === 32 ? BigInt.asUintN(32, o.s.imm) : o.s.imm);
        else {
          const p = place(o.s.reg);
          if ('reg' in p) mov(t.r, p.reg, o.w ?? 64);
          else { load(t.r, p.slot); if (o.w === 32) mov(t.r, t.r, 32); }
        }
        t.done();
        break;
      }
      case 'alu': {
        const t = target(o.d);
        let b = source(o.b, 0, o.w);
        const aPlace = place(o.a);
        if (b.kind === 'reg' && b.reg === t.r && !('reg' in aPlace && aPlace.reg === t.r)) {
          if (COMMUTATIVE.has(o.code) && 'reg' in aPlace) {
            put({ kind: 'alu', width: o.w, op: o.code, dst: t.r, src: { kind: 'reg', reg: aPlace.reg } });
            t.done();
            break;
          }
          mov(0, b.reg);
          b = { kind: 'reg', reg: 0 };
        }
        into(t.r, o.a);
        put({ kind: 'alu', width: o.w, op: o.code, dst: t.r, src: b }, relocation(o.core));
        t.done();
        break;
      }
      case 'neg': { const t = target(o.d); into(t.r, o.a); put({ kind: 'neg', width: 64, dst: t.r }); t.done(); break; }
      case 'be': {
        const t = target(o.d); into(t.r, o.a);
        put({ kind: 'endian', order: 'be', bits: o.bits, dst: t.r });
        t.done();
        break;
      }
      case 'movsx': {
        const t = target(o.d);
        const a = inReg(o.a, t.r);
        put({ kind: 'movsx', width: 64, dst: t.r, src: a, bits: o.bits });
        t.done();
        break;
      }
      case 'ld': {
        const t = target(o.d);
        const base = o.base === 'fp' ? FP : inReg(o.base, 0);
        put({ kind: 'ldx', size: o.size, signed: o.signed === true, dst: t.r, src: base, offset: o.off }, relocation(o.core));
        t.done();
        break;
      }
      case 'st': {
        const base = o.base === 'fp' ? FP : inReg(o.base, 'reg' in (alloc.place[o.base] ?? { reg: 0 }) ? 0 : s2());
        if ('imm' in o.s && fitsImm32(o.size === 8 ? o.s.imm : BigInt.asIntN(32, o.s.imm))) {
          put({ kind: 'st', size: o.size as Size, dst: base, offset: o.off, imm: Number(o.size === 8 ? BigInt.asIntN(64, o.s.imm) : BigInt.asIntN(32, o.s.imm)) }, relocation(o.core));
        } else {
          const s = source(o.s, 0, 64);
          put({ kind: 'stx', size: o.size as Size, dst: base, src: s.kind === 'reg' ? s.reg : 0, offset: o.off }, relocation(o.core));
        }
        break;
      }
      case 'atomicAdd': {
        const base = inReg(o.base, s2OrZero(alloc, o.base));
        const s = inReg(o.s, 0);
        put({ kind: 'atomic', size: o.size, op: 'add', fetch: false, dst: base, src: s, offset: o.off });
        break;
      }
      case 'ldmap': { const t = target(o.d); put({ kind: 'ldImm64', dst: t.r, pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'map', map: o.map } }); t.done(); break; }
      case 'ldglobal': {
        const t = target(o.d);
        const g = globals(o.name);
        put({ kind: 'ldImm64', dst: t.r, pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'global', section: g.section, offset: g.offset, ...(g.variable === undefined ? {} : { variable: g.variable }) } });
        t.done();
        break;
      }
      case 'ldkfunc': {
        if (kfuncs === undefined) throw new Error(`internal: the address of kfunc ${o.kfunc} with no kfunc placer`);
        // As clang emits `bpf_ksym_exists(f)`: ld_imm64 0 with an R_BPF_64_64 relocation against the extern.
        const t = target(o.d);
        put({ kind: 'ldImm64', dst: t.r, pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'kfunc', name: kfuncs(o.kfunc) } });
        t.done();
        break;
      }
      case 'ldfunc': {
        if (functions === undefined) throw new Error(`internal: the address of ${o.fn} with no function placer`);
        // As clang emits a callback's address: ld_imm64 with a relocation against the function (BPF_PSEUDO_FUNC at load).
        const t = target(o.d);
        put({ kind: 'ldImm64', dst: t.r, pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'func', function: functions(o.fn) } });
        t.done();
        break;
      }
      case 'ldstr': {
        const t = target(o.d);
        const p = strings(o.text);
        put({ kind: 'ldImm64', dst: t.r, pseudo: 0, imm: 0, nextImm: 0 }, { ref: { kind: 'global', section: p.section, offset: p.offset } });
        t.done();
        break;
      }
      case 'addrfp': {
        const t = target(o.d);
        mov(t.r, FP);
        put({ kind: 'alu', width: 64, op: 'add', dst: t.r, src: { kind: 'imm', value: o.off } });
        t.done();
        break;
      }
      case 'call': {
        callArgs(o.args);
        if (o.kfunc !== undefined) {
          if (kfuncs === undefined) throw new Error(`internal: a call of kfunc ${o.kfunc} with no kfunc placer`);
          // As clang emits a call of an extern kfunc: `call -1`, an R_BPF_64_32 relocation against it.
          put({ kind: 'call', callee: 'local', imm: -1, offset: 0 }, { ref: { kind: 'kfunc', name: kfuncs(o.kfunc) } });
        } else if (o.fn === undefined) put({ kind: 'call', callee: 'helper', imm: o.helper, offset: 0 });
        else {
          if (functions === undefined) throw new Error(`internal: a call of ${o.fn} with no function placer`);
          // As clang emits a bpf-to-bpf call: src_reg BPF_PSEUDO_CALL, the offset by relocation.
          put({ kind: 'call', callee: 'local', imm: -1, offset: 0 }, { ref: { kind: 'call', function: functions(o.fn) } });
        }
        if (o.d !== undefined) {
          const p = place(o.d);
          if ('reg' in p) mov(p.reg, 0); else spill(p.slot, 0);
        }
        break;
      }
      case 'br': {
        const a = inReg(o.a, alloc.scratch2 ?? 0);
        const b = source(o.b, 0, o.w);
        put({ kind: 'jump', width: o.w, op: o.cmp, dst: a, src: b, offset: 0 }, { target: o.target });
        break;
      }
      case 'ret': {
        if (o.s !== undefined && 'imm' in o.s) movImm(0, o.s.imm);
        else if (o.s !== undefined) into(0, o.s.reg);
        put({ kind: 'exit' });
        break;
      }
      case 'ctx': {
        const p = place(o.d);
        if ('reg' in p) mov(p.reg, 1); else spill(p.slot, 1);
        break;
      }
      case 'arg': {
        // The run of arguments at entry as one parallel move out of R1–R5 (none is read after
        // another's move overwrote its register).
        const group: { d: VReg; n: number }[] = [];
        for (; ops[i]?.op === 'arg'; i++) group.push(ops[i] as { d: VReg; n: number });
        i--;
        const moves: { dst: Register; src: Register }[] = [];
        for (const a of group) {
          const p = place(a.d);
          if ('slot' in p) spill(p.slot, (a.n + 1) as Register); else moves.push({ dst: p.reg, src: (a.n + 1) as Register });
        }
        parallelMove(moves);
        break;
      }
    }
  }
  return invertJumpsOverJumps(out);

  /** Arguments into R1–R5: register moves as a parallel move (R0 breaks cycles), then fills and constants. */
  function callArgs(args: readonly Operand[]): void {
    const moves: { dst: Register; src: Register }[] = [];
    const late: (() => void)[] = [];
    args.forEach((a, k) => {
      const dst = (k + 1) as Register;
      if ('imm' in a) { late.push(() => movImm(dst, a.imm)); return; }
      const p = place(a.reg);
      if ('reg' in p) { if (p.reg !== dst) moves.push({ dst, src: p.reg }); } else late.push(() => load(dst, p.slot));
    });
    parallelMove(moves);
    for (const f of late) f();
  }

  /** Register moves done as if at once (R0 breaks cycles). */
  function parallelMove(pending: readonly { dst: Register; src: Register }[]): void {
    let moves = pending.filter((m) => m.dst !== m.src);
    while (moves.length > 0) {
      const k = moves.findIndex((m) => !moves.some((n) => n !== m && n.src === m.dst));
      if (k >= 0) { const m = moves[k]!; mov(m.dst, m.src); moves.splice(k, 1); continue; }
      const src = moves[0]!.src;
      mov(0, src);
      moves = moves.map((m) => (m.src === src ? { dst: m.dst, src: 0 as Register } : m));
    }
  }
}

function s2OrZero(alloc: Allocation, v: VReg): Register {
  const p = alloc.place[v];
  return p !== undefined && 'reg' in p ? 0 : alloc.scratch2 ?? 0;
}

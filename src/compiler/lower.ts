// TypeScript function bodies → IR. Each expression becomes a typed value (a folded constant, or
// a virtual register holding the value in its type's canonical form: int-type.ts), each
// statement control flow over labels. Module functions are inlined, subprograms called
// (lower-subprogram.ts). Whatever is outside the
// language is a CompileError at its line.

import { isGplCompatible } from '../../verifier/index.js';
import type TS from 'typescript';
import type { JumpOp } from '../../isa/index.js';
import type { SourceLocation } from '../dsl/index.js';
import { NEGATED_JUMP } from '../dsl/program/jump-negation.js';
import { CompileError } from './errors.js';
import { BOOL, commonType, INT_TYPES, type IntType, isFreeConversion, parseInteger, S64, U32, U64, wrap } from './int-type.js';
import { type IrFunction, type Located, type Op, type Operand, type Size, uses, type VReg } from './ir.js';
import { intTypeOf, locOf, type ModuleInfo, type ProgramDecl } from './module.js';
import { foldBinary, type BinaryOp } from './fold.js';
import { dropStoreConversions, sinkStackAddresses } from './peephole.js';
import { pruneUnreachable, removeDeadValues } from './prune.js';

import type { Binding, Hdr, Val } from './values.js';
import { globalRead, globalWrite } from './lower-global.js';
import { mapMethod } from './lower-map.js';
import { nullish } from './lower-nullish.js';
import { assignCopy, assignPlace, element, member, memberPlace, placeOf, zeroed } from './lower-struct.js';
import { contextParam, probeMethod } from './lower-call.js';
import { declaredHelperCall } from './lower-helper.js';
import { annotatedType, btfArgs, coreCall, kernelAddress, kernelAssign, kernelMember } from './lower-core.js';
import { kernelSlots, type KernelSlot } from './kernel-types.js';
import { callSubprogram } from './lower-subprogram-call.js';
import { atomicAddTo } from './lower-atomic.js';
import { zeroCell } from './lower-queue.js';
import { tailCall } from './lower-tail-call.js';
import { programContext, rawTracepointMethod, skbHeader } from './lower-program-kinds.js';
import { checkSockAddrReturn } from './lower-sock-addr.js';
import { checkSockOpsReturn, checkSockOpsStore, SOCK_OPS_CONSTANTS } from './lower-sock-ops.js';
import { asMemory, kernelArrayAssign, kernelArrayLocal } from './lower-kernel-array.js';
import { enumCall } from './lower-enum.js';
import { checkReleased, kfuncCall } from './lower-kfunc.js';
import { skbFieldAssign, skbFieldRead } from './lower-skb-fields.js';
import { ksymExistsBranch, ksymExistsValue } from './lower-weak-kfunc.js';
import { packetSocket, socketCall, socketField } from './lower-socket.js';
import { spinLockCall } from './lower-spin-lock.js';
import { loopCall } from './lower-loop.js';
import { timerCall } from './lower-timer.js';
import { checkReferencesReleased } from './references.js';
import { checkSettled } from './lower-struct-elements.js';

const HEADER_FIELDS: Record<Hdr, Record<string, { off: number; type: IntType }>> = {
  eth: { proto: { off: 12, type: INT_TYPES.u16! } },
  ipv4: {
    saddr: { off: 12, type: U32 }, daddr: { off: 16, type: U32 }, protocol: { off: 9, type: INT_TYPES.u8! },
    ttl: { off: 8, type: INT_TYPES.u8! }, totLen: { off: 2, type: INT_TYPES.u16! },
  },
  udp: { source: { off: 0, type: INT_TYPES.u16! }, dest: { off: 2, type: INT_TYPES.u16! }, len: { off: 4, type: INT_TYPES.u16! } },
  tcp: { source: { off: 0, type: INT_TYPES.u16! }, dest: { off: 2, type: INT_TYPES.u16! }, seq: { off: 4, type: U32 } },
};
const HEADER_SIZE: Record<Hdr, number> = { eth: 14, ipv4: 20, udp: 8, tcp: 20 };

const CONSTANTS: Record<string, bigint> = {
  XDP_ABORTED: 0n, XDP_DROP: 1n, XDP_PASS: 2n, XDP_TX: 3n, XDP_REDIRECT: 4n, TC_ACT_OK: 0n, TC_ACT_SHOT: 2n, ...SOCK_OPS_CONSTANTS,
};
const MAX_INLINE_DEPTH = 8;
const STACK_LIMIT = 512;

const MIRROR: Record<JumpOp, JumpOp> = {
  jeq: 'jeq', jne: 'jne', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge', jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge', jset: 'jset',
};

export function lowerProgram(m: ModuleInfo, prog: ProgramDecl): IrFunction {
  return new Lowering(m, prog).run();
}

/** A module function being inlined: its result, its end, and the call it stands for (where a weak kfunc's guard may be). */
interface InlineFrame { readonly result?: VReg; readonly type?: IntType; readonly end: string; readonly site: TS.CallExpression }

/** One program's lowering; its members are shared with lower-*.ts (not an API). */
export class Lowering {
  readonly ts: typeof TS;
  readonly ops: Located[] = [];
  vregs = 0;
  frame = 0;
  labels = 0;
  loc: SourceLocation | undefined;
  reachable = true;
  readonly scopes: Map<string, Binding>[] = [];
  readonly loops: { brk: string; cont?: string }[] = [];
  readonly inlines: InlineFrame[] = [];
  ctxV = -1;
  readonly retType: IntType;
  /** Shared `return K` blocks at the end of the program (as clang merges early returns). */
  readonly sharedReturns = new Map<bigint, string>();
  /** A header accessor whose null path is not placed yet (see header()). */
  pendingHeader: { readonly v: VReg; readonly none: string; readonly from: number } | undefined;
  bounds: { data: VReg; end: VReg } | undefined;

  /** A struct_ops program's slot (its parameters and return type). */
  readonly opsSlot: KernelSlot | undefined;

  constructor(readonly m: ModuleInfo, readonly prog: ProgramDecl) {
    this.ts = m.ts;
    if (prog.slot !== undefined) {
      this.opsSlot = kernelSlots(m, prog.slot.type).get(prog.slot.member) ?? this.fail(prog.body, `member '${prog.slot.member}' is not a function pointer of the struct_ops type`);
    }
    this.retType = this.opsSlot !== undefined ? INT_TYPES[this.opsSlot.ret ?? 'u32']! : prog.kind === 'xdp' || prog.kind === 'socketFilter' ? U32 : INT_TYPES.s32!;
  }

  run(): IrFunction {
    const ts = this.ts;
    const fn = this.prog.body;
    this.loc = this.at(fn);
    this.ctxV = this.newV();
    this.emit({ op: 'ctx', d: this.ctxV });
    this.ops.length = 0; // put back at the start once the body is known to use the context
    const scope = new Map<string, Binding>();
    this.scopes.push(scope);
    const btf = this.prog.kind === 'tpBtf' || this.prog.kind === 'structOps' || this.prog.kind === 'lsm';
    if (this.opsSlot !== undefined) {
      if (fn.parameters.length > this.opsSlot.params.length) this.fail(fn.parameters[this.opsSlot.params.length]!, `member '${this.prog.slot!.member}' takes ${this.opsSlot.params.length} arguments`);
      btfArgs(this, fn.parameters, scope, this.opsSlot.params.map((t) => (typeof t === 'string' ? INT_TYPES[t] : t)));
    } else if (btf) btfArgs(this, fn.parameters, scope, fn.parameters.map((p) => annotatedType(this, p)));
    else if (fn.parameters.length > 1) this.fail(fn.parameters[1]!, 'a program takes one parameter (its context)');
    const p = fn.parameters[0];
    if (p !== undefined && !btf) {
      if (!ts.isIdentifier(p.name)) this.fail(p, 'the context parameter is a plain name');
      scope.set((p.name as TS.Identifier).text, { kind: 'value', val: programContext(this, p) ?? contextParam(this, p) });
    }
    if (ts.isBlock(fn.body)) this.block(fn.body.statements);
    else { this.loc = this.at(fn.body); this.ret(this.expr(fn.body)); }
    if (this.reachable) this.ret({ k: 'const', type: this.retType, c: 0n });
    for (const [c, label] of this.sharedReturns) { this.place(label); this.emit(this.retOp({ imm: c })); }
    if (this.ops.some((o) => uses(o).includes(this.ctxV))) this.ops.unshift({ op: 'ctx', d: this.ctxV, loc: this.at(fn) });
    if (this.frame > STACK_LIMIT) this.fail(fn, `the program needs ${this.frame} bytes of stack; eBPF allows ${STACK_LIMIT}`);
    checkReleased(this);
    checkReferencesReleased(this.ops, (loc, msg) => { throw new CompileError(msg, loc ?? this.at(fn)); });
    checkSettled(this);
    return { ops: sinkStackAddresses(dropStoreConversions(removeDeadValues(pruneUnreachable(this.ops)))), vregs: this.vregs, frame: this.frame };
  }

  // ---- plumbing -----------------------------------------------------------------------------

  at(n: TS.Node): SourceLocation { return locOf(this.ts, this.m.sf, this.m.file, n); }
  fail(n: TS.Node, msg: string): never { throw new CompileError(msg, this.at(n)); }
  newV(): VReg { return this.vregs++; }
  label(hint: string): string { return `${this.prog.name}.${hint}${this.labels++}`; }
  emit(o: Op): void {
    if (this.pendingHeader !== undefined) this.flushHeader();
    if (o.op === 'label') this.reachable = true;
    else if (!this.reachable) return;
    this.ops.push(this.loc === undefined ? o : { ...o, loc: this.loc });
    if (o.op === 'jmp' || o.op === 'ret') this.reachable = false;
  }
  place(name: string): void { this.emit({ op: 'label', name }); }

  /** The pending header's null path, placed: `d = 0` where its checks failed. */
  flushHeader(): void {
    const h = this.pendingHeader!;
    this.pendingHeader = undefined;
    const done = this.label('hdr');
    this.emit({ op: 'jmp', target: done });
    this.place(h.none);
    this.emit({ op: 'mov', d: h.v, s: { imm: 0n } });
    this.place(done);
  }

  /** Sends the pending header's null path to `target` (its checks jump there directly). */
  retargetHeader(target: string): void {
    const h = this.pendingHeader!;
    this.pendingHeader = undefined;
    for (let i = h.from; i < this.ops.length; i++) {
      const o = this.ops[i]!;
      if ((o.op === 'br' || o.op === 'jmp') && o.target === h.none) this.ops[i] = { ...o, target };
    }
  }
  slot(size: number): number {
    this.frame = (this.frame + size + 7) & ~7;
    return -this.frame;
  }
  lookupName(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) { const b = this.scopes[i]!.get(name); if (b !== undefined) return b; }
    return undefined;
  }
  operand(v: Val & { k: 'const' | 'reg' }): Operand { return v.k === 'const' ? { imm: v.c } : { reg: v.v }; }

  // ---- statements ---------------------------------------------------------------------------

  block(stmts: readonly TS.Statement[]): void {
    this.scopes.push(new Map());
    try { for (const s of stmts) this.stmt(s); } finally { this.scopes.pop(); }
  }

  stmt(s: TS.Statement): void {
    const ts = this.ts;
    this.loc = this.at(s);
    if (ts.isBlock(s)) return this.block(s.statements);
    if (ts.isEmptyStatement(s)) return;
    if (ts.isExpressionStatement(s)) { this.expr(s.expression, true); return; }
    if (ts.isVariableStatement(s)) return this.varDecl(s.declarationList);
    if (ts.isReturnStatement(s)) {
      if (s.expression === undefined) {
        if (this.inlines.length > 0) { this.emit({ op: 'jmp', target: this.inlines.at(-1)!.end }); return; }
        if (this.opsSlot !== undefined && this.opsSlot.ret === undefined) { this.ret({ k: 'const', type: this.retType, c: 0n }); return; }
        return this.fail(s, 'a program returns a value');
      }
      this.ret(this.expr(s.expression), s.expression);
      return;
    }
    if (ts.isIfStatement(s)) {
      const jump = s.elseStatement === undefined ? this.jumpOnly(s.thenStatement) ?? this.constantReturn(s.thenStatement) : undefined;
      if (jump !== undefined) { this.branch(s.expression, true, jump); return; }
      const els = this.label('else'), end = this.label('endif');
      this.branch(s.expression, false, s.elseStatement === undefined ? end : els);
      this.scoped(s.thenStatement);
      if (s.elseStatement !== undefined) {
        this.emit({ op: 'jmp', target: end });
        this.place(els);
        this.scoped(s.elseStatement);
      }
      this.place(end);
      return;
    }
    if (ts.isWhileStatement(s)) {
      const top = this.label('while'), end = this.label('wend');
      this.place(top);
      this.branch(s.expression, false, end);
      this.loopBody(s.statement, end, top);
      this.emit({ op: 'jmp', target: top });
      this.place(end);
      return;
    }
    if (ts.isDoStatement(s)) {
      const top = this.label('do'), cont = this.label('dcont'), end = this.label('dend');
      this.place(top);
      this.loopBody(s.statement, end, cont);
      this.place(cont);
      this.branch(s.expression, true, top);
      this.place(end);
      return;
    }
    if (ts.isForStatement(s)) {
      this.scopes.push(new Map());
      try {
        const init = s.initializer;
        if (init !== undefined) {
          if (ts.isVariableDeclarationList(init)) this.varDecl(init); else this.expr(init, true);
        }
        const top = this.label('for'), cont = this.label('fcont'), end = this.label('fend');
        this.place(top);
        if (s.condition !== undefined) { this.loc = this.at(s.condition); this.branch(s.condition, false, end); }
        this.loopBody(s.statement, end, cont);
        this.place(cont);
        if (s.incrementor !== undefined) { this.loc = this.at(s.incrementor); this.expr(s.incrementor, true); }
        this.emit({ op: 'jmp', target: top });
        this.place(end);
      } finally { this.scopes.pop(); }
      return;
    }
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label !== undefined) this.fail(s, 'labelled break and continue are not supported');
      const isBreak = ts.isBreakStatement(s);
      const loop = [...this.loops].reverse().find((l) => isBreak || l.cont !== undefined);
      if (loop === undefined) this.fail(s, `${isBreak ? 'break' : 'continue'} outside a loop`);
      this.emit({ op: 'jmp', target: isBreak ? loop!.brk : loop!.cont! });
      return;
    }
    if (ts.isSwitchStatement(s)) return this.switchStmt(s);
    if (ts.isFunctionDeclaration(s)) this.fail(s, 'functions inside a program are not supported: declare them at the module level');
    return this.fail(s, `${ts.SyntaxKind[s.kind]} is not supported in eBPF programs`);
  }

  scoped(s: TS.Statement): void { this.block([s]); }

  /** The shared return block's label when a statement only returns a constant from the program. */
  constantReturn(s: TS.Statement): string | undefined {
    const ts = this.ts;
    if (ts.isBlock(s) && s.statements.length === 1) return this.constantReturn(s.statements[0]!);
    if (!ts.isReturnStatement(s) || s.expression === undefined || this.inlines.length > 0) return undefined;
    const e = s.expression;
    if (!ts.isNumericLiteral(e) && !(ts.isIdentifier(e) && this.lookupName(e.text) === undefined)) return undefined;
    const v = this.expr(e);
    if (v.k !== 'const') return undefined;
    const c = this.convert(v, this.retType, e) as Val & { k: 'const' };
    checkSockAddrReturn(this, c, e);
    checkSockOpsReturn(this, c, e);
    let label = this.sharedReturns.get(c.c);
    if (label === undefined) { label = this.label(`ret${c.c}_`); this.sharedReturns.set(c.c, label); }
    return label;
  }

  /** The label a statement only jumps to (break, continue), if that is all it does. */
  jumpOnly(s: TS.Statement): string | undefined {
    const ts = this.ts;
    if (ts.isBlock(s) && s.statements.length === 1) return this.jumpOnly(s.statements[0]!);
    if ((ts.isBreakStatement(s) || ts.isContinueStatement(s)) && s.label === undefined) {
      const isBreak = ts.isBreakStatement(s);
      const loop = [...this.loops].reverse().find((l) => isBreak || l.cont !== undefined);
      return loop === undefined ? undefined : isBreak ? loop.brk : loop.cont;
    }
    return undefined;
  }

  loopBody(body: TS.Statement, brk: string, cont: string): void {
    this.loops.push({ brk, cont });
    try { this.scoped(body); } finally { this.loops.pop(); }
  }

  switchStmt(s: TS.SwitchStatement): void {
    const ts = this.ts;
    const x = this.intVal(this.expr(s.expression), s.expression);
    const xv = this.toReg(x);
    const end = this.label('swend');
    const targets = s.caseBlock.clauses.map(() => this.label('case'));
    let deflt: string | undefined;
    const seen = new Set<bigint>();
    s.caseBlock.clauses.forEach((c, i) => {
      if (ts.isDefaultClause(c)) { deflt = targets[i]; return; }
      this.loc = this.at(c);
      const v = this.expr(c.expression);
      if (v.k !== 'const') this.fail(c.expression, 'a case label must be a constant');
      const k = wrap(v.c, x.type);
      if (seen.has(k)) this.fail(c.expression, `duplicate case ${k}`);
      seen.add(k);
      this.emit({ op: 'br', cmp: 'jeq', w: 64, a: xv.v, b: { imm: k }, target: targets[i]! });
    });
    this.emit({ op: 'jmp', target: deflt ?? end });
    this.loops.push({ brk: end });
    try {
      s.caseBlock.clauses.forEach((c, i) => {
        this.place(targets[i]!);
        this.block(c.statements);
      });
    } finally { this.loops.pop(); }
    this.place(end);
  }

  varDecl(list: TS.VariableDeclarationList): void {
    const ts = this.ts;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    if ((list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) this.fail(list, 'use let or const (var is not supported)');
    for (const d of list.declarations) {
      if (!ts.isIdentifier(d.name)) this.fail(d, 'destructuring is not supported in eBPF programs');
      const name = (d.name as TS.Identifier).text;
      const declared = d.type === undefined ? undefined : intTypeOf(ts, this.m.imports, d.type);
      this.loc = this.at(d);
      const scope = this.scopes.at(-1)!;
      if (d.type !== undefined && declared === undefined) {
        // A kernel array's copy may name its array type (`const comm: Arr<char, 16> = task.comm`).
        const init = d.initializer === undefined ? undefined : this.expr(d.initializer);
        if (init?.k === 'karr') {
          scope.set(name, { kind: 'value', val: kernelArrayLocal(this, init, d.initializer!, d.type) });
          continue;
        }
        // A struct or array may name its type too (`const e: Event = zero()`); tsc checks that it matches.
        if (init === undefined || init.k === 'const' || init.k === 'reg') this.fail(d.type, 'a local is an integer type (u8 … u64, s8 … s64, bool)');
        if (!isConst) this.fail(d, 'structs, arrays, pointers, maps and headers are held in const locals');
        scope.set(name, { kind: 'value', val: init });
        continue;
      }
      if (d.initializer === undefined) {
        if (declared === undefined) this.fail(d, `'${name}' needs a type or an initial value`);
        const v = this.newV();
        this.emit({ op: 'mov', d: v, s: { imm: 0n } });
        scope.set(name, { kind: 'local', v, type: declared! });
        continue;
      }
      const init = asMemory(this, this.expr(d.initializer), d.initializer);
      if (init.k !== 'const' && init.k !== 'reg') {
        if (!isConst) this.fail(d, 'structs, arrays, pointers, maps and headers are held in const locals');
        if (declared !== undefined) this.fail(d.type!, 'this value is not an integer');
        scope.set(name, { kind: 'value', val: init });
        continue;
      }
      let val: Val = declared === undefined ? (init.k === 'const' && init.lit === true ? { ...init, type: S64, lit: false } : init) : this.convert(init, declared, d.initializer);
      // A const names the temporary itself (no copy); it is no longer anyone's to take over.
      if (isConst && (val.k === 'const' || val.owned)) { scope.set(name, { kind: 'value', val: val.k === 'reg' ? { ...val, owned: false } : val }); continue; }
      if (val.k === 'reg' && val.owned) { scope.set(name, { kind: 'local', v: val.v, type: val.type }); continue; }
      const v = this.newV();
      this.emit({ op: 'mov', d: v, s: this.operand(val) });
      val = { k: 'reg', v, type: val.type, owned: false };
      scope.set(name, isConst ? { kind: 'value', val } : { kind: 'local', v, type: val.type });
    }
  }

  ret(v: Val, node?: TS.Node): void {
    const frame = this.inlines.at(-1);
    if (frame !== undefined) {
      if (frame.result !== undefined) {
        const r = this.convert(this.intVal(v, node), frame.type!, node);
        this.emit({ op: 'mov', d: frame.result, s: this.operand(r) });
      }
      this.emit({ op: 'jmp', target: frame.end });
      return;
    }
    const r = this.convert(this.intVal(v, node), this.retType, node);
    checkSockAddrReturn(this, r, node);
    checkSockOpsReturn(this, r, node);
    // A constant an early return already shares: jump to that block (no second `r0 = K; exit`).
    const shared = r.k === 'const' ? this.sharedReturns.get(r.c) : undefined;
    if (shared !== undefined) this.emit({ op: 'jmp', target: shared });
    else this.emit(this.retOp(this.operand(r)));
  }

  /**
   * The exit returning s; a struct_ops member returning void exits with R0 as it is (the
   * verifier does not read R0 there, and clang sets nothing).
   */
  retOp(s: Operand): Op { return this.opsSlot !== undefined && this.opsSlot.ret === undefined ? { op: 'ret' } : { op: 'ret', s }; }

  // ---- conditions ---------------------------------------------------------------------------

  /** Jumps to `target` when e's truth is `when`; falls through otherwise. */
  branch(e: TS.Expression, when: boolean, target: string): void {
    const ts = this.ts;
    if (ts.isParenthesizedExpression(e)) return this.branch(e.expression, when, target);
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return this.branch(e.operand, !when, target);
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
        const and = op === ts.SyntaxKind.AmpersandAmpersandToken;
        if (and !== when) { this.branch(e.left, when, target); this.branch(e.right, when, target); return; }
        const skip = this.label('sc');
        this.branch(e.left, !when, skip);
        this.branch(e.right, when, target);
        this.place(skip);
        return;
      }
      const cmp = this.comparison(e);
      if (cmp !== undefined) {
        const { a, b, op: jop } = cmp;
        // Comparisons come from TypeScript's operators: never jset, which has no negation.
        const j = when ? jop : NEGATED_JUMP[jop]!;
        if (a.k === 'const' && b.k === 'const') {
          if (evalJump(j, a.c, b.c)) this.emit({ op: 'jmp', target });
          return;
        }
        if (a.k === 'const') this.emit({ op: 'br', cmp: MIRROR[j], w: 64, a: (b as Val & { k: 'reg' }).v, b: { imm: a.c }, target });
        else this.emit({ op: 'br', cmp: j, w: 64, a: a.v, b: this.operand(b), target });
        return;
      }
    }
    if (ksymExistsBranch(this, e, when, target)) return;
    const v = this.expr(e);
    if (v.k === 'hdr' && this.pendingHeader?.v === v.v) {
      if (!when) { this.retargetHeader(target); return; }
      const none = this.pendingHeader.none;
      this.pendingHeader = undefined;
      this.emit({ op: 'jmp', target });
      this.place(none);
      this.emit({ op: 'mov', d: v.v, s: { imm: 0n } });
      return;
    }
    if (v.k === 'const') { if ((v.c !== 0n) === when) this.emit({ op: 'jmp', target }); return; }
    if (v.k === 'null') { if (!when) this.emit({ op: 'jmp', target }); return; }
    if (v.k === 'mem') {
      if (v.base === 'fp' || v.off !== 0) { if (when) this.emit({ op: 'jmp', target }); return; }
      this.emit({ op: 'br', cmp: when ? 'jne' : 'jeq', w: 64, a: v.base, b: { imm: 0n }, target });
      return;
    }
    if (v.k === 'reg' || v.k === 'cell' || v.k === 'hdr' || v.k === 'sock') {
      this.emit({ op: 'br', cmp: when ? 'jne' : 'jeq', w: 64, a: v.v, b: { imm: 0n }, target });
      return;
    }
    // An inner map a map of maps gave (maps-of-maps.ts): its null check.
    if (v.k === 'map' && v.map.via !== undefined) { this.emit({ op: 'br', cmp: when ? 'jne' : 'jeq', w: 64, a: v.map.via, b: { imm: 0n }, target }); return; }
    // A kernel struct pointer (a kfunc's result, a pointer member): its null check.
    if (v.k === 'kernel') { this.emit({ op: 'br', cmp: when ? 'jne' : 'jeq', w: 64, a: kernelAddress(this, v, e).v, b: { imm: 0n }, target }); return; }
    this.fail(e, 'this value is not a condition');
  }

  /** A comparison's operands in their common type and its jump. */
  comparison(e: TS.BinaryExpression): { a: Val & { k: 'const' | 'reg' }; b: Val & { k: 'const' | 'reg' }; op: JumpOp } | undefined {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const ops: Partial<Record<TS.SyntaxKind, [JumpOp, JumpOp]>> = {
      [K.EqualsEqualsEqualsToken]: ['jeq', 'jeq'], [K.ExclamationEqualsEqualsToken]: ['jne', 'jne'],
      [K.EqualsEqualsToken]: ['jeq', 'jeq'], [K.ExclamationEqualsToken]: ['jne', 'jne'],
      [K.LessThanToken]: ['jlt', 'jslt'], [K.LessThanEqualsToken]: ['jle', 'jsle'],
      [K.GreaterThanToken]: ['jgt', 'jsgt'], [K.GreaterThanEqualsToken]: ['jge', 'jsge'],
    };
    const pair = ops[e.operatorToken.kind];
    if (pair === undefined) return undefined;
    const l = this.expr(e.left), r = this.expr(e.right);
    // A pointer against null: its null check.
    const ptr = (x: Val): VReg | undefined => (x.k === 'cell' || x.k === 'hdr' || x.k === 'sock' ? x.v : x.k === 'mem' && x.base !== 'fp' && x.off === 0 ? x.base : x.k === 'map' ? x.map.via : undefined);
    if ((pair[0] === 'jeq' || pair[0] === 'jne') && (ptr(l) !== undefined && r.k === 'null' || l.k === 'null' && ptr(r) !== undefined)) {
      return { a: { k: 'reg', v: ptr(l) ?? ptr(r)!, type: U64, owned: false }, b: { k: 'const', type: U64, c: 0n }, op: pair[0] };
    }
    const a0 = this.intVal(l, e.left), b0 = this.intVal(r, e.right);
    const t = this.operandType(a0, b0, e);
    const a = this.convert(a0, t, e.left), b = this.convert(b0, t, e.right);
    return { a, b, op: t.signed ? pair[1] : pair[0] };
  }

  /** A condition's value as a bool register (or constant). */
  boolOf(e: TS.Expression): Val {
    const d = this.newV();
    const end = this.label('bool');
    const before = this.ops.length;
    this.emit({ op: 'mov', d, s: { imm: 1n } });
    this.branch(e, true, end);
    // A condition folded to a constant jumped (true) or emitted nothing (false).
    if (this.ops.length === before + 1) return { k: 'const', type: BOOL, c: 0n };
    this.emit({ op: 'mov', d, s: { imm: 0n } });
    this.place(end);
    return { k: 'reg', type: BOOL, v: d, owned: true };
  }

  // ---- expressions --------------------------------------------------------------------------

  /** An integer value (or a fail at n). */
  intVal(v: Val, n: TS.Node | undefined): Val & { k: 'const' | 'reg' } {
    if (v.k === 'const' || v.k === 'reg') return v;
    if (v.k === 'kernel') return kernelAddress(this, v, n ?? this.prog.body);
    if (v.k === 'karr') return this.fail(n ?? this.prog.body, 'a kernel array is not an integer here: read an element (task.comm[0]) or copy it (e.comm = task.comm)');
    const what = v.k === 'mem' ? `a ${v.ty.kind === 'struct' ? `struct ${v.ty.name}` : 'array'} (read a field)` : v.k === 'cell' ? 'a map value pointer (read .value)' : v.k === 'hdr' ? 'a header pointer' : v.k === 'sock' ? 'a socket (read a field)' : v.k === 'map' ? 'a map' : v.k === 'null' ? 'null' : 'the context';
    return this.fail(n ?? this.prog.body, `${what} is not an integer here`);
  }

  toReg(v: Val & { k: 'const' | 'reg' }): Val & { k: 'reg' } {
    if (v.k === 'reg') return v;
    const d = this.newV();
    this.emit({ op: 'mov', d, s: { imm: v.c } });
    return { k: 'reg', v: d, type: v.type, owned: true };
  }

  /** The type two operands meet in; a literal takes the other operand's type. */
  operandType(a: Val & { k: 'const' | 'reg' }, b: Val & { k: 'const' | 'reg' }, n: TS.Node): IntType {
    const litA = a.k === 'const' && a.lit === true, litB = b.k === 'const' && b.lit === true;
    if (litA && !litB) { this.fits(a.c, b.type, n); return b.type; }
    if (litB && !litA) { this.fits(b.c, a.type, n); return a.type; }
    return commonType(a.type, b.type);
  }

  fits(c: bigint, t: IntType, n: TS.Node): void {
    if (t.bool === true) return;
    const lo = -(1n << BigInt(t.bits - 1)), hi = (1n << BigInt(t.bits)) - 1n;
    if (c < lo || c > hi) this.fail(n, `the constant ${c} does not fit in ${t.name}`);
  }

  /** v in type t: folded, free (same register), or truncated/extended into a new register. */
  convert(v: Val & { k: 'const' | 'reg' }, t: IntType, n: TS.Node | undefined): Val & { k: 'const' | 'reg' } {
    if (v.k === 'const') {
      if (v.lit === true && n !== undefined) this.fits(v.c, t, n);
      return { k: 'const', type: t, c: wrap(v.c, t) };
    }
    if (v.type === t || isFreeConversion(v.type, t)) return { ...v, type: t };
    // A value known to fit (a shifted-down or masked one) needs no truncation.
    if (v.fits !== undefined && t.bool !== true && (t.signed ? v.fits < t.bits : v.fits <= t.bits)) return { k: 'reg', v: v.v, type: t, owned: v.owned, fits: v.fits };
    const d = this.newV();
    if (t.bool === true) {
      const end = this.label('tobool');
      this.emit({ op: 'mov', d, s: { imm: 1n } });
      this.emit({ op: 'br', cmp: 'jne', w: 64, a: v.v, b: { imm: 0n }, target: end });
      this.emit({ op: 'mov', d, s: { imm: 0n } });
      this.place(end);
    } else this.narrow(d, v.v, t);
    return { k: 'reg', v: d, type: t, owned: true };
  }

  /**
   * Stores v as an integer of type t (`store` emits the store of an operand) and returns v in t.
   * A store of t's width keeps only t's bits: a register is stored as it is, and the conversion
   * (for a use of the assignment's value) is dead code unless something reads it.
   */
  storedValue(v: Val & { k: 'const' | 'reg' }, t: IntType, n: TS.Node, store: (s: Operand) => void): Val & { k: 'const' | 'reg' } {
    if (v.k === 'reg' && t.bool !== true) { store({ reg: v.v }); return this.convert(v, t, n); }
    const nv = this.convert(v, t, n);
    store(this.operand(nv));
    return nv;
  }

  /** d = a brought to t's canonical form (t narrower than 64 bits). */
  narrow(d: VReg, a: VReg, t: IntType): void {
    if (t.bits === 64) { if (d !== a) this.emit({ op: 'mov', d, s: { reg: a } }); return; }
    if (t.signed) this.emit({ op: 'movsx', d, a, bits: t.bits as 8 | 16 | 32 });
    else if (t.bits === 32) this.emit({ op: 'mov', d, s: { reg: a }, w: 32 });
    else this.emit({ op: 'alu', code: 'and', w: 64, d, a, b: { imm: (1n << BigInt(t.bits)) - 1n } });
  }

  /** `discard`: the value is not used (expression statements). */
  expr(e: TS.Expression, discard = false): Val {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    if (ts.isParenthesizedExpression(e)) return this.expr(e.expression, discard);
    if (ts.isNumericLiteral(e)) return { k: 'const', type: S64, c: parseInteger(e.getText(this.m.sf)) ?? this.fail(e, `${e.getText(this.m.sf)} is not an integer`), lit: true };
    if (ts.isBigIntLiteral(e)) return { k: 'const', type: S64, c: parseInteger(e.text.slice(0, -1)) ?? this.fail(e, 'bad bigint literal'), lit: true };
    if (e.kind === K.TrueKeyword) return { k: 'const', type: BOOL, c: 1n };
    if (e.kind === K.FalseKeyword) return { k: 'const', type: BOOL, c: 0n };
    if (e.kind === K.NullKeyword) return { k: 'null' };
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (ts.isAsExpression(e)) {
      if (e.type.kind === K.ConstKeyword) return this.expr(e.expression);
      const t = intTypeOf(ts, this.m.imports, e.type) ?? this.fail(e.type, 'as converts to an integer type (u8 … u64, s8 … s64, bool)');
      const v = this.intVal(this.expr(e.expression), e.expression);
      if (v.k === 'const') return { k: 'const', type: t, c: wrap(v.c, t) };
      return this.convert(v, t, undefined);
    }
    if (ts.isNonNullExpression(e)) this.fail(e, 'a non-null assertion (!) is not a null check: test the value with if before using it');
    if (ts.isPrefixUnaryExpression(e)) return this.prefix(e);
    if (ts.isPostfixUnaryExpression(e)) return this.increment(e.operand, e.operator === K.PlusPlusToken ? 'add' : 'sub', !discard, e);
    if (ts.isConditionalExpression(e)) return this.conditional(e);
    if (ts.isBinaryExpression(e)) return this.binaryExpr(e, discard);
    if (ts.isCallExpression(e)) return this.call(e, discard);
    if (ts.isPropertyAccessExpression(e)) return this.property(e);
    if (ts.isElementAccessExpression(e)) return element(this, e);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) this.fail(e, 'closures are not supported in eBPF programs');
    if (ts.isStringLiteral(e) || ts.isTemplateExpression(e) || ts.isNoSubstitutionTemplateLiteral(e)) this.fail(e, 'strings are only printk formats');
    return this.fail(e, `${K[e.kind]} is not supported in eBPF programs`);
  }

  identifier(e: TS.Identifier): Val {
    const b = this.lookupName(e.text);
    if (b !== undefined) return b.kind === 'local' ? { k: 'reg', v: b.v, type: b.type, owned: false } : b.val;
    const map = this.m.maps.get(e.text);
    if (map !== undefined) return { k: 'map', map };
    const imported = this.m.imports.get(e.text);
    if (imported !== undefined && Object.hasOwn(CONSTANTS, imported)) return { k: 'const', type: U32, c: CONSTANTS[imported]!, lit: true };
    const g = this.m.globals.get(e.text);
    if (g !== undefined) return globalRead(this, g);
    const c = this.m.constants.get(e.text);
    if (c !== undefined) {
      const v = this.expr(c);
      if (v.k !== 'const') this.fail(e, `module constant '${e.text}' is not a constant integer`);
      return v;
    }
    if (e.text === 'undefined') this.fail(e, 'undefined is not a value in eBPF programs (use null or 0)');
    return this.fail(e, `'${e.text}' is not a local, map, module constant or tsbpf/lang name`);
  }

  prefix(e: TS.PrefixUnaryExpression): Val {
    const K = this.ts.SyntaxKind;
    if (e.operator === K.PlusPlusToken || e.operator === K.MinusMinusToken) return this.increment(e.operand, e.operator === K.PlusPlusToken ? 'add' : 'sub', false, e);
    if (e.operator === K.ExclamationToken) return this.boolOf(e);
    const v = this.intVal(this.expr(e.operand), e.operand);
    if (e.operator === K.PlusToken) return v;
    if (v.k === 'const') {
      const c = e.operator === K.MinusToken ? -v.c : ~v.c;
      return v.lit === true ? { k: 'const', type: S64, c, lit: true } : { k: 'const', type: v.type, c: wrap(c, v.type) };
    }
    const d = this.newV();
    if (e.operator === K.MinusToken) {
      this.emit({ op: 'neg', d, a: v.v });
      if (v.type.bits < 64) this.narrow(d, d, v.type);
    } else if (e.operator === K.TildeToken) {
      const mask = v.type.signed || v.type.bits === 64 ? -1n : (1n << BigInt(v.type.bits)) - 1n;
      this.emit({ op: 'alu', code: 'xor', w: 64, d, a: v.v, b: { imm: mask } });
    } else return this.fail(e, 'unsupported unary operator');
    return { k: 'reg', v: d, type: v.type, owned: true };
  }

  /** x++ / x-- / ++x / --x on a local or a map value; `old`: the value before. */
  increment(target: TS.Expression, code: 'add' | 'sub', old: boolean, n: TS.Node): Val {
    const one: Val = { k: 'const', type: S64, c: 1n, lit: true };
    return this.assign(target, (cur) => this.arith(code, cur(), one, n), old);
  }

  conditional(e: TS.ConditionalExpression): Val {
    const els = this.label('celse'), end = this.label('cend');
    const d = this.newV();
    this.branch(e.condition, false, els);
    const a = this.intVal(this.expr(e.whenTrue), e.whenTrue);
    return this.joinArms(a, e.whenTrue, e.whenFalse, els, end, e, d);
  }

  /**
   * The value of a two-armed expression (?:, ??) whose first arm `a` was just lowered: the second
   * arm lowered at `els`, both in one register (`d`, or a new one) in their common type. The
   * second arm is lowered once first, and thrown away, to learn that type (constants cost nothing
   * to redo).
   */
  joinArms(a: Val & { k: 'const' | 'reg' }, first: TS.Node, second: TS.Expression, els: string, end: string, n: TS.Node, d?: VReg): Val {
    const start = this.ops.length;
    const reach = this.reachable;
    this.reachable = false;
    const probe = this.intVal(this.expr(second), second);
    this.ops.length = start;
    this.reachable = reach;
    const t = this.operandType(a, probe, n);
    const v = d ?? this.newV();
    this.emit({ op: 'mov', d: v, s: this.operand(this.convert(a, t, first)) });
    this.emit({ op: 'jmp', target: end });
    this.place(els);
    const b = this.intVal(this.expr(second), second);
    this.emit({ op: 'mov', d: v, s: this.operand(this.convert(b, t, second)) });
    this.place(end);
    return { k: 'reg', v, type: t, owned: true };
  }

  binaryExpr(e: TS.BinaryExpression, discard: boolean): Val {
    const K = this.ts.SyntaxKind;
    const op = e.operatorToken.kind;
    const compound: Partial<Record<TS.SyntaxKind, BinaryOp>> = {
      [K.PlusEqualsToken]: 'add', [K.MinusEqualsToken]: 'sub', [K.AsteriskEqualsToken]: 'mul', [K.SlashEqualsToken]: 'div',
      [K.PercentEqualsToken]: 'mod', [K.AmpersandEqualsToken]: 'and', [K.BarEqualsToken]: 'or', [K.CaretEqualsToken]: 'xor',
      [K.LessThanLessThanEqualsToken]: 'lsh', [K.GreaterThanGreaterThanEqualsToken]: 'rsh', [K.GreaterThanGreaterThanGreaterThanEqualsToken]: 'rsh',
    };
    if (op === K.EqualsToken) {
      const rhs = this.expr(e.right);
      if (rhs.k === 'mem') return assignCopy(this, e.left, rhs, e.right);
      if (rhs.k === 'karr') return kernelArrayAssign(this, e.left, rhs, e.right);
      return this.assign(e.left, () => this.intVal(rhs, e.right), false, discard);
    }
    const cop = compound[op];
    if (cop !== undefined) {
      const rhs = this.intVal(this.expr(e.right), e.right);
      return this.assign(e.left, (cur) => this.arith(cop, cur(), rhs, e), false, discard);
    }
    if (op === K.AmpersandAmpersandToken || op === K.BarBarToken || this.comparisonToken(op)) return this.boolOf(e);
    if (op === K.QuestionQuestionToken) return nullish(this, e);
    const arith: Partial<Record<TS.SyntaxKind, BinaryOp>> = {
      [K.PlusToken]: 'add', [K.MinusToken]: 'sub', [K.AsteriskToken]: 'mul', [K.SlashToken]: 'div', [K.PercentToken]: 'mod',
      [K.AmpersandToken]: 'and', [K.BarToken]: 'or', [K.CaretToken]: 'xor', [K.LessThanLessThanToken]: 'lsh',
      [K.GreaterThanGreaterThanToken]: 'rsh', [K.GreaterThanGreaterThanGreaterThanToken]: 'rsh',
    };
    const aop = arith[op];
    if (aop === undefined) return this.fail(e.operatorToken, `operator ${e.operatorToken.getText(this.m.sf)} is not supported`);
    const a = this.intVal(this.expr(e.left), e.left);
    const b = this.intVal(this.expr(e.right), e.right);
    return this.arith(aop, a, b, e);
  }

  comparisonToken(op: TS.SyntaxKind): boolean {
    const K = this.ts.SyntaxKind;
    return [K.EqualsEqualsEqualsToken, K.ExclamationEqualsEqualsToken, K.EqualsEqualsToken, K.ExclamationEqualsToken,
      K.LessThanToken, K.LessThanEqualsToken, K.GreaterThanToken, K.GreaterThanEqualsToken].includes(op);
  }

  /** a op b with the language's integer semantics (folded when both are constants). */
  arith(op: BinaryOp, a0: Val & { k: 'const' | 'reg' }, b0: Val & { k: 'const' | 'reg' }, n: TS.Node): Val & { k: 'const' | 'reg' } {
    const shift = op === 'lsh' || op === 'rsh';
    const t = shift ? (a0.k === 'const' && a0.lit === true && b0.k === 'reg' ? S64 : a0.type) : this.operandType(a0, b0, n);
    if (t.bool === true) this.fail(n, 'arithmetic on bool: convert with as first');
    const a = this.convert(a0, t, n);
    const b = shift ? b0 : this.convert(b0, t, n);
    if (a.k === 'const' && b.k === 'const') {
      const c = foldBinary(op, a.c, b.c, t);
      return a0.k === 'const' && a0.lit === true && b0.k === 'const' && b0.lit === true ? { k: 'const', type: S64, c, lit: true } : { k: 'const', type: t, c };
    }
    // The kernel refuses a constant zero divisor: x / 0 is 0 and x % 0 is x, as at run time.
    if (b.k === 'const' && b.c === 0n && (op === 'div' || op === 'mod')) return op === 'div' ? { k: 'const', type: t, c: 0n } : a;
    const ar = this.toReg(a);
    let bo: Operand;
    if (shift) {
      if (b.k === 'const') bo = { imm: BigInt.asUintN(64, b.c) & BigInt(t.bits - 1) };
      else {
        const m = this.newV();
        this.emit({ op: 'alu', code: 'and', w: 64, d: m, a: b.v, b: { imm: BigInt(t.bits - 1) } });
        bo = { reg: m };
      }
    } else bo = this.operand(b);
    const d = this.newV();
    const code = t.signed && op === 'div' ? 'sdiv' : t.signed && op === 'mod' ? 'smod' : t.signed && op === 'rsh' ? 'arsh' : op;
    // Unsigned 32-bit arithmetic in ALU32 is canonical as it stands (zero-extended).
    const w = t.bits === 32 && !t.signed ? 32 : 64;
    this.emit({ op: 'alu', code, w, d, a: ar.v, b: bo });
    const canonical = w === 32 || t.bits === 64 || op === 'and' || op === 'or' || op === 'xor' || code === 'arsh' || (!t.signed && (op === 'div' || op === 'mod' || op === 'rsh'));
    if (!canonical) this.narrow(d, d, t);
    let fits: number | undefined;
    if (!t.signed && op === 'rsh' && b.k === 'const') fits = t.bits - Number(BigInt.asUintN(64, b.c) & BigInt(t.bits - 1));
    if (op === 'and' && b.k === 'const' && b.c >= 0n) fits = b.c.toString(2).length;
    return { k: 'reg', v: d, type: t, owned: true, ...(fits === undefined ? {} : { fits }) };
  }

  /** target = f(current value); the result is the new value (or the old one). */
  assign(target: TS.Expression, f: (cur: () => Val & { k: 'const' | 'reg' }) => Val & { k: 'const' | 'reg' }, old: boolean, discard = false): Val {
    const ts = this.ts;
    if (ts.isParenthesizedExpression(target)) return this.assign(target.expression, f, old, discard);
    if (ts.isIdentifier(target) && this.lookupName(target.text) === undefined && this.m.globals.has(target.text)) {
      return globalWrite(this, this.m.globals.get(target.text)!, target, f, old);
    }
    if (ts.isIdentifier(target)) {
      const b = this.lookupName(target.text);
      if (b === undefined || b.kind !== 'local') this.fail(target, `'${target.text}' is not a let local`);
      const loc = b as Binding & { kind: 'local' };
      const cur: Val & { k: 'reg' } = { k: 'reg', v: loc.v, type: loc.type, owned: false };
      let before: Val | undefined;
      if (old && !discard) { const c = this.newV(); this.emit({ op: 'mov', d: c, s: { reg: loc.v } }); before = { k: 'reg', v: c, type: loc.type, owned: true }; }
      const nv = this.convert(f(() => cur), loc.type, target);
      // The value was just computed into a fresh register: compute it into the local instead.
      const last = this.ops.at(-1);
      if (nv.k === 'reg' && nv.owned && last !== undefined && 'd' in last && last.d === nv.v && last.op !== 'call' && last.op !== 'ctx') {
        this.ops[this.ops.length - 1] = { ...last, d: loc.v } as Located;
      } else this.emit({ op: 'mov', d: loc.v, s: this.operand(nv) });
      return before ?? cur;
    }
    // The object is lowered once: an element at a variable index emits its bounds check (lower-struct-elements.ts).
    const object = ts.isPropertyAccessExpression(target) ? this.expr(target.expression) : undefined;
    const cell = ts.isPropertyAccessExpression(target) && target.name.text === 'value' ? object : undefined;
    if (cell?.k === 'cell') {
      const c = cell;
      const size = (c.type.bits / 8) as Size;
      let cur: (Val & { k: 'reg' }) | undefined;
      const read = (): Val & { k: 'reg' } => (cur ??= this.loadCell(c));
      const nv = this.storedValue(f(read), c.type, target, (v) => this.emit({ op: 'st', size, base: c.v, off: 0, s: v }));
      return old ? read() : nv;
    }
    if (object !== undefined && ts.isPropertyAccessExpression(target)) {
      const obj = object;
      if (obj.k === 'kernel') return kernelAssign(this, obj, target, f, old);
      if (obj.k === 'pkt') { const r = skbFieldAssign(this, target, f, old); if (r !== undefined) return r; }
      if (obj.k === 'mem') {
        if (obj.base === this.ctxV) checkSockOpsStore(this, obj.ty, target.name.text, target.name);
        return assignPlace(this, memberPlace(this, obj, target.name.text, target.name), target, f, old);
      }
    }
    const p = placeOf(this, target);
    if (p !== undefined) return assignPlace(this, p, target, f, old);
    return this.fail(target, 'only let locals, global variables, map values (.value), struct fields and array elements can be assigned');
  }

  loadCell(c: Val & { k: 'cell' }): Val & { k: 'reg' } {
    const d = this.newV();
    this.emit({ op: 'ld', size: (c.type.bits / 8) as Size, d, base: c.v, off: 0, ...(c.type.signed && c.type.bits < 64 ? { signed: true } : {}) });
    return { k: 'reg', v: d, type: c.type, owned: true };
  }

  property(e: TS.PropertyAccessExpression): Val {
    if (e.questionDotToken !== undefined) this.fail(e, 'optional chaining (?.) is a read with a fallback: p?.value ?? 0 (or test the value with if)');
    const obj = this.expr(e.expression);
    const name = e.name.text;
    if (obj.k === 'mem') return member(this, obj, name, e.name);
    if (obj.k === 'kernel') return kernelMember(this, obj, e);
    if (obj.k === 'cell' && name === 'value') return this.loadCell(obj);
    if (obj.k === 'sock') return socketField(this, obj, e);
    if (obj.k === 'hdr') {
      const f = HEADER_FIELDS[obj.hdr][name] ?? this.fail(e.name, `the ${obj.hdr} header has no field '${name}'`);
      const d = this.newV();
      this.emit({ op: 'ld', size: (f.type.bits / 8) as Size, d, base: obj.v, off: f.off });
      return { k: 'reg', v: d, type: f.type, owned: true };
    }
    if (obj.k === 'pkt' && name === 'length') {
      const d = this.newV();
      if (this.prog.kind === 'xdp') {
        const { data, end } = this.packetBounds();
        this.emit({ op: 'alu', code: 'sub', w: 64, d, a: end, b: { reg: data } });
      } else this.emit({ op: 'ld', size: 4, d, base: this.ctxV, off: 0 });
      return { k: 'reg', v: d, type: U32, owned: true };
    }
    if (obj.k === 'pkt' && name === 'sk') return packetSocket(this, e.name);
    if (obj.k === 'pkt') { const r = skbFieldRead(this, name, e.name); if (r !== undefined) return r; }
    return this.fail(e, `'${name}' is not a property this value has in eBPF programs`);
  }

  packetBounds(): { data: VReg; end: VReg } {
    // Loaded once: no helper of the language moves the packet.
    if (this.bounds !== undefined) return this.bounds;
    const xdp = this.prog.kind === 'xdp';
    const data = this.newV(), end = this.newV();
    // At the program's entry, so that they dominate every later use.
    const loc = this.at(this.prog.body);
    this.ops.unshift({ op: 'ld', size: 4, d: data, base: this.ctxV, off: xdp ? 0 : 76, loc }, { op: 'ld', size: 4, d: end, base: this.ctxV, off: xdp ? 4 : 80, loc });
    this.bounds = { data, end };
    return this.bounds;
  }

  // ---- calls --------------------------------------------------------------------------------

  call(e: TS.CallExpression, discard: boolean): Val {
    const ts = this.ts;
    const callee = e.expression;
    if (ts.isIdentifier(callee)) {
      const fn = this.m.functions.get(callee.text);
      if (fn !== undefined && this.lookupName(callee.text) === undefined) return this.inline(fn, e, discard);
      const sub = this.m.subprograms.get(callee.text);
      if (sub !== undefined && this.lookupName(callee.text) === undefined) return callSubprogram(this, sub, e, discard);
      const k = this.lookupName(callee.text) === undefined ? kfuncCall(this, callee.text, e) : undefined;
      if (k !== undefined) return k;
      const name = this.m.imports.get(callee.text);
      if (name === undefined) return this.fail(callee, `'${callee.text}' is not a module function or tsbpf/lang helper`);
      if (name === 'zero') return zeroCell(this, e) ?? zeroed(this, e);
      if (name === 'tailCall') return tailCall(this, e);
      if (name === 'atomicAdd') return atomicAddTo(this, e);
      const withMemory = socketCall(this, name, e) ?? spinLockCall(this, name, e) ?? loopCall(this, name, e) ?? timerCall(this, name, e) ?? declaredHelperCall(this, name, e) ?? coreCall(this, name, e) ?? enumCall(this, name, e) ?? ksymExistsValue(this, e);
      if (withMemory !== undefined) return withMemory;
      if (name === 'htons' || name === 'ntohs' || name === 'htonl' || name === 'ntohl') {
        const t = name.endsWith('s') ? INT_TYPES.u16! : U32;
        const arg = e.arguments[0] ?? this.fail(e, `${name} takes one argument`);
        const v = this.convert(this.intVal(this.expr(arg), arg), t, arg);
        if (v.k === 'const') return { k: 'const', type: t, c: swapBytes(v.c, t.bits / 8) };
        const d = this.newV();
        this.emit({ op: 'be', d, a: v.v, bits: t.bits as 16 | 32 });
        return { k: 'reg', v: d, type: t, owned: true };
      }
      if (name === 'printk') return this.printk(e);
      return this.fail(callee, `${name} cannot be called in a program`);
    }
    if (ts.isPropertyAccessExpression(callee)) {
      const obj = this.expr(callee.expression);
      const method = callee.name.text;
      if (obj.k === 'map') return mapMethod(this, obj.map, method, e);
      if (obj.k === 'ctx') return rawTracepointMethod(this, method, e) ?? probeMethod(this, method, e);
      if (obj.k === 'cell' && method === 'atomicAdd') {
        const size = obj.type.bits / 8;
        if (size !== 4 && size !== 8) this.fail(e, `atomicAdd needs a 4- or 8-byte value (${obj.type.name} is ${size})`);
        const arg = e.arguments[0] ?? this.fail(e, 'atomicAdd takes the amount');
        const v = this.toReg(this.convert(this.intVal(this.expr(arg), arg), obj.type, arg));
        this.emit({ op: 'atomicAdd', size: size as 4 | 8, base: obj.v, off: 0, s: v.v });
        return { k: 'const', type: S64, c: 0n };
      }
      if (obj.k === 'pkt') { const h = skbHeader(this, method, e); if (h !== undefined) return h; }
      if (obj.k === 'pkt' && (method === 'eth' || method === 'ipv4')) return this.header(method, undefined, e);
      if (obj.k === 'hdr' && obj.hdr === 'ipv4' && (method === 'udp' || method === 'tcp')) return this.header(method, obj.v, e);
      return this.fail(callee.name, `'${method}' is not a method this value has in eBPF programs`);
    }
    return this.fail(callee, 'only module functions, tsbpf/lang helpers and methods of maps, values and packets can be called');
  }

  /** A header accessor: the header's pointer after the bounds (and protocol) checks, else 0. */
  header(kind: Hdr, base: VReg | undefined, e: TS.CallExpression): Val {
    if (this.prog.kind !== 'xdp' && this.prog.kind !== 'tc' && this.prog.kind !== 'cgroupSkb') this.fail(e, `packet headers are read directly in xdp, tc and cgroup_skb programs only (not ${this.prog.kind})`);
    if (e.arguments.length > 0) this.fail(e, `${kind}() takes no arguments`);
    const d = this.newV();
    const none = this.label('short');
    const from = this.ops.length;
    const { data, end } = this.packetBounds();
    let start: VReg;
    let need: number;
    if (kind === 'eth' || kind === 'ipv4') {
      start = data;
      need = kind === 'eth' ? 14 : 14 + 20;
    } else {
      start = base!;
      need = 20 + HEADER_SIZE[kind];
    }
    const limit = this.newV();
    this.emit({ op: 'alu', code: 'add', w: 64, d: limit, a: start, b: { imm: BigInt(need) } });
    this.emit({ op: 'br', cmp: 'jgt', w: 64, a: limit, b: { reg: end }, target: none });
    if (kind === 'ipv4') {
      const proto = this.newV();
      this.emit({ op: 'ld', size: 2, d: proto, base: data, off: 12 });
      this.emit({ op: 'br', cmp: 'jne', w: 64, a: proto, b: { imm: swapBytes(0x0800n, 2) }, target: none });
    } else if (kind === 'udp' || kind === 'tcp') {
      const proto = this.newV();
      this.emit({ op: 'ld', size: 1, d: proto, base: start, off: 9 });
      this.emit({ op: 'br', cmp: 'jne', w: 64, a: proto, b: { imm: kind === 'udp' ? 17n : 6n }, target: none });
    }
    const skip = kind === 'eth' ? 0 : kind === 'ipv4' ? 14 : 20;
    if (skip === 0) this.emit({ op: 'mov', d, s: { reg: start } });
    else this.emit({ op: 'alu', code: 'add', w: 64, d, a: start, b: { imm: BigInt(skip) } });
    // The null path (d = 0) is placed by the next operation, unless the next thing is the null
    // check itself: then the failed checks jump straight to where the check would go.
    this.pendingHeader = { v: d, none, from };
    return { k: 'hdr', v: d, hdr: kind };
  }

  printk(e: TS.CallExpression): Val {
    const ts = this.ts;
    if (!isGplCompatible(this.m.license)) this.fail(e, `printk (bpf_trace_printk) is GPL-only; this program's license is '${this.m.license}'`);
    const fmt = e.arguments[0];
    if (fmt === undefined || !(ts.isStringLiteral(fmt) || ts.isNoSubstitutionTemplateLiteral(fmt))) return this.fail(e, 'printk takes a string literal format first');
    const args = e.arguments.slice(1);
    if (args.length > 3) this.fail(args[3]!, 'printk takes at most three values');
    const conversions = (fmt.text.replace(/%%/g, '').match(/%/g) ?? []).length;
    if (conversions !== args.length) this.fail(fmt, `the format has ${conversions} conversion${conversions === 1 ? '' : 's'} and ${args.length} value${args.length === 1 ? '' : 's'} follow`);
    const vals = args.map((a) => this.operand(this.intVal(this.expr(a), a)));
    const s = this.newV();
    this.emit({ op: 'ldstr', d: s, text: fmt.text });
    this.emit({ op: 'call', helper: 6, args: [{ reg: s }, { imm: BigInt(new TextEncoder().encode(fmt.text).length + 1) }, ...vals] });
    return { k: 'const', type: S64, c: 0n };
  }

  inline(fn: TS.FunctionDeclaration, e: TS.CallExpression, discard: boolean): Val {
    const ts = this.ts;
    if (this.inlines.length >= MAX_INLINE_DEPTH) this.fail(e, `calls nested deeper than ${MAX_INLINE_DEPTH} (recursion is not supported in eBPF programs)`);
    if (fn.parameters.length !== e.arguments.length) this.fail(e, `${fn.name!.text} takes ${fn.parameters.length} arguments`);
    const params = new Map<string, Binding>();
    fn.parameters.forEach((p, i) => {
      if (!ts.isIdentifier(p.name)) this.fail(p, 'parameters are plain names');
      const t = intTypeOf(ts, this.m.imports, p.type);
      const arg = this.expr(e.arguments[i]!);
      if (t === undefined) {
        if (p.type !== undefined || arg.k === 'const' || arg.k === 'reg') this.fail(p, 'a parameter is an integer type (u8 … u64, s8 … s64, bool) or a map, value or header with its type left to the caller');
        params.set((p.name as TS.Identifier).text, { kind: 'value', val: arg });
        return;
      }
      const v = this.convert(this.intVal(arg, e.arguments[i]), t, e.arguments[i]);
      // A parameter the function assigns gets its own register.
      const d = this.newV();
      this.emit({ op: 'mov', d, s: this.operand(v) });
      params.set((p.name as TS.Identifier).text, { kind: 'local', v: d, type: t });
    });
    const rt = fn.type === undefined || fn.type.kind === ts.SyntaxKind.VoidKeyword ? undefined : (intTypeOf(ts, this.m.imports, fn.type) ?? this.fail(fn.type, 'a function returns an integer type or void'));
    const result = rt === undefined || discard ? undefined : this.newV();
    const end = this.label(`${fn.name!.text}.end`);
    const savedScopes = this.scopes.splice(1);
    const savedLoops = this.loops.splice(0);
    const savedLoc = this.loc;
    this.scopes.push(params);
    this.inlines.push({ ...(result === undefined ? {} : { result, type: rt! }), end, site: e });
    try {
      this.block(fn.body!.statements);
      if (this.reachable && rt !== undefined && result !== undefined) this.fail(fn, `${fn.name!.text} can end without returning a value`);
    } finally {
      this.inlines.pop();
      this.scopes.pop();
      this.scopes.push(...savedScopes);
      this.loops.push(...savedLoops);
      this.loc = savedLoc;
    }
    this.place(end);
    return result === undefined ? { k: 'const', type: S64, c: 0n } : { k: 'reg', v: result, type: rt!, owned: true };
  }
}

function evalJump(op: JumpOp, a: bigint, b: bigint): boolean {
  const ua = BigInt.asUintN(64, a), ub = BigInt.asUintN(64, b), sa = BigInt.asIntN(64, a), sb = BigInt.asIntN(64, b);
  switch (op) {
    case 'jeq': return ua === ub;
    case 'jne': return ua !== ub;
    case 'jgt': return ua > ub;
    case 'jge': return ua >= ub;
    case 'jlt': return ua < ub;
    case 'jle': return ua <= ub;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
    case 'jset': return (ua & ub) !== 0n;
  }
}

function swapBytes(v: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

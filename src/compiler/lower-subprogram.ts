// bpf-to-bpf subprograms: a module function marked `subprogram(…)` (static) or `global(…)` is
// compiled once, as a function of its own in .text with its BTF prototype, and each call is a
// BPF_PSEUDO_CALL with the arguments in R1–R5 (other module functions are inlined: lower.ts).
// A static subprogram is verified at each call with the caller's values; a global one once, with
// any values of its parameters' types, so it brings narrow arguments to their type at entry.

import type TS from 'typescript';
import { type IntType, S64 } from './int-type.js';
import type { IrFunction } from './ir.js';
import { Lowering } from './lower.js';
import { signatureOf, type SubprogramSignature } from './lower-subprogram-call.js';
import type { ModuleInfo, SubprogramDecl } from './module.js';
import { dropStoreConversions, sinkStackAddresses } from './peephole.js';
import { pruneUnreachable, removeDeadValues } from './prune.js';
import type { Binding } from './values.js';

const STACK_LIMIT = 512;

/** A subprogram's body → IR (the same lowering as a program's, with arguments instead of a context). */
export function lowerSubprogram(m: ModuleInfo, s: SubprogramDecl): IrFunction {
  return new SubprogramLowering(m, s, signatureOf(m, s)).lowerFunction();
}

class SubprogramLowering extends Lowering {
  override readonly retType: IntType;

  constructor(m: ModuleInfo, readonly decl: SubprogramDecl, readonly sig: SubprogramSignature) {
    // No program kind applies: a subprogram has no context (nothing in it can name one).
    super(m, { name: decl.name, kind: 'socketFilter', section: '.text', body: decl.fn, loc: decl.loc });
    this.retType = sig.returns ?? S64;
  }

  lowerFunction(): IrFunction {
    const ts = this.ts;
    const fn = this.decl.fn;
    this.loc = this.at(fn);
    const scope = new Map<string, Binding>();
    this.scopes.push(scope);
    this.sig.params.forEach((p, n) => {
      const v = this.newV();
      this.emit({ op: 'arg', d: v, n });
      scope.set(p.name, { kind: 'local', v, type: p.type });
    });
    if (this.decl.linkage === 'global') {
      // Verified with any 64-bit values: a narrow parameter is brought to its type's form here.
      this.sig.params.forEach((p) => {
        if (p.type.bits === 64) return;
        const b = scope.get(p.name) as Binding & { kind: 'local' };
        const wide = p.type.signed ? S64 : { name: 'u64', bits: 64, signed: false } as IntType;
        const c = this.convert({ k: 'reg', v: b.v, type: wide, owned: false }, p.type, p.node);
        if (c.k === 'reg') scope.set(p.name, { kind: 'local', v: c.v, type: p.type });
      });
    }
    if (ts.isBlock(fn.body)) this.block(fn.body.statements);
    else if (this.sig.returns === undefined) { this.loc = this.at(fn.body); this.expr(fn.body, true); } else { this.loc = this.at(fn.body); this.ret(this.expr(fn.body), fn.body); }
    if (this.reachable) {
      if (this.sig.returns !== undefined) this.fail(fn, `${this.decl.name} can end without returning a value`);
      this.ret({ k: 'const', type: S64, c: 0n });
    }
    for (const [c, label] of this.sharedReturns) { this.place(label); this.emit({ op: 'ret', s: { imm: c } }); }
    if (this.frame > STACK_LIMIT) this.fail(fn, `${this.decl.name} needs ${this.frame} bytes of stack; eBPF allows ${STACK_LIMIT}`);
    return { ops: sinkStackAddresses(dropStoreConversions(removeDeadValues(pruneUnreachable(this.ops)))), vregs: this.vregs, frame: this.frame };
  }

  /** `return;` in a void subprogram (R0 = 0), `return x` in one that returns a value. */
  override stmt(s: TS.Statement): void {
    const ts = this.ts;
    if (!ts.isReturnStatement(s) || this.inlines.length > 0) { super.stmt(s); return; }
    this.loc = this.at(s);
    if (s.expression === undefined) {
      if (this.sig.returns !== undefined) this.fail(s, `${this.decl.name} returns a ${this.sig.returns.name}`);
      this.ret({ k: 'const', type: S64, c: 0n });
      return;
    }
    if (this.sig.returns === undefined) this.fail(s.expression, `${this.decl.name} returns void: write its return type to return a value`);
    this.ret(this.expr(s.expression), s.expression);
  }
}

// The symbol table under assembly. Symbols are "registered" (given their
// place in the output symbol table) the way llvm-mc registers them: at the
// first label definition, symbol attribute directive or reference from an
// instruction or datum. `.L` names and numeric labels are temporary and stay
// out of the table unless a relocation has to name them.

import type { Const } from './values.js';
import type { Section } from './sections.js';
import type { ExprValue, SymExpr } from './expressions.js';

export class Sym {
  section: Section | null = null;
  offset = 0;
  defined = false;
  /** Explicit binding from .globl/.weak/.local; 'default' means local if defined, global if not. */
  binding: 'default' | 'local' | 'global' | 'weak' = 'default';
  type: 'notype' | 'func' | 'object' = 'notype';
  size: ExprValue | null = null;
  sizePos = -1;
  /** Registration order (-1: not registered). */
  order = -1;
  /** Absolute value from .set/.equ (such symbols are inlined as constants). */
  constValue: Const | null = null;
  /** Source offset of the first reference, for "undefined" errors. */
  firstRef = -1;
  /** A relocation names this symbol itself (forces temporaries into the table). */
  usedInReloc = false;
  /** Definition site (for redefinition errors). */
  defPos = -1;
  /** The symbol of a section (named like it): relocations use the section, the table omits it. */
  isSection = false;

  private refExpr: SymExpr | null = null;

  constructor(readonly name: string, readonly temporary: boolean) {}

  /** The expression `name` (one object per symbol: expressions are never modified). */
  get ref(): SymExpr {
    return this.refExpr ??= { a: this, b: null, c: 0 };
  }

  /** True when relocations against it must name the symbol rather than its section. */
  get external(): boolean {
    return !this.defined || this.binding === 'global' || this.binding === 'weak';
  }
}

interface Directional {
  /** Most recent definition (target of `Nb`). */
  current: Sym | null;
  /** The next definition, created by a forward reference `Nf`. */
  forward: Sym | null;
  instances: number;
}

export class SymbolTable {
  private readonly map = new Map<string, Sym>();
  private readonly directional = new Map<number, Directional>();
  readonly registered: Sym[] = [];
  /** Forward numeric references, checked at the end. */
  readonly pendingForward: Sym[] = [];

  get(name: string): Sym {
    let s = this.map.get(name);
    if (s === undefined) {
      s = new Sym(name, name.startsWith('.L'));
      this.map.set(name, s);
    }
    return s;
  }

  lookup(name: string): Sym | undefined {
    return this.map.get(name);
  }

  register(s: Sym): void {
    if (s.order < 0) {
      s.order = this.registered.length;
      this.registered.push(s);
    }
  }

  /** Defines numeric label `n` (`n:`), returning the temporary symbol to place. */
  defineNumeric(n: number): Sym {
    let d = this.directional.get(n);
    if (d === undefined) {
      d = { current: null, forward: null, instances: 0 };
      this.directional.set(n, d);
    }
    let s = d.forward;
    if (s === null) s = new Sym(`${n}\u0002${d.instances++}`, true);
    d.forward = null;
    d.current = s;
    return s;
  }

  /** `nb`: the latest definition of `n`, or null if there is none. */
  backward(n: number): Sym | null {
    return this.directional.get(n)?.current ?? null;
  }

  /** `nf`: the next definition of `n` (created now, defined later). */
  forward(n: number, pos: number): Sym {
    let d = this.directional.get(n);
    if (d === undefined) {
      d = { current: null, forward: null, instances: 0 };
      this.directional.set(n, d);
    }
    if (d.forward === null) {
      d.forward = new Sym(`${n}\u0002${d.instances++}`, true);
      d.forward.firstRef = pos;
      this.pendingForward.push(d.forward);
    }
    return d.forward;
  }
}

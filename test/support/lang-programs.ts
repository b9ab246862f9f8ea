// Random well-typed programs of the tsbpf/lang integer subset (expressions over u8 … s64,
// locals, branches, bounded loops, calls of module functions that are inlined, static
// subprograms or global functions), printed as TypeScript, and a reference evaluator of the same
// AST written from docs/dsl.md's integer semantics (independent of src/compiler): the property
// test compares the kernel's result of the compiled program with it.

import fc from 'fast-check';

export type TypeName = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export const TYPE_NAMES: readonly TypeName[] = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'];
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
export type CmpOp = '===' | '!==' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { readonly e: 'lit'; readonly v: bigint }
  | { readonly e: 'var'; readonly name: string }
  | { readonly e: 'bin'; readonly op: ArithOp; readonly l: Expr; readonly r: Expr }
  | { readonly e: 'neg' | 'not'; readonly x: Expr }
  | { readonly e: 'cast'; readonly t: TypeName; readonly x: Expr }
  | { readonly e: 'cond'; readonly c: Cond; readonly a: Expr; readonly b: Expr }
  | { readonly e: 'call'; readonly f: string; readonly args: readonly Expr[] };
export type Cond =
  | { readonly c: 'cmp'; readonly op: CmpOp; readonly l: Expr; readonly r: Expr }
  | { readonly c: 'and' | 'or'; readonly l: Cond; readonly r: Cond }
  | { readonly c: 'not'; readonly x: Cond };
export type Stmt =
  | { readonly s: 'let'; readonly name: string; readonly t: TypeName; readonly init: Expr }
  | { readonly s: 'set'; readonly name: string; readonly op: ArithOp | '='; readonly x: Expr }
  | { readonly s: 'if'; readonly c: Cond; readonly then: readonly Stmt[]; readonly els: readonly Stmt[] }
  | { readonly s: 'for'; readonly i: string; readonly n: number; readonly body: readonly Stmt[] }
  | { readonly s: 'break'; readonly c: Cond };
/** How a module function is compiled: inlined (a plain function), `subprogram(…)` or `global(…)`. */
export type FuncMode = 'inline' | 'subprogram' | 'global';
/** A module function: parameters a0 … (it may assign them), a body, `return result` in `ret`. */
export interface Func {
  readonly name: string;
  readonly mode: FuncMode;
  readonly params: readonly TypeName[];
  readonly ret: TypeName;
  readonly body: readonly Stmt[];
  readonly result: Expr;
}
export interface Program { readonly funcs: readonly Func[]; readonly inputs: readonly TypeName[]; readonly body: readonly Stmt[]; readonly result: Expr }
type Funcs = ReadonlyMap<string, Func>;

// ---- semantics ----------------------------------------------------------------------------

interface T { readonly bits: number; readonly signed: boolean }
const tOf = (n: TypeName): T => ({ bits: Number(n.slice(1)), signed: n[0] === 's' });
const S64: T = { bits: 64, signed: true };
const wrapT = (v: bigint, t: T): bigint => (t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v));
/** A typed value; lit: an untyped integer literal (it takes the other operand's type). */
interface V { readonly v: bigint; readonly t: T; readonly lit?: boolean }

function common(a: V, b: V): T {
  if (a.lit === true && b.lit !== true) return b.t;
  if (b.lit === true && a.lit !== true) return a.t;
  if (a.t.bits !== b.t.bits) return a.t.bits > b.t.bits ? a.t : b.t;
  return a.t.signed ? b.t : a.t;
}

function arith(op: ArithOp, a: V, b: V): V {
  const shift = op === '<<' || op === '>>';
  const t = shift ? (a.lit === true && b.lit !== true ? S64 : a.t) : common(a, b);
  const x = wrapT(a.v, t), y = shift ? b.v : wrapT(b.v, t);
  const lit = a.lit === true && b.lit === true;
  const count = BigInt.asUintN(64, y) % BigInt(t.bits);
  let r: bigint;
  switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    // eBPF: x / 0 = 0, x % 0 = x; truncation toward zero.
    case '/': r = y === 0n ? 0n : x / y; break;
    case '%': r = y === 0n ? x : x % y; break;
    case '&': r = x & y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case '<<': r = x << count; break;
    case '>>': r = x >> count; break;
  }
  return { v: wrapT(r, t), t, ...(lit ? { lit } : {}) };
}

export type Env = Map<string, V>;

export function evalExpr(e: Expr, env: Env, fs: Funcs): V {
  switch (e.e) {
    case 'lit': return { v: e.v, t: S64, lit: true };
    case 'var': return env.get(e.name)!;
    case 'bin': return arith(e.op, evalExpr(e.l, env, fs), evalExpr(e.r, env, fs));
    case 'neg': { const x = evalExpr(e.x, env, fs); return x.lit === true ? { v: -x.v, t: S64, lit: true } : { v: wrapT(-x.v, x.t), t: x.t }; }
    case 'not': { const x = evalExpr(e.x, env, fs); return x.lit === true ? { v: ~x.v, t: S64, lit: true } : { v: wrapT(~x.v, x.t), t: x.t }; }
    case 'cast': { const t = tOf(e.t); return { v: wrapT(evalExpr(e.x, env, fs).v, t), t }; }
    case 'cond': {
      // Both arms are evaluated (a call in the arm not taken has no effect: functions are pure).
      const a = evalExpr(e.a, env, fs), b = evalExpr(e.b, env, fs);
      const t = common(a, b);
      return { v: wrapT(evalCond(e.c, env, fs) ? a.v : b.v, t), t };
    }
    case 'call': {
      // Arguments converted to the parameters' types, the result to the return type.
      const f = fs.get(e.f)!;
      const inner: Env = new Map();
      f.params.forEach((t, i) => inner.set(`a${i}`, { v: wrapT(evalExpr(e.args[i]!, env, fs).v, tOf(t)), t: tOf(t) }));
      exec(f.body, inner, fs);
      const t = tOf(f.ret);
      return { v: wrapT(evalExpr(f.result, inner, fs).v, t), t };
    }
  }
}

export function evalCond(c: Cond, env: Env, fs: Funcs): boolean {
  switch (c.c) {
    case 'and': return evalCond(c.l, env, fs) && evalCond(c.r, env, fs);
    case 'or': return evalCond(c.l, env, fs) || evalCond(c.r, env, fs);
    case 'not': return !evalCond(c.x, env, fs);
    case 'cmp': {
      const a = evalExpr(c.l, env, fs), b = evalExpr(c.r, env, fs);
      const t = common(a, b);
      const x = wrapT(a.v, t), y = wrapT(b.v, t);
      switch (c.op) {
        case '===': return x === y;
        case '!==': return x !== y;
        case '<': return x < y;
        case '<=': return x <= y;
        case '>': return x > y;
        case '>=': return x >= y;
      }
    }
  }
}

class Break { }

/** Runs statements; an if/for body's lets vanish after it, its assignments to outer names stay. */
function exec(stmts: readonly Stmt[], env: Env, fs: Funcs): void {
  for (const s of stmts) {
    switch (s.s) {
      case 'let': { const t = tOf(s.t); env.set(s.name, { v: wrapT(evalExpr(s.init, env, fs).v, t), t }); break; }
      case 'set': {
        const cur = env.get(s.name)!;
        const x = evalExpr(s.x, env, fs);
        const nv = s.op === '=' ? x : arith(s.op, cur, x);
        env.set(s.name, { v: wrapT(nv.v, cur.t), t: cur.t });
        break;
      }
      case 'if': {
        const inner: Env = new Map(env);
        try { exec(evalCond(s.c, env, fs) ? s.then : s.els, inner, fs); } finally { copyBack(env, inner); }
        break;
      }
      case 'for':
        for (let i = 0; i < s.n; i++) {
          const inner: Env = new Map(env);
          inner.set(s.i, { v: BigInt(i), t: S64 });
          try { exec(s.body, inner, fs); } catch (e) {
            if (!(e instanceof Break)) throw e;
            copyBack(env, inner);
            break;
          }
          copyBack(env, inner);
        }
        break;
      case 'break': if (evalCond(s.c, env, fs)) throw new Break(); break;
    }
  }
}

/** Assignments in a nested scope to variables of the outer one. */
function copyBack(outer: Env, inner: Env): void {
  for (const k of outer.keys()) outer.set(k, inner.get(k)!);
}

/** The program's result (as the u64 the program stores) for the given inputs. */
export function evaluate(p: Program, inputs: readonly bigint[]): bigint {
  const env: Env = new Map();
  const fs: Funcs = new Map(p.funcs.map((f) => [f.name, f]));
  p.inputs.forEach((t, i) => env.set(`a${i}`, { v: wrapT(inputs[i]!, tOf(t)), t: tOf(t) }));
  exec(p.body, env, fs);
  return BigInt.asUintN(64, evalExpr(p.result, env, fs).v);
}

// ---- printing -----------------------------------------------------------------------------

// tsc reads `a << (x > (y))` as a call with type arguments (`a<(…)>(y)`): under a `<<`, a
// greater-than comparison is printed mirrored (`(y) < x`, the same value: operands are pure).
export function printExpr(e: Expr, mirror = false): string {
  const p = (x: Expr): string => printExpr(x, mirror);
  switch (e.e) {
    case 'lit': return `${e.v}`;
    case 'var': return e.name;
    case 'bin': return `(${p(e.l)} ${e.op} ${printExpr(e.r, mirror || e.op === '<<')})`;
    case 'neg': return `(-(${p(e.x)}))`;
    case 'not': return `(~(${p(e.x)}))`;
    case 'cast': return `(${p(e.x)} as ${e.t})`;
    case 'cond': return `(${printCond(e.c, mirror)} ? (${p(e.a)}) : (${p(e.b)}))`;
    case 'call': return `${e.f}(${e.args.map(p).join(', ')})`;
  }
}
const MIRRORED: Partial<Record<CmpOp, CmpOp>> = { '>': '<', '>=': '<=' };
export function printCond(c: Cond, mirror = false): string {
  switch (c.c) {
    case 'cmp': {
      const m = mirror ? MIRRORED[c.op] : undefined;
      return m === undefined ? `(${printExpr(c.l, mirror)} ${c.op} ${printExpr(c.r, mirror)})` : `(${printExpr(c.r, mirror)} ${m} ${printExpr(c.l, mirror)})`;
    }
    case 'and': return `(${printCond(c.l, mirror)} && ${printCond(c.r, mirror)})`;
    case 'or': return `(${printCond(c.l, mirror)} || ${printCond(c.r, mirror)})`;
    case 'not': return `!${printCond(c.x, mirror)}`;
  }
}
function printStmts(stmts: readonly Stmt[], ind: string): string {
  return stmts.map((s) => {
    switch (s.s) {
      case 'let': return `${ind}let ${s.name}: ${s.t} = ${printExpr(s.init)};`;
      case 'set': return `${ind}${s.name} ${s.op === '=' ? '=' : `${s.op}=`} ${printExpr(s.x)};`;
      case 'if': return `${ind}if (${printCond(s.c)}) {\n${printStmts(s.then, `${ind}  `)}\n${ind}} else {\n${printStmts(s.els, `${ind}  `)}\n${ind}}`;
      case 'for': return `${ind}for (let ${s.i} = 0; ${s.i} < ${s.n}; ${s.i}++) {\n${printStmts(s.body, `${ind}  `)}\n${ind}}`;
      case 'break': return `${ind}if (${printCond(s.c)}) break;`;
    }
  }).join('\n');
}

function printFunc(f: Func): string {
  const params = f.params.map((t, i) => `a${i}: ${t}`).join(', ');
  const body = `${printStmts(f.body, '  ')}\n  return ${printExpr(f.result)};`;
  if (f.mode === 'inline') return `function ${f.name}(${params}): ${f.ret} {\n${body}\n}`;
  return `const ${f.name} = ${f.mode}((${params}): ${f.ret} => {\n${body}\n});`;
}

/** The program as a tsbpf/lang module: inputs from the `args` array, the result into `out`. */
export function printProgram(p: Program): string {
  const lines = [
    `import { arrayMap, global, socketFilter, subprogram, ${TYPE_NAMES.join(', ')} } from 'tsbpf/lang';`,
    'export const args = arrayMap<u64>({ maxEntries: 4 });',
    'export const out = arrayMap<u64>({ maxEntries: 1 });',
    ...p.funcs.map(printFunc),
    'export const prog = socketFilter((pkt) => {',
    ...p.inputs.map((t, i) => `  const p${i} = args.lookup(${i});\n  if (!p${i}) return 1;\n  const a${i}: ${t} = p${i}.value as ${t};`),
    printStmts(p.body, '  '),
    `  out.update(0, ${printExpr(p.result)} as u64);`,
    '  return 0;',
    '});',
  ];
  return `${lines.join('\n')}\n`;
}

// ---- generation ---------------------------------------------------------------------------

const ARITH: readonly ArithOp[] = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'];
const CMP: readonly CmpOp[] = ['===', '!==', '<', '<=', '>', '>='];
// Literals that fit every type (-128 … 255, as a literal must fit the other operand's type).
const litArb = fc.oneof(fc.constantFrom(0n, 1n, -1n, 2n, 7n, 8n, 31n, 32n, 63n, 127n, -128n, 255n), fc.bigInt(-128n, 255n)).map((v): Expr => ({ e: 'lit', v }));
const isLit = (e: Expr): boolean => e.e === 'lit';

/** Expressions over `vars`, calling the functions `fs` (declared before the code that calls them). */
function exprArb(vars: readonly string[], depth: number, fs: readonly Func[] = []): fc.Arbitrary<Expr> {
  const leaf = vars.length === 0 ? litArb : fc.oneof({ arbitrary: fc.constantFrom(...vars).map((name): Expr => ({ e: 'var', name })), weight: 3 }, { arbitrary: litArb, weight: 1 });
  if (depth <= 0) return leaf;
  const sub = exprArb(vars, depth - 1, fs);
  const call = fs.length === 0 ? [] : [{
    arbitrary: fc.constantFrom(...fs).chain((f) => fc.tuple(...f.params.map(() => sub)).map((args): Expr => ({ e: 'call', f: f.name, args }))),
    weight: 2,
  }];
  return fc.oneof(
    ...call,
    { arbitrary: leaf, weight: 2 },
    // Never literal op literal: its folded value might not fit the type it meets later.
    { arbitrary: fc.tuple(fc.constantFrom(...ARITH), sub, sub, fc.constantFrom(...TYPE_NAMES)).map(([op, l, r, t]): Expr => ({ e: 'bin', op, l, r: isLit(l) && isLit(r) ? { e: 'cast', t, x: r } : r })), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom<'neg' | 'not'>('neg', 'not'), sub, fc.constantFrom(...TYPE_NAMES)).map(([k, x, t]): Expr => ({ e: k, x: isLit(x) ? { e: 'cast', t, x } : x })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...TYPE_NAMES), sub).map(([t, x]): Expr => ({ e: 'cast', t, x })), weight: 1 },
    { arbitrary: fc.tuple(condArb(vars, depth - 1, fs), sub, sub).map(([c, a, b]): Expr => ({ e: 'cond', c, a, b })), weight: 1 },
  );
}

function condArb(vars: readonly string[], depth: number, fs: readonly Func[] = []): fc.Arbitrary<Cond> {
  const sub = exprArb(vars, Math.max(0, depth - 1), fs);
  const cmp = fc.tuple(fc.constantFrom(...CMP), sub, sub, fc.constantFrom(...TYPE_NAMES)).map(([op, l, r, t]): Cond => ({ c: 'cmp', op, l, r: isLit(l) && isLit(r) ? { e: 'cast', t, x: r } : r }));
  if (depth <= 0) return cmp;
  const inner = condArb(vars, depth - 1, fs);
  return fc.oneof(
    { arbitrary: cmp, weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), inner, inner).map(([c, l, r]): Cond => ({ c, l, r })), weight: 1 },
    { arbitrary: inner.map((x): Cond => ({ c: 'not', x })), weight: 1 },
  );
}

/** Statements over the variables in scope (`assignable`: those a statement may assign). */
function stmtsArb(scope: { vars: string[]; assignable: string[]; next: number; loopDepth: number; fs: readonly Func[] }, count: number, depth: number): fc.Arbitrary<Stmt[]> {
  // Generated one statement at a time so that later statements see earlier lets.
  if (count === 0) return fc.constant([]);
  return fc.integer({ min: 0, max: 9 }).chain((kind) => {
    const vars = [...scope.vars];
    let first: fc.Arbitrary<Stmt>;
    const name = `v${scope.next}`;
    if (kind <= 3 || scope.assignable.length === 0) {
      first = fc.tuple(fc.constantFrom(...TYPE_NAMES), exprArb(vars, 2, scope.fs)).map(([t, init]): Stmt => ({ s: 'let', name, t, init }));
      return first.chain((s) => stmtsArb({ ...scope, vars: [...vars, name], assignable: [...scope.assignable, name], next: scope.next + 1 }, count - 1, depth).map((rest) => [s, ...rest]));
    }
    if (kind <= 6 || depth <= 0) {
      first = fc.tuple(fc.constantFrom(...scope.assignable), fc.constantFrom<ArithOp | '='>('=', ...ARITH), exprArb(vars, 2, scope.fs)).map(([n, op, x]): Stmt => ({ s: 'set', name: n, op, x }));
    } else if (kind === 7 || kind === 8 && scope.loopDepth >= 2) {
      const inner = { ...scope, next: scope.next + 100 };
      first = fc.tuple(condArb(vars, 1, scope.fs), stmtsArb(inner, 2, depth - 1), stmtsArb({ ...inner, next: inner.next + 50 }, 1, depth - 1))
        .map(([c, then, els]): Stmt => ({ s: 'if', c, then, els }));
    } else if (kind === 8) {
      const i = `i${scope.next}`;
      const inner = { vars: [...vars, i], assignable: scope.assignable, next: scope.next + 100, loopDepth: scope.loopDepth + 1, fs: scope.fs };
      first = fc.tuple(fc.integer({ min: 0, max: 4 }), stmtsArb(inner, 2, depth - 1)).map(([n, body]): Stmt => ({ s: 'for', i, n, body }));
    } else {
      first = scope.loopDepth > 0 ? condArb(vars, 1, scope.fs).map((c): Stmt => ({ s: 'break', c }))
        : fc.tuple(fc.constantFrom(...scope.assignable), exprArb(vars, 1, scope.fs)).map(([n, x]): Stmt => ({ s: 'set', name: n, op: '=', x }));
    }
    return first.chain((s) => stmtsArb({ ...scope, next: scope.next + 200 }, count - 1, depth).map((rest) => [s, ...rest]));
  });
}

const FUNC_MODES: readonly FuncMode[] = ['inline', 'subprogram', 'global'];

/** Up to three module functions, each calling only those before it (no recursion). */
function funcsArb(count: number, before: readonly Func[] = []): fc.Arbitrary<Func[]> {
  if (count === 0) return fc.constant([...before]);
  const name = `f${before.length}`;
  const func = fc.tuple(fc.constantFrom(...FUNC_MODES), fc.array(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 5 }), fc.constantFrom(...TYPE_NAMES)).chain(([mode, params, ret]) => {
    const vars = params.map((_, i) => `a${i}`);
    return stmtsArb({ vars, assignable: vars, next: 0, loopDepth: 0, fs: before }, 2, 1).chain((body) => {
      const scope = [...vars, ...body.filter((s): s is Stmt & { s: 'let' } => s.s === 'let').map((s) => s.name)];
      return exprArb(scope, 2, before).map((result): Func => ({ name, mode, params, ret, body, result }));
    });
  });
  return func.chain((f) => funcsArb(count - 1, [...before, f]));
}

export const programArb: fc.Arbitrary<Program> = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 4 })).chain(([nf, inputs]) => funcsArb(nf).chain((funcs) => {
  const vars = inputs.map((_, i) => `a${i}`);
  return stmtsArb({ vars, assignable: [], next: 0, loopDepth: 0, fs: funcs }, 4, 2).chain((body) => {
    const scope = [...vars, ...body.filter((s): s is Stmt & { s: 'let' } => s.s === 'let').map((s) => s.name)];
    return exprArb(scope, 3, funcs).map((result) => ({ funcs, inputs, body, result }));
  });
}));

/** Interesting 64-bit inputs: edges of every width, and random ones. */
export const inputArb = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n),
  fc.bigInt(0n, (1n << 64n) - 1n),
);

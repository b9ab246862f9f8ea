// A module's subprograms as functions of the object (.text, BTF FUNC static or global with their
// prototypes, func_info and line_info from the object writer), and the checks the verifier makes
// of call chains, made at the TypeScript lines: no recursion, at most 8 frames, and at most 512
// bytes of stack along any chain of calls.

import { fn, type FunctionDef, type GlobalDef, type SourceLocation } from '../dsl/index.js';
import { corePlacerIn, emit } from './emit.js';
import { CompileError } from './errors.js';
import type { IrFunction } from './ir.js';
import { btfSignature, signatureOf } from './lower-subprogram-call.js';
import { lowerSubprogram } from './lower-subprogram.js';
import { locOf, type ModuleInfo } from './module.js';
import { allocate } from './regalloc.js';

const STACK_LIMIT = 512;
/** The verifier's MAX_CALL_FRAMES. */
const MAX_FRAMES = 8;
/** The interpreter's stack granularity, to which the verifier rounds each frame (the JIT's is finer). */
const frameBytes = (n: number): number => Math.ceil(Math.max(n, 1) / 32) * 32;

interface Compiled { readonly ir: IrFunction; readonly frame: number; readonly def: FunctionDef }
interface Chain { readonly bytes: number; readonly frames: number; readonly path: readonly string[] }

/** The bpf-to-bpf calls a function makes, callbacks it passes included (each runs in a frame of its own): callee and location. */
function callsOf(ir: IrFunction): { fn: string; loc: SourceLocation | undefined }[] {
  return ir.ops.flatMap((o) => ((o.op === 'call' || o.op === 'ldfunc') && o.fn !== undefined ? [{ fn: o.fn, loc: o.loc }] : []));
}

export function compileSubprograms(m: ModuleInfo, globals: Readonly<Record<string, GlobalDef>>): {
  def(name: string): FunctionDef;
  checkCallChains(program: string, ir: IrFunction, frame: number, at: SourceLocation): void;
} {
  const compiled = new Map<string, Compiled>();
  const def = (name: string): FunctionDef => {
    const c = compiled.get(name);
    if (c === undefined) throw new Error(`internal: no subprogram ${name}`);
    return c.def;
  };
  // Every marked function is compiled (its errors reported) even when nothing calls it; the
  // object holds those that a program calls.
  for (const [name, s] of m.subprograms) {
    const ir = lowerSubprogram(m, s);
    const alloc = allocate(ir);
    if (alloc.frame > STACK_LIMIT) throw new CompileError(`${name} needs ${alloc.frame} bytes of stack (with spills); eBPF allows ${STACK_LIMIT}`, locOf(m.ts, m.sf, m.file, s.fn));
    const d = fn(name, { linkage: s.linkage, signature: btfSignature(signatureOf(m, s)) }, (b) => {
      b.emit(emit(ir.ops, alloc, (text) => b.context.rodataString(text), (g) => b.context.global(globals[g]!), (f) => b.context.functionName(def(f)), corePlacerIn(b.context.btf)));
    });
    compiled.set(name, { ir, frame: alloc.frame, def: d });
  }

  const chains = new Map<string, Chain>();
  /** The deepest chain of calls from `name` (its own frame included). */
  const chainFrom = (name: string, visiting: string[]): Chain => {
    const known = chains.get(name);
    if (known !== undefined) return known;
    const c = compiled.get(name)!;
    let deepest: Chain = { bytes: 0, frames: 0, path: [] };
    for (const call of callsOf(c.ir)) {
      if (call.fn === name || visiting.includes(call.fn)) {
        const cycle = [...visiting.slice(visiting.indexOf(call.fn)), name, call.fn].join(' → ');
        throw new CompileError(`recursion (${cycle}): eBPF has no recursive calls`, call.loc ?? m.subprograms.get(name)!.loc);
      }
      const sub = chainFrom(call.fn, [...visiting, name]);
      if (sub.bytes > deepest.bytes || (sub.bytes === deepest.bytes && sub.frames > deepest.frames)) deepest = sub;
    }
    const chain = { bytes: frameBytes(c.frame) + deepest.bytes, frames: 1 + deepest.frames, path: [name, ...deepest.path] };
    chains.set(name, chain);
    return chain;
  };
  for (const name of compiled.keys()) chainFrom(name, []);

  return {
    def,
    checkCallChains(program, ir, frame, at) {
      for (const call of callsOf(ir)) {
        const sub = chainFrom(call.fn, []);
        const path = [program, ...sub.path].join(' → ');
        if (1 + sub.frames > MAX_FRAMES) throw new CompileError(`calls nested ${1 + sub.frames} deep (${path}); eBPF allows ${MAX_FRAMES} frames`, call.loc ?? at);
        const bytes = frameBytes(frame) + sub.bytes;
        if (bytes > STACK_LIMIT) throw new CompileError(`the calls ${path} need ${bytes} bytes of stack together; eBPF allows ${STACK_LIMIT} along a chain of calls`, call.loc ?? at);
      }
    },
  };
}

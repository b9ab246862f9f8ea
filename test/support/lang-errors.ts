// The compiler's verdict on a module in the language: the CompileError of compileSource (the
// compiler's own checks) or of typeCheck (tsc against tsbpf/lang), for tests of mistakes.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { CompileError, compileSource, typeCheck } from '../../src/compiler/index.js';

export function compileError(source: string, file = 'prog.ts'): CompileError {
  try { compileSource(ts, source, file); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('compiled');
}

/** tsc's first error in `source`, written to a file in `dir`. */
export function tscError(dir: string, source: string): CompileError {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  try { typeCheck(ts, file); } catch (e) { if (e instanceof CompileError) return e; throw e; }
  throw new Error('type-checked');
}

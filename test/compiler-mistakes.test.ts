// The trial's mistakes that reached the kernel, as the language now reports them: each is a tsc
// error or a CompileError at its TypeScript line, and the program that is right compiles.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { CompileError, compileSource, typeCheck } from '../src/compiler/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-mistakes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = "import { hashMap, arrayMap, xdp, u8, u32, u64, XDP_PASS } from 'tsbpf/lang';\n";

function check(source: string): CompileError | undefined {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  try {
    typeCheck(ts, file);
    compileSource(ts, source, file);
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  return undefined;
}

describe('mistakes from the trial, caught at their line', () => {
  it('a lookup result used after its checked scope: tsc refuses the use outside the check', () => {
    const e = check(`${HEAD}export const m = hashMap<u32, u64>({ maxEntries: 8 });
export const prog = xdp((pkt) => {
  const n = m.lookup(1);
  if (n) n.atomicAdd(1);
  n.atomicAdd(2);
  return XDP_PASS;
});
`);
    expect(e?.location.line).toBe(6);
    expect(e?.reason).toMatch(/'n' is possibly 'null'/);
  });

  it('an atomic add on a value that cannot be an aligned 4- or 8-byte cell is a compile error', () => {
    const e = check(`${HEAD}export const m = arrayMap<u8>({ maxEntries: 8 });
export const prog = xdp((pkt) => {
  const n = m.lookup(1);
  if (n) n.atomicAdd(1);
  return XDP_PASS;
});
`);
    expect(e?.location.line).toBe(5);
    expect(e?.reason).toMatch(/atomicAdd needs a 4- or 8-byte value/);
  });

  it('the same programs written right compile', () => {
    expect(check(`${HEAD}export const m = hashMap<u32, u64>({ maxEntries: 8 });
export const prog = xdp((pkt) => {
  const n = m.lookup(1);
  if (n) { n.atomicAdd(1); n.atomicAdd(2); }
  return XDP_PASS;
});
`)).toBeUndefined();
  });
});

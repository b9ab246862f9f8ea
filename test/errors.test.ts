// One base class for the toolchain's errors: every error class any entry point exports extends
// TsbpfError, so a caller can catch tsbpf's errors as one kind (issue 12, part 4).

import { describe, expect, it } from 'vitest';
import * as elf from '../elf/index.js';
import * as isa from '../isa/index.js';
import * as loader from '../loader/index.js';
import * as root from '../src/index.js';
import * as verifier from '../verifier/index.js';
import * as vm from '../vm/index.js';
import * as testing from '../src/testing/index.js';
import { SizeLimitError } from '../elf/asm/sections.js';

const { TsbpfError } = isa;

function errorClasses(mod: Record<string, unknown>): [string, Function][] {
  return Object.entries(mod).filter((e): e is [string, Function] => typeof e[1] === 'function' && (e[1] as Function).prototype instanceof Error);
}

describe('TsbpfError', () => {
  it('is the base of every exported error class of every entry point', () => {
    const all = [isa, elf, loader, verifier, vm, root, testing].flatMap((m) => errorClasses(m as Record<string, unknown>));
    expect(all.length).toBeGreaterThan(25);
    const outside = all.filter(([name, cls]) => cls !== TsbpfError && !(cls.prototype instanceof TsbpfError)).map(([name]) => name);
    expect(outside).toEqual([]);
  });

  it('carries a cause, and internal error classes extend it too', () => {
    const cause = new Error('root');
    expect(new TsbpfError('x', { cause }).cause).toBe(cause);
    expect(new SizeLimitError('too big')).toBeInstanceOf(TsbpfError);
  });
});

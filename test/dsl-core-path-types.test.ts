// Type-level checks of CO-RE paths, verified by tsc (npm test runs tsc over test/): a wrong field
// name, a field after a bitfield, an index into a non-array or a walk through a pointer to a
// forward declaration fails to compile (each `@ts-expect-error` line must have an error, or tsc
// fails on the unused directive). At run time the same mistakes throw CTypeError.

import { describe, expect, it } from 'vitest';
import {
  array, bitfield, BtfBuilder, char, coreEnumValue, coreField, corePath, CTypeError, enumType, fwd, ptr, s32, struct,
  type StructType, u32, u8, union,
} from '../src/dsl/types/index.js';

const mm = fwd('mm_struct');
const task: StructType<{
  readonly pid: typeof s32; readonly tgid: typeof s32; readonly comm: ReturnType<typeof array<typeof char, 16>>;
  readonly real_parent: ReturnType<typeof ptr<StructType>>; readonly mm: ReturnType<typeof ptr<typeof mm>>;
}> = struct('task', {
  pid: s32, tgid: s32, comm: array(char, 16), real_parent: ptr((): StructType => task), mm: ptr(mm),
});
const inner = struct('inner', { flags: bitfield(u8, 3), more: bitfield(u8, 5), '#0': union('', { a: u32, b: s32 }) });
const outer = struct('outer', { hdr: inner, self: ptr(() => outer2), n: u32 });
const outer2 = struct('outer2', { x: u32, back: ptr(inner) });
const color = enumType('color', { RED: 0, GREEN: 1 });

describe('CO-RE paths are checked by tsc', () => {
  it('accepts valid paths and rejects wrong ones at run time too', () => {
    const b = new BtfBuilder();
    corePath(b, outer, 'hdr', 'flags');
    corePath(b, outer, 'hdr', 'a');
    corePath(b, outer, 'self', 'back', 'more');
    corePath(b, task, 'comm', 3);
    coreEnumValue(b, 'enumval_value', color, 'GREEN');
    // clang-19 refuses these too ("Invalid field expression").
    expect(() => coreField(b, 'field_signed', task, 'real_parent')).toThrow(/integer or enum/);
    expect(() => coreField(b, 'field_lshift_u64', task, 'comm')).toThrow(/at most 8 bytes/);
    // @ts-expect-error misspelt field
    expect(() => corePath(b, outer, 'hdrr')).toThrow(CTypeError);
    // @ts-expect-error a field of the wrong struct after a pointer hop
    expect(() => corePath(b, outer, 'self', 'flags')).toThrow(CTypeError);
    // @ts-expect-error nothing follows a bitfield
    expect(() => corePath(b, outer, 'hdr', 'flags', 'a')).toThrow(CTypeError);
    // @ts-expect-error an index needs an array
    expect(() => corePath(b, outer, 'n', 0)).toThrow(CTypeError);
    // @ts-expect-error mm_struct is only a forward declaration
    expect(() => corePath(b, task, 'mm', 'pgd')).toThrow(/only declared/);
    // @ts-expect-error no such enumerator
    expect(() => coreEnumValue(b, 'enumval_value', color, 'BLUE')).toThrow(CTypeError);
    // @ts-expect-error field relocations take one struct's field
    expect(() => coreField(b, 'field_exists', outer, 'nope')).toThrow(CTypeError);
  });
});

// Generated CO-RE cases for the layout property test: a local struct (with the
// preserve_access_index attribute, as BPF programs declare kernel types), an enum, a union and a
// typedef, plus a "kernel" with another layout of the same names — fields moved, resized,
// re-signed, turned into bitfields of other widths, wrapped in anonymous unions, missing; pointers
// to structs that are only declared there (FWD) or are unions; function pointers of other
// arities; flexible arrays; enumerators missing, renumbered, 64-bit. emitLocal/emitTarget print
// the C that clang-19 compiles.

import fc from 'fast-check';

export interface IntType { readonly size: 1 | 2 | 4 | 8; readonly signed: boolean }
export type LocalField =
  | { readonly k: 'scalar'; readonly type: IntType }
  | { readonly k: 'typedef'; readonly type: IntType }
  | { readonly k: 'bits'; readonly base: IntType; readonly width: number }
  | { readonly k: 'ptr' }
  | { readonly k: 'sptr' }
  | { readonly k: 'fptr'; readonly ret: IntType; readonly params: readonly IntType[] }
  | { readonly k: 'enum' }
  | { readonly k: 'array'; readonly elem: IntType; readonly n: number; readonly idx: number }
  | { readonly k: 'nested'; readonly inner: readonly IntType[]; readonly pick: number };

/** How the target declares a field of the same name. */
export type TargetField =
  | { readonly k: 'missing' }
  | { readonly k: 'scalar'; readonly type: IntType }
  | { readonly k: 'typedef'; readonly type: IntType }
  | { readonly k: 'bits'; readonly base: IntType; readonly width: number; readonly padBits: number }
  | { readonly k: 'ptr' }
  | { readonly k: 'sptr'; readonly to: 'struct' | 'fwd' | 'union' | 'other' }
  | { readonly k: 'fptr'; readonly ret: IntType; readonly params: readonly IntType[] }
  | { readonly k: 'enum' }
  | { readonly k: 'array'; readonly elem: IntType; readonly n: number }
  | { readonly k: 'nested'; readonly inner: readonly (IntType | null)[]; readonly reversed: boolean };

export interface FieldCase {
  readonly local: LocalField;
  readonly target: TargetField;
  /** Target wraps the field in an anonymous union with a filler. */
  readonly inUnion: boolean;
  /** Filler field before it in the target (bytes of a char array; 0 = none). */
  readonly padBefore: number;
}

export interface EnumCase {
  readonly local: readonly bigint[];
  /** Target value of each local enumerator (null: missing). */
  readonly target: readonly (bigint | null)[];
  /** The local enumerator carries a flavor suffix. */
  readonly flavored: readonly boolean[];
}

/** A trailing zero-length array in the local struct, read at `idx`; the target has `n` elements (0 = flexible too), last or not. */
export interface FlexCase { readonly elem: IntType; readonly idx: number; readonly n: number; readonly last: boolean }

/** A local union; the target's members, each kept with the same type, another type, or dropped. */
export interface UnionCase { readonly local: readonly IntType[]; readonly target: readonly (IntType | null)[]; readonly asStruct: boolean }

export interface CoreCase {
  readonly fields: readonly FieldCase[];
  readonly fieldOrder: readonly number[];
  readonly flex: FlexCase | null;
  readonly enumCase: EnumCase;
  readonly unionCase: UnionCase;
  /** The target declares the struct at all / a typedef of it. */
  readonly targetHasStruct: boolean;
  readonly targetHasTypedef: boolean;
}

const intType: fc.Arbitrary<IntType> = fc.record({ size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), signed: fc.boolean() });
const bitsBase: fc.Arbitrary<IntType> = fc.record({ size: fc.constantFrom(4 as const, 8 as const), signed: fc.boolean() });
const params = fc.array(intType, { maxLength: 3 });

const localField: fc.Arbitrary<LocalField> = fc.oneof(
  { weight: 3, arbitrary: intType.map((type) => ({ k: 'scalar' as const, type })) },
  { weight: 1, arbitrary: intType.map((type) => ({ k: 'typedef' as const, type })) },
  // clang-19 aborts on CO-RE builtins over 64-bit bitfields ("bitfield size greater than record
  // alignment"), so local bitfields are 32-bit; targets use both.
  { weight: 2, arbitrary: fc.record({ size: fc.constant(4 as const), signed: fc.boolean() }).chain((base) => fc.integer({ min: 1, max: 31 }).map((width) => ({ k: 'bits' as const, base, width }))) },
  { weight: 1, arbitrary: fc.constant({ k: 'ptr' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'sptr' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fptr' as const), ret: intType, params }) },
  { weight: 1, arbitrary: fc.constant({ k: 'enum' as const }) },
  { weight: 1, arbitrary: fc.tuple(intType, fc.integer({ min: 1, max: 6 })).chain(([elem, n]) => fc.integer({ min: 0, max: n - 1 }).map((idx) => ({ k: 'array' as const, elem, n, idx }))) },
  { weight: 1, arbitrary: fc.array(intType, { minLength: 1, maxLength: 3 }).chain((inner) => fc.integer({ min: 0, max: inner.length - 1 }).map((pick) => ({ k: 'nested' as const, inner, pick }))) },
);

function sameAsLocal(l: LocalField): TargetField {
  switch (l.k) {
    case 'scalar': case 'typedef': return { k: l.k, type: l.type };
    case 'bits': return { k: 'bits', base: l.base, width: l.width, padBits: 0 };
    case 'ptr': case 'enum': return { k: l.k };
    case 'sptr': return { k: 'sptr', to: 'struct' };
    case 'fptr': return { k: 'fptr', ret: l.ret, params: l.params };
    case 'array': return { k: 'array', elem: l.elem, n: l.n };
    case 'nested': return { k: 'nested', inner: l.inner, reversed: false };
  }
}

function changedFrom(l: LocalField): fc.Arbitrary<TargetField> {
  switch (l.k) {
    case 'scalar': return fc.oneof(intType.map((type) => ({ k: 'scalar' as const, type })), fc.constant({ k: 'ptr' as const }));
    case 'typedef': return fc.oneof(intType.map((type) => ({ k: 'scalar' as const, type })), intType.map((type) => ({ k: 'typedef' as const, type })));
    case 'bits': return fc.oneof(
      bitsBase.chain((base) => fc.tuple(fc.integer({ min: 1, max: base.size * 8 - 1 }), fc.integer({ min: 0, max: 40 }))
        .map(([width, padBits]) => ({ k: 'bits' as const, base, width, padBits: Math.min(padBits, base.size * 8 - width) }))),
      intType.map((type) => ({ k: 'scalar' as const, type })));
    case 'ptr': return fc.constant({ k: 'scalar' as const, type: { size: 8 as const, signed: false } });
    case 'sptr': return fc.constantFrom('fwd' as const, 'union' as const, 'other' as const).map((to) => ({ k: 'sptr' as const, to }));
    case 'fptr': return fc.record({ k: fc.constant('fptr' as const), ret: intType, params });
    case 'enum': return intType.map((type) => ({ k: 'scalar' as const, type }));
    case 'array': return fc.tuple(intType, fc.integer({ min: 0, max: 8 })).map(([elem, n]) => ({ k: 'array' as const, elem, n }));
    case 'nested': return fc.tuple(fc.array(fc.option(intType, { nil: null }), { minLength: l.inner.length, maxLength: l.inner.length }), fc.boolean())
      .map(([inner, reversed]) => ({ k: 'nested' as const, inner, reversed }));
  }
}

const fieldCase: fc.Arbitrary<FieldCase> = localField.chain((local) => fc.record({
  local: fc.constant(local),
  target: fc.oneof({ weight: 3, arbitrary: fc.constant(sameAsLocal(local)) }, { weight: 3, arbitrary: changedFrom(local) }, { weight: 1, arbitrary: fc.constant({ k: 'missing' as const }) }),
  inUnion: fc.boolean().map((b) => b && local.k !== 'bits'),
  padBefore: fc.constantFrom(0, 0, 1, 3, 8),
}));

const enumValue = fc.oneof(fc.integer({ min: -3, max: 40 }).map(BigInt), fc.constantFrom(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, -0x80000000n));
const enumCase: fc.Arbitrary<EnumCase> = fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
  local: fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }).map(BigInt) }, { weight: 1, arbitrary: fc.constant(0x100000000n) }), { minLength: n, maxLength: n }),
  target: fc.array(fc.option(enumValue, { nil: null, freq: 4 }), { minLength: n, maxLength: n }),
  flavored: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
}));

const flexCase: fc.Arbitrary<FlexCase | null> = fc.option(fc.record({
  elem: intType, idx: fc.integer({ min: 0, max: 5 }), n: fc.constantFrom(0, 0, 2, 8), last: fc.boolean(),
}), { nil: null, freq: 2 });

const unionCase: fc.Arbitrary<UnionCase> = fc.array(intType, { minLength: 1, maxLength: 3 }).chain((local) => fc.record({
  local: fc.constant(local),
  target: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant<IntType | null>(null) }, { weight: 4, arbitrary: intType }), { minLength: local.length, maxLength: local.length })
    .chain((t) => fc.boolean().map((same) => (same ? local : t))),
  asStruct: fc.constantFrom(false, false, false, true),
}));

export const coreCase: fc.Arbitrary<CoreCase> = fc.array(fieldCase, { minLength: 1, maxLength: 6 }).chain((fields) => fc.record({
  fields: fc.constant(fields),
  fieldOrder: fc.shuffledSubarray(fields.map((_, i) => i), { minLength: fields.length, maxLength: fields.length }),
  flex: flexCase,
  enumCase,
  unionCase,
  targetHasStruct: fc.constantFrom(true, true, true, true, false),
  targetHasTypedef: fc.boolean(),
}));

const cInt = (t: IntType): string => `${t.signed ? '' : 'unsigned '}${({ 1: 'char', 2: 'short', 4: 'int', 8: 'long long' } as const)[t.size]}`;
const cIntSigned = (t: IntType): string => (t.size === 1 && t.signed ? 'signed char' : cInt(t));
const cParams = (ps: readonly IntType[]): string => (ps.length === 0 ? 'void' : ps.map(cIntSigned).join(', '));
const enumLiteral = (v: bigint): string => `${v}${v > 0x7fffffffn || v < -0x80000000n ? 'LL' : ''}`;

/** Local C: types with preserve_access_index and one program per case that exercises every kind. */
export function emitLocal(cases: readonly CoreCase[]): string {
  const out: string[] = [
    '#include <linux/types.h>', '#include <bpf/bpf_helpers.h>', '#include <bpf/bpf_core_read.h>', '',
    '#define PAI __attribute__((preserve_access_index))',
  ];
  let slot = 0;
  const progs: string[] = [];
  cases.forEach((c, k) => {
    const e = c.enumCase;
    out.push(`enum e${k}___l { ${e.local.map((v, j) => `E${k}_${j}${e.flavored[j] ? '___fl' : ''} = ${enumLiteral(v)}`).join(', ')} };`);
    out.push(`union u${k}___l { ${c.unionCase.local.map((t, j) => `${cIntSigned(t)} m${j};`).join(' ')} };`);
    c.fields.forEach((f, i) => {
      const l = f.local;
      if (l.k === 'nested') out.push(`struct n${k}_${i}___l { ${l.inner.map((t, j) => `${cIntSigned(t)} m${j};`).join(' ')} } PAI;`);
      if (l.k === 'typedef') out.push(`typedef ${cIntSigned(l.type)} td${k}_${i}___l;`);
      if (l.k === 'sptr') out.push(`struct o${k}_${i}___l { int v; } PAI;`);
    });
    const members = c.fields.map((f, i) => {
      const l = f.local;
      switch (l.k) {
        case 'scalar': return `${cIntSigned(l.type)} f${i};`;
        case 'typedef': return `td${k}_${i}___l f${i};`;
        // clang-19's CO-RE pass aborts on bitfields sharing a storage unit with other fields: `:0` isolates them.
        case 'bits': return `unsigned int : 0; ${cIntSigned(l.base)} f${i} : ${l.width}; unsigned int : 0;`;
        case 'ptr': return `void *f${i};`;
        case 'sptr': return `struct o${k}_${i}___l *f${i};`;
        case 'fptr': return `${cIntSigned(l.ret)} (*f${i})(${cParams(l.params)});`;
        case 'enum': return `enum e${k}___l f${i};`;
        case 'array': return `${cIntSigned(l.elem)} f${i}[${l.n}];`;
        case 'nested': return `struct n${k}_${i}___l f${i};`;
      }
    });
    if (c.flex !== null) members.push(`${cIntSigned(c.flex.elem)} ff[0];`);
    out.push(`struct s${k}___l { ${members.join(' ')} } PAI;`);
    out.push(`typedef struct s${k}___l ts${k}___l;`);
    out.push(`struct z${k}___l { int a; } PAI;`);
    const body: string[] = [];
    const put = (expr: string): void => { body.push(`\tout[${slot++}] = ${expr};`); };
    c.fields.forEach((f, i) => {
      const l = f.local;
      const F = `q->f${i}`;
      switch (l.k) {
        case 'scalar': case 'typedef': case 'enum':
          put(`${F}`); put(`bpf_core_field_exists(${F})`); put(`bpf_core_field_size(${F})`); put(`bpf_core_field_offset(${F})`);
          put(`__builtin_preserve_field_info(${F}, BPF_FIELD_SIGNED)`);
          break;
        case 'ptr': case 'sptr': case 'fptr':
          put(`(__u64)${F}`); put(`bpf_core_field_exists(${F})`); put(`bpf_core_field_size(${F})`);
          break;
        case 'bits':
          put(`BPF_CORE_READ_BITFIELD(q, f${i})`); put(`bpf_core_field_exists(${F})`);
          put(`__builtin_preserve_field_info(${F}, BPF_FIELD_LSHIFT_U64)`); put(`__builtin_preserve_field_info(${F}, BPF_FIELD_RSHIFT_U64)`);
          break;
        case 'array':
          put(`${F}[${l.idx}]`); put(`bpf_core_field_size(${F})`); put(`bpf_core_field_exists(${F}[${l.idx}])`); put(`bpf_core_field_offset(${F}[${l.idx}])`);
          break;
        case 'nested':
          put(`${F}.m${l.pick}`); put(`bpf_core_field_exists(${F}.m${l.pick})`); put(`bpf_core_field_offset(${F}.m${l.pick})`);
          break;
      }
    });
    if (c.flex !== null) {
      put(`q->ff[${c.flex.idx}]`); put(`bpf_core_field_exists(q->ff[${c.flex.idx}])`); put(`bpf_core_field_offset(q->ff[${c.flex.idx}])`);
    }
    for (const t of [`struct s${k}___l`, `ts${k}___l`, `union u${k}___l`, `enum e${k}___l`]) {
      put(`bpf_core_type_exists(${t})`); put(`bpf_core_type_size(${t})`); put(`bpf_core_type_matches(${t})`);
    }
    put(`bpf_core_type_id_kernel(struct s${k}___l)`); put(`bpf_core_type_id_local(struct s${k}___l)`);
    put(`bpf_core_type_exists(struct z${k}___l)`);
    e.local.forEach((_, j) => {
      const name = `E${k}_${j}${e.flavored[j] ? '___fl' : ''}`;
      put(`bpf_core_enum_value_exists(enum e${k}___l, ${name})`); put(`bpf_core_enum_value(enum e${k}___l, ${name})`);
    });
    progs.push(`SEC("tracepoint/c${k}/x")\nint case_${k}(void *ctx)\n{\n\tstruct s${k}___l *q = (void *)bpf_get_current_task();\n${body.join('\n')}\n\treturn 0;\n}`);
  });
  return [...out, `__u64 out[${Math.max(slot, 1)}];`, ...progs, 'char LICENSE[] SEC("license") = "GPL";', ''].join('\n');
}

/** Target C: the "other kernel" — same type names without flavors, other layouts; globals keep the types in BTF. */
export function emitTarget(cases: readonly CoreCase[]): string {
  const out: string[] = [];
  cases.forEach((c, k) => {
    const e = c.enumCase;
    const present = e.target.map((v, j) => (v === null ? undefined : `E${k}_${j} = ${enumLiteral(v)}`)).filter((x) => x !== undefined);
    out.push(`enum e${k} { ${present.length > 0 ? present.join(', ') : `E${k}_none`} };`, `enum e${k} te${k};`);
    const u = c.unionCase;
    const um = u.target.map((t, j) => (t === null ? '' : `${cIntSigned(t)} m${j};`)).join(' ');
    out.push(`${u.asStruct ? 'struct' : 'union'} u${k} { ${um} char uz; } tu${k};`);
    if (!c.targetHasStruct) return;
    c.fields.forEach((f, i) => {
      const t = f.target;
      if (t.k === 'nested') {
        const inner = t.inner.map((x, j) => (x === null ? '' : `${cIntSigned(x)} m${j};`));
        out.push(`struct n${k}_${i} { ${(t.reversed ? inner.reverse() : inner).join(' ')} long long nz; };`);
      }
      if (t.k === 'typedef') out.push(`typedef ${cIntSigned(t.type)} td${k}_${i};`);
      if (t.k === 'sptr') {
        if (t.to === 'struct') out.push(`struct o${k}_${i} { long long v; };`);
        if (t.to === 'fwd') out.push(`struct o${k}_${i};`);
        if (t.to === 'union') out.push(`union o${k}_${i} { int v; };`);
        if (t.to === 'other') out.push(`struct r${k}_${i} { int v; };`);
      }
    });
    const members: string[] = [];
    for (const i of c.fieldOrder) {
      const f = c.fields[i]!;
      const t = f.target;
      if (f.padBefore > 0) members.push(`char p${i}[${f.padBefore}];`);
      let decl: string;
      switch (t.k) {
        case 'missing': decl = `int f${i}_gone;`; break;
        case 'scalar': decl = `${cIntSigned(t.type)} f${i};`; break;
        case 'typedef': decl = `td${k}_${i} f${i};`; break;
        case 'bits': decl = `${t.padBits > 0 ? `${cIntSigned(t.base)} pb${i} : ${t.padBits}; ` : ''}${cIntSigned(t.base)} f${i} : ${t.width};`; break;
        case 'ptr': decl = `void *f${i};`; break;
        case 'sptr': decl = `${t.to === 'union' ? 'union' : 'struct'} ${t.to === 'other' ? 'r' : 'o'}${k}_${i} *f${i};`; break;
        case 'fptr': decl = `${cIntSigned(t.ret)} (*f${i})(${cParams(t.params)});`; break;
        case 'enum': decl = `enum e${k} f${i};`; break;
        case 'array': decl = `${cIntSigned(t.elem)} f${i}[${t.n}];`; break;
        case 'nested': decl = `struct n${k}_${i} f${i};`; break;
      }
      members.push(f.inUnion && t.k !== 'missing' ? `union { ${decl} long long u${i}; };` : decl);
    }
    const flex = c.flex === null ? '' : `${cIntSigned(c.flex.elem)} ff[${c.flex.n}];`;
    out.push(`struct s${k} { ${members.join(' ')} ${c.flex?.last === false ? flex : ''} int tail; ${c.flex?.last === true ? flex : ''} };`, `struct s${k} t${k};`);
    if (c.targetHasTypedef) out.push(`typedef struct s${k} ts${k};`, `ts${k} tt${k};`);
  });
  return out.join('\n') + '\n';
}

// `tsbpf btf gen-ts --lang`: kernel BTF → a type-only module of tsbpf/lang declarations (the
// language's vmlinux.h). Each struct or union asked for, and everything it holds by value, is an
// interface extending Kernel<'name', size>; each member is `At<bitOffset, T[, bits]>`, so that
// tsc sees plain fields and the compiler (kernel-types.ts) rebuilds the exact BTF layout for
// CO-RE. Anonymous struct/union members are interfaces of their own that the parent extends with
// Anon<index, bitOffset, …> (C's transparent access). Pointers to emitted structs are Ptr<T>;
// other pointers, enums and typedefs of integers become integers of their size.

import { type Btf, type BtfType, MAX_RESOLVE_DEPTH, skipModifiers } from '../../elf/index.js';
import { GenTsError } from '../dsl/index.js';

const MODIFIERS = new Set(['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG']);
const INTS: Record<string, string> = { '1u': 'u8', '2u': 'u16', '4u': 'u32', '8u': 'u64', '1s': 's8', '2s': 's16', '4s': 's32', '8s': 's64' };
/** Nested composites followed by value before giving up (a by-value loop in corrupt BTF). */
const MAX_NESTING = 256;

type Composite = Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;

export function generateKernelDeclarations(btf: Btf, names: readonly string[], options: { importFrom?: string; source?: string } = {}): string {
  const idents = new Map<number, string>();
  // The language's names are taken: a kernel struct named like one gets a suffix.
  const used = new Set<string>(['Kernel', 'KernelEnum', 'At', 'Anon', 'Ptr', 'Arr', 'char', 'bool', ...Object.values(INTS)]);
  const full = new Set<number>();
  const out: string[] = [];
  const langNames = new Set<string>(['Kernel', 'At']);
  const t = (id: number): BtfType | undefined => (id === 0 ? undefined : btf.requireType(id));
  const strip = (id: number): number => {
    const x = skipModifiers(t, id, MODIFIERS);
    if (MODIFIERS.has(t(x)?.kind ?? '')) throw new GenTsError(`type [${id}]: a chain of more than ${MAX_RESOLVE_DEPTH} modifiers`);
    return x;
  };
  const composite = (id: number): Composite | undefined => { const c = t(id); return c?.kind === 'STRUCT' || c?.kind === 'UNION' ? c : undefined; };
  const ident = (id: number, hint: string): string => {
    const known = idents.get(id);
    if (known !== undefined) return known;
    let name = hint;
    for (let k = 2; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    idents.set(id, name);
    return name;
  };

  const roots: number[] = [];
  const enums: string[] = [];
  for (const name of names) {
    const ids = btf.findByName(name, 'STRUCT').concat(btf.findByName(name, 'UNION'));
    if (ids.length > 0) { roots.push(ids[0]!); continue; }
    const e = btf.findByName(name, 'ENUM').concat(btf.findByName(name, 'ENUM64'));
    if (e.length === 0) throw new GenTsError(`no struct, union or enum named '${name}' in the BTF`);
    enums.push(kernelEnumDeclaration(btf.requireType(e[0]!) as Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>, ident(e[0]!, name)));
    langNames.add('KernelEnum');
  }
  // What is emitted in full: the roots and every composite they hold by value (arrays included).
  const mark = (id: number, depth: number): void => {
    if (depth > MAX_NESTING) throw new GenTsError(`type [${id}]: composites nest deeper than ${MAX_NESTING} levels (a by-value loop)`);
    let x = strip(id);
    while (t(x)?.kind === 'ARRAY') x = strip((t(x) as Extract<BtfType, { kind: 'ARRAY' }>).type);
    const c = composite(x);
    if (c === undefined || full.has(x)) return;
    full.add(x);
    for (const m of c.members) mark(m.type, depth + 1);
  };
  for (const id of roots) { ident(id, btf.requireType(id).name); mark(id, 0); }

  /** The language type of a member's BTF type. */
  const typeOf = (id: number, owner: string): string => {
    const r = langType(id, owner);
    for (const n of r.match(/\b(Ptr|Arr|char|bool|[us](8|16|32|64))\b/g) ?? []) langNames.add(n);
    return r;
  };
  const langType = (id: number, owner: string): string => {
    const x = strip(id);
    const m = t(x);
    if (m === undefined) return 'u8';
    switch (m.kind) {
      case 'INT': {
        if ((m.encoding & 4) !== 0) return 'bool';
        if (m.name === 'char') return 'char';
        return INTS[`${m.size}${(m.encoding & 1) !== 0 ? 's' : 'u'}`] ?? `Arr<u8, ${m.size}>`;
      }
      case 'ENUM': case 'ENUM64': return INTS[`${m.size}${m.kind === 'ENUM' && m.signed ? 's' : 'u'}`] ?? 'u32';
      case 'PTR': {
        const target = strip(m.type);
        const proto = t(target);
        if (proto?.kind === 'FUNC_PROTO') return fnType(proto, owner);
        return full.has(target) ? `Ptr<${name(target, owner)}>` : 'u64';
      }
      case 'ARRAY': return `Arr<${typeOf(m.type, owner)}, ${m.nelems}>`;
      case 'STRUCT': case 'UNION': return name(x, owner);
      case 'FLOAT': return `Arr<u8, ${m.size}>`;
      default: return 'u64';
    }
  };
  /**
   * A function pointer (a struct_ops slot): a function type whose struct pointer parameters are
   * the struct itself (as a tpBtf program's), other pointers u64, `void` when it returns nothing.
   */
  const fnType = (proto: Extract<BtfType, { kind: 'FUNC_PROTO' }>, owner: string): string => {
    if (proto.params.some((p) => p.type === 0)) return 'u64'; // variadic
    const param = (id: number): string => {
      const x = strip(id);
      const pt = t(x);
      if (pt?.kind === 'PTR') { const target = strip(pt.type); return full.has(target) ? name(target, owner) : 'u64'; }
      return composite(x) !== undefined ? 'u64' : typeOf(id, owner);
    };
    const params = proto.params.map((p, i) => `${/^[A-Za-z_$][\w$]*$/.test(p.name) ? p.name : `a${i}`}: ${param(p.type)}`);
    const ret = strip(proto.returnType) === 0 ? 'void' : composite(strip(proto.returnType)) !== undefined || t(strip(proto.returnType))?.kind === 'PTR' ? 'u64' : typeOf(proto.returnType, owner);
    return `(${params.join(', ')}) => ${ret}`;
  };
  const name = (id: number, owner: string): string => ident(id, btf.requireType(id).name === '' ? `${owner}$anon` : btf.requireType(id).name);

  const emitted = new Set<number>();
  const emit = (id: number): void => {
    if (emitted.has(id)) return;
    emitted.add(id);
    const c = composite(id)!;
    const self = name(id, 'anon');
    const bases = [`Kernel<'${c.name}', ${c.size}${c.kind === 'UNION' ? ', true' : ''}>`];
    const fields: string[] = [];
    let index = 0;
    for (const m of c.members) {
      const mt = strip(m.type);
      const bits = c.kindFlag ? m.bitfieldSize : 0;
      if (m.name === '') {
        if (composite(mt) === undefined) continue; // unnamed padding
        bases.push(`Anon<${index++}, ${m.bitsOffset}, ${name(mt, self)}>`);
        continue;
      }
      index++;
      fields.push(`  readonly ${/^[A-Za-z_$][\w$]*$/.test(m.name) ? m.name : JSON.stringify(m.name)}: At<${m.bitsOffset}, ${typeOf(m.type, self)}${bits === 0 ? '' : `, ${bits}`}>;`);
    }
    out.push(`export interface ${self} extends ${bases.join(', ')} {\n${fields.join('\n')}\n}`);
    if (bases.length > 1) langNames.add('Anon');
  };
  // Parents first (depth first from the roots): an anonymous member is named after its parent.
  const order = (id: number): void => {
    if (emitted.has(id)) return;
    emit(id);
    for (const m of composite(id)!.members) {
      let x = strip(m.type);
      while (t(x)?.kind === 'ARRAY') x = strip((t(x) as Extract<BtfType, { kind: 'ARRAY' }>).type);
      if (full.has(x)) order(x);
    }
  };
  for (const id of roots) order(id);
  return [
    '// Generated by `tsbpf btf gen-ts --lang` — do not edit.',
    `// Source: ${options.source ?? 'BTF'}; types: ${names.join(', ')}.`,
    '// Kernel structs for tsbpf/lang programs: members carry their BTF bit offsets; reads are CO-RE relocated.',
    '/* eslint-disable */',
    `import type { ${[...langNames].sort().join(', ')} } from '${options.importFrom ?? 'tsbpf/lang'}';`,
    '',
    ...out,
    ...enums,
    '',
  ].join('\n');
}

/**
 * An enum asked for by name: `interface bpf_map_type extends KernelEnum<'bpf_map_type', 4>` whose
 * members are its enumerators, in BTF order (their index is the CO-RE access string), each typed
 * as its value in this BTF (a bigint literal beyond 2^53).
 */
function kernelEnumDeclaration(e: Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>, self: string): string {
  const fields = e.values.map((v) => {
    const n = BigInt(v.value);
    const lit = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? String(n) : `${n}n`;
    return `  readonly ${/^[A-Za-z_$][\w$]*$/.test(v.name) ? v.name : JSON.stringify(v.name)}: ${lit};`;
  });
  return `export interface ${self} extends KernelEnum<'${e.name}', ${e.size}${e.signed ? ', true' : ''}> {\n${fields.join('\n')}\n}`;
}

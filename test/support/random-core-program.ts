// Random C programs with CO-RE accesses, for comparing `disasm -r` with
// llvm-objdump-19 on what clang-19 really emits: random struct/union layouts
// (nested and anonymous members, arrays of one and two dimensions, bitfields,
// enums, pointers, typedefs, ___flavor names), BPF_CORE_READ paths with a
// pointer hop, &o[N] roots, bitfield reads, and every field/type/enum builtin.

import { type Rng, seededRng } from './seeded-rng.js';

export { seededRng };

interface Field {
  name: string;
  /** C declaration with %s for the name, e.g. `int %s[3]`. */
  decl: string;
  /** How a path continues from this member: scalar (end), composite (index into COMPOSITES), array dims then element. */
  kind: 'scalar' | 'bitfield' | 'composite' | 'pointer' | 'anon';
  dims: number[];
  /** For composite/pointer: the composite's index; for anon: its inline members. */
  target?: number;
  inline?: Field[];
}

interface Composite { tag: 'struct' | 'union'; name: string; fields: Field[]; typedef?: string }
interface EnumDef { name: string; values: { name: string; value: string }[]; typedef?: string }

const SCALARS = ['int', 'char', 'short', 'long', 'unsigned int', 'unsigned char', 'unsigned long long', 'signed char', '__u16'];

export function randomCoreProgram(seed: number): string {
  const rnd = seededRng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => rnd() < p;

  const enums: EnumDef[] = [];
  for (let e = 0; e < 1 + int(3); e++) {
    const wide = chance(0.25);
    const values = Array.from({ length: 1 + int(4) }, (_, i) => {
      const v = pick(wide ? ['0x100000000ull', '-5ll', '0xffffffffffffffffull', '42'] : ['0', '1', '-3', '0x7fffffff', '0x80000000u', '0xffffffffu', '77']);
      return { name: `E${e}_V${i}`, value: v };
    });
    enums.push({ name: `en${e}${chance(0.3) ? '___x' : ''}`, values, ...(chance(0.3) ? { typedef: `en${e}_t` } : {}) });
  }

  const composites: Composite[] = [];
  let anonCount = 0;
  const scalarField = (name: string): Field => {
    if (chance(0.15)) return { name, decl: `enum ${pick(enums).name} %s`, kind: 'scalar', dims: [] };
    return { name, decl: `${pick(SCALARS)} %s`, kind: 'scalar', dims: [] };
  };
  const fieldOf = (name: string, depth: number): Field => {
    const r = rnd();
    const dims = chance(0.25) ? (chance(0.3) ? [1 + int(3), 1 + int(3)] : [1 + int(4)]) : [];
    const suffix = dims.map((d) => `[${d}]`).join('');
    if (r < 0.15) return { name, decl: `${pick(['unsigned int', 'int', 'unsigned char'])} %s:${1 + int(7)}`, kind: 'bitfield', dims: [] };
    if (r < 0.35 && composites.length > 0) {
      const target = int(composites.length);
      const c = composites[target]!;
      const ref = c.typedef !== undefined && chance(0.5) ? c.typedef : `${c.tag} ${c.name}`;
      return { name, decl: `${ref} %s${suffix}`, kind: 'composite', dims, target };
    }
    if (r < 0.45 && composites.length > 0) {
      const target = int(composites.length);
      const c = composites[target]!;
      return { name, decl: `${c.tag} ${c.name} *%s`, kind: 'pointer', dims: [], target };
    }
    if (r < 0.55 && depth < 2) {
      const inline = Array.from({ length: 1 + int(3) }, (_, i) => fieldOf(`a${anonCount++}_${i}`, depth + 1));
      return { name: '', decl: '', kind: 'anon', dims: [], inline, target: chance(0.5) ? 1 : 0 };
    }
    const f = scalarField(name);
    return { ...f, decl: `${f.decl}${suffix}`, dims };
  };
  for (let c = 0; c < 2 + int(4); c++) {
    const fields = Array.from({ length: 1 + int(5) }, (_, i) => fieldOf(`f${c}_${i}`, 0));
    composites.push({
      tag: chance(0.25) ? 'union' : 'struct',
      name: `s${c}${chance(0.25) ? `___v${int(3)}` : ''}`,
      fields,
      ...(chance(0.3) ? { typedef: `s${c}_t` } : {}),
    });
  }

  const declOf = (f: Field, indent: string): string => {
    if (f.kind !== 'anon') return `${indent}${f.decl.replace('%s', f.name)};\n`;
    const body = f.inline!.map((g) => declOf(g, `${indent}  `)).join('');
    return `${indent}${f.target === 1 ? 'union' : 'struct'} {\n${body}${indent}};\n`;
  };
  let src = '#include <linux/types.h>\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_core_read.h>\n\n';
  for (const e of enums) {
    src += `enum ${e.name} { ${e.values.map((v) => `${v.name} = ${v.value}`).join(', ')} };\n`;
    if (e.typedef !== undefined) src += `typedef enum ${e.name} ${e.typedef};\n`;
  }
  for (const c of composites) {
    src += `${c.tag} ${c.name} {\n${c.fields.map((f) => declOf(f, '  ')).join('')}} __attribute__((preserve_access_index));\n`;
    if (c.typedef !== undefined) src += `typedef ${c.tag} ${c.name} ${c.typedef};\n`;
  }

  /** A random member path inside composite c: [C text, bitfield at the end, pointer at the end (composite index)]. */
  const path = (c: number, depth = 0): { text: string; bitfield: boolean; composite: boolean; pointer?: number } => {
    const fields = composites[c]!.fields;
    let f = pick(fields);
    let text = '';
    while (f.kind === 'anon') f = pick(f.inline!);
    text += f.name;
    for (const d of f.dims) text += `[${int(d)}]`;
    if (f.kind === 'composite' && depth < 4 && chance(0.7)) {
      const rest = path(f.target!, depth + 1);
      return { ...rest, text: `${text}.${rest.text}` };
    }
    return {
      text, bitfield: f.kind === 'bitfield', composite: f.kind === 'composite', ...(f.kind === 'pointer' ? { pointer: f.target! } : {}),
    };
  };

  const body: string[] = [];
  const root = int(composites.length);
  const rc = composites[root]!;
  for (let k = 0; k < 4 + int(8); k++) {
    const p = path(root);
    const r = rnd();
    if (p.bitfield) {
      body.push(r < 0.7 ? `r += BPF_CORE_READ_BITFIELD_PROBED(o, ${p.text});` : `r += bpf_core_field_exists(o->${p.text});`);
    } else if (r < 0.35 && !p.composite) {
      // A pointer member read through: BPF_CORE_READ follows it with a second CO-RE access.
      const hop = p.pointer !== undefined && chance(0.7) ? path(p.pointer) : undefined;
      const extra = hop === undefined || hop.bitfield || hop.composite ? '' : `, ${hop.text}`;
      body.push(`r += (long)BPF_CORE_READ(o, ${p.text}${extra});`);
    } else if (r < 0.45) {
      body.push(`{ long v = 0; bpf_core_read(&v, 1, &o[${int(4)}].${p.text}); r += v; }`);
    } else if (r < 0.6) {
      body.push(`r += bpf_core_field_exists(o->${p.text});`);
    } else if (r < 0.7) {
      body.push(`r += bpf_core_field_size(o->${p.text});`);
    } else if (r < 0.75) {
      body.push(`r += bpf_core_field_offset(o->${p.text});`);
    } else if (r < 0.9) {
      const c = pick(composites);
      const ty = c.typedef !== undefined && chance(0.5) ? c.typedef : `${c.tag} ${c.name}`;
      const fn = pick(['bpf_core_type_exists', 'bpf_core_type_size', 'bpf_core_type_id_local', 'bpf_core_type_id_kernel', 'bpf_core_type_matches']);
      body.push(`r += ${fn}(${ty});`);
    } else {
      const e = pick(enums);
      const v = pick(e.values);
      const ty = e.typedef !== undefined && chance(0.5) ? e.typedef : `enum ${e.name}`;
      body.push(`r += ${pick(['bpf_core_enum_value_exists', 'bpf_core_enum_value'])}(${ty}, ${v.name});`);
    }
  }
  src += `\nSEC("tracepoint/x")\nint prog(void *ctx)\n{\n  ${rc.tag} ${rc.name} *o = ctx;\n  long r = 0;\n  ${body.join('\n  ')}\n  return r;\n}\n`;
  src += 'char LICENSE[] SEC("license") = "GPL";\n';
  return src;
}

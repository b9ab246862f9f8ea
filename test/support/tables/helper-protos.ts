// Helper prototypes as the verifier checks them: every `const struct bpf_func_proto` of the 6.12
// source (kernel/bpf/*.c, kernel/trace/bpf_trace.c, net/core/filter.c of Debian's
// linux-source-6.12) with its gpl_only flag, return type and argument types, matched to the helpers
// of the DSL's table (src/dsl/helpers/table.ts, the ids of 6.18's enum bpf_func_id); and which
// program types may call each helper, measured on the running kernel (loader probeHelper: a call
// the verifier refuses with `program of this type cannot use helper` / `unknown func`).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeHelper } from '../../../loader/index.js';
import { HELPERS } from '../../../src/dsl/helpers/table.js';
import { CTX_PROG_TYPES } from './ctx-probe.js';
import type { HelperProto } from '../../../verifier/tables/helpers.generated.js';

/** One bpf_func_proto: the shape the generated table stores. */
export type FuncProto = HelperProto;

/** The extracted 6.12 tree (scripts/verifier-corpus/kernel-tree.mjs puts it here). */
export function kernelSourceTree(): string {
  const tree = process.env.TSBPF_KERNEL_SRC ?? '/tmp/tsbpf-linux-source-6.12/linux-source-6.12';
  if (!existsSync(join(tree, 'kernel/bpf/verifier.c'))) {
    throw new Error(`no linux-source-6.12 tree at ${tree}: run node scripts/verifier-corpus/build-old.mjs once (it extracts it) or set TSBPF_KERNEL_SRC`);
  }
  return tree;
}

/** The arg sizes the protos spell (fixed-size memory arguments). */
const SIZES: Record<string, number> = { 'sizeof(u32)': 4, 'sizeof(u64)': 8, 'sizeof(s64)': 8, 'sizeof(int)': 4, 'sizeof(long)': 8, 'sizeof(struct tcphdr)': 20, 'sizeof(struct iphdr)': 20, 'sizeof(struct ipv6hdr)': 40 };

const PROTO = /(?:static\s+)?const\s+struct\s+bpf_func_proto\s+(\w+)\s*=\s*\{([\s\S]*?)\n\};/g;

function field(body: string, name: string): string | undefined {
  const m = new RegExp(`\\.${name}\\s*=\\s*([^,\\n]+(?:\\n\\s*\\|[^,\\n]+)*)`).exec(body);
  return m?.[1]?.replace(/\s+/g, ' ').trim();
}

export function parseProtos(tree: string): FuncProto[] {
  const files = [
    ...readdirSync(join(tree, 'kernel/bpf')).filter((f) => f.endsWith('.c')).map((f) => `kernel/bpf/${f}`),
    'kernel/trace/bpf_trace.c', 'net/core/filter.c',
  ].sort();
  const out: FuncProto[] = [];
  for (const file of files) {
    const text = readFileSync(join(tree, file), 'utf8');
    for (const m of text.matchAll(PROTO)) {
      const body = m[2]!;
      const args: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const a = field(body, `arg${i}_type`);
        if (a === undefined) break;
        args.push(a);
      }
      const argSizes: Record<string, number> = {};
      for (let i = 1; i <= 5; i++) {
        const size = field(body, `arg${i}_size`);
        if (size !== undefined) argSizes[i - 1] = SIZES[size] ?? -1;
      }
      out.push({ proto: m[1]!, file, gplOnly: field(body, 'gpl_only') === 'true', ret: field(body, 'ret_type') ?? '?', args,
        mightSleep: field(body, 'might_sleep') === 'true',
        ...(Object.keys(argSizes).length > 0 ? { argSizes } : {}),
        ...(field(body, 'pkt_access') === 'true' ? { pktAccess: true } : {}),
        ...(/\.allowed\s*=/.test(body) ? { allowedCheck: true } : {}),
        ...(/\.arg\d_btf_id\s*=/.test(body) ? { btfIdArgs: true } : {}) });
    }
  }
  return out;
}

/** Every .c file under `dir` of the tree whose text names a helper id (case BPF_FUNC_…). */
function funcProtoSources(tree: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(tree, dir), { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.c')) continue;
    const path = join(e.parentPath, e.name);
    const text = readFileSync(path, 'utf8');
    if (text.includes('case BPF_FUNC_')) out.push(text);
  }
  return out;
}

/**
 * The prototypes the *_func_proto switches of the tree return for each helper: the `&x_proto` and
 * `x_proto()` a `case BPF_FUNC_<name>:` group leads to, in any program type. One prototype for a
 * helper means every program type that may call it checks the same arguments.
 */
export function returnedProtos(tree: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const group = /((?:case\s+BPF_FUNC_\w+\s*:\s*)+)([\s\S]*?)(?=case\s+BPF_FUNC_|default\s*:|\n}\n)/g;
  for (const text of [...funcProtoSources(tree, 'kernel'), ...funcProtoSources(tree, 'net')]) {
    for (const m of text.matchAll(group)) {
      const body = m[2]!;
      if (!body.includes('return')) continue;
      const refs = [...body.matchAll(/&(\w+_proto\w*)|(\w+_proto\w*)\s*\(/g)].map((r) => r[1] ?? `${r[2]!}()`);
      if (refs.length === 0) continue;
      for (const c of m[1]!.matchAll(/BPF_FUNC_(\w+)/g)) {
        const set = out.get(c[1]!) ?? new Set<string>();
        for (const r of refs) set.add(r);
        out.set(c[1]!, set);
      }
    }
  }
  return out;
}

export interface HelperEntry {
  readonly id: number;
  /** The prototypes (and proto-returning functions, `name()`) the func_proto switches return for it. */
  readonly returned: readonly string[];
  /** Protos named `bpf_<helper>_proto` (or starting with it: per-program-type variants), and those the switches return. */
  readonly protos: readonly FuncProto[];
  /** Program types (of the probed set) whose loads may call it, measured live. */
  readonly programTypes: readonly string[];
}

export function helperTable(tree: string): Record<string, HelperEntry> {
  const protos = parseProtos(tree);
  const returned = returnedProtos(tree);
  const table: Record<string, HelperEntry> = {};
  for (const [name, h] of Object.entries(HELPERS) as [string, { id: number }][]) {
    const ret = returned.get(name) ?? new Set<string>();
    const own = protos.filter((p) => p.proto === `bpf_${name}_proto` || p.proto.startsWith(`bpf_${name}_proto_`) || p.proto === `${name}_proto` || ret.has(p.proto));
    const programTypes = CTX_PROG_TYPES.filter(([, type]) => probeHelper(type, h.id).supported).map(([t]) => t);
    table[name] = { id: h.id, returned: [...ret].sort(), protos: own, programTypes };
  }
  return table;
}

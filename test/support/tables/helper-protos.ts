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
      out.push({ proto: m[1]!, file, gplOnly: field(body, 'gpl_only') === 'true', ret: field(body, 'ret_type') ?? '?', args,
        mightSleep: field(body, 'might_sleep') === 'true' });
    }
  }
  return out;
}

export interface HelperEntry {
  readonly id: number;
  /** Protos whose name is `bpf_<helper>_proto` or that start with it (per-program-type variants). */
  readonly protos: readonly FuncProto[];
  /** Program types (of the probed set) whose loads may call it, measured live. */
  readonly programTypes: readonly string[];
}

export function helperTable(tree: string): Record<string, HelperEntry> {
  const protos = parseProtos(tree);
  const table: Record<string, HelperEntry> = {};
  for (const [name, h] of Object.entries(HELPERS) as [string, { id: number }][]) {
    const own = protos.filter((p) => p.proto === `bpf_${name}_proto` || p.proto.startsWith(`bpf_${name}_proto_`) || p.proto === `${name}_proto`);
    const programTypes = CTX_PROG_TYPES.filter(([, type]) => probeHelper(type, h.id).supported).map(([t]) => t);
    table[name] = { id: h.id, protos: own, programTypes };
  }
  return table;
}

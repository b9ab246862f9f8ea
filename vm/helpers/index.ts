// The helper table: kernel helper ids (named as the kernel's verifier log names them) to their
// vm implementations. A helper not in the table stops the run with a fault naming it.

import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import type { HelperImpl, Machine } from '../machine.js';
import { environmentHelpers } from './environment.js';
import { mapHelpers } from './maps.js';
import { memoryHelpers } from './memory.js';
import { packetHelpers } from './packet.js';
import { tracePrintk, traceVprintk } from './printk.js';

export function helperName(id: number): string {
  const n = KERNEL_HELPER_NAMES[id];
  return n !== undefined && !n.startsWith('unknown') ? `${n}#${id}` : `#${id}`;
}

/** Helper id by kernel name (`bpf_map_lookup_elem` → 1). */
export function helperId(name: string): number {
  const id = KERNEL_HELPER_NAMES.indexOf(name);
  if (id < 0) throw new Error(`no helper named ${name}`);
  return id;
}

const table: Record<string, HelperImpl> = {
  bpf_trace_printk: (m, a, insn) => tracePrintk(m, a, insn),
  bpf_trace_vprintk: (m, a, insn) => traceVprintk(m, a, insn),
  ...environmentHelpers,
  ...memoryHelpers,
  ...mapHelpers,
  ...packetHelpers,
};

export const DEFAULT_HELPERS: ReadonlyMap<number, HelperImpl> = new Map(Object.entries(table).map(([n, f]) => [helperId(n), f]));

/** Names of the helpers the vm implements, sorted (docs/vm.md lists them). */
export function supportedHelpers(): string[] {
  return Object.keys(table).sort();
}

export type { Machine };

// Context access decisions from the live kernel's measured tables (ctx-access.generated.ts): for the
// probed program types every aligned access in the first CTX_PROBED_BYTES bytes is known — allowed or
// refused, the register type a read gives, whether a sign-extending read is allowed. Every probed
// context struct is smaller than that, except the tracepoint record (its hand table in ctx.ts decides
// beyond). Accesses at offsets that are not a multiple of their size are refused by every probed
// type's is_valid_access.

import { CTX_ACCESS, CTX_PROBED_BYTES, type CtxAccessTable } from './ctx-access.generated.js';
import type { AccessKind, CtxAccessDecision, CtxFieldType, CtxTable } from './types.js';

const deny: CtxAccessDecision = { allowed: false };

/** Program types whose is_valid_access looks at expected_attach_type. */
const ATTACH_DEPENDENT = new Set(['cgroup_sock', 'cgroup_sock_addr', 'cgroup_sockopt', 'xdp']);
const BPF_CGROUP_INET_SOCK_CREATE = 2;
const BPF_XDP_DEVMAP = 33;
/** Program types whose context extends past the probed bytes. */
const LARGER_THAN_PROBED = new Set(['tracepoint']);

/** The register type of a probed read, from r0's state as the log printed it. */
function fieldType(state: string): CtxFieldType {
  const base = state.slice(0, state.indexOf('('));
  switch (base) {
    case 'scalar': case 'pkt': case 'pkt_meta': case 'pkt_end': case 'sock_common_or_null': case 'sock_or_null': case 'flow_keys': case 'sock':
      return base;
    default: return 'unmodelled';
  }
}

/** The measured table that applies to a load of `progType` with `attach` as its expected attach type. */
function measured(progType: string, attach: number): CtxAccessTable | undefined {
  const exact = CTX_ACCESS[`${progType}@${attach}`];
  if (exact !== undefined) return exact;
  const base = CTX_ACCESS[progType];
  if (base === undefined || !ATTACH_DEPENDENT.has(progType) || base.expectedAttachType === attach) return base;
  // The kernel loads a cgroup_sock program without an attach type as sock_create; xdp differs only for devmap.
  if (progType === 'cgroup_sock' && attach === BPF_CGROUP_INET_SOCK_CREATE) return base;
  if (progType === 'xdp' && attach !== BPF_XDP_DEVMAP) return base;
  return undefined;
}

const key = (off: number, size: number): number => off * 16 + size;

/** Tables made once per measured table (and hand table beyond it). */
const made = new Map<CtxAccessTable, Map<CtxTable | undefined, CtxTable>>();

export function probedCtxTable(progType: string, attach: number, beyond?: CtxTable): CtxTable | undefined {
  const t = measured(progType, attach);
  if (t === undefined) return undefined;
  let byBeyond = made.get(t);
  if (byBeyond === undefined) made.set(t, (byBeyond = new Map()));
  let table = byBeyond.get(beyond);
  if (table === undefined) byBeyond.set(beyond, (table = makeTable(progType, t, beyond)));
  return table;
}

function makeTable(progType: string, t: CtxAccessTable, beyond: CtxTable | undefined): CtxTable {
  const reads = new Map(t.reads.map(([o, s, st]) => [key(o, s), fieldType(st)]));
  const writes = new Set(t.writes.map(([o, s]) => key(o, s)));
  const sx = new Set(t.signExtendingReads.map(([o, s]) => key(o, s)));
  return {
    progType,
    structName: beyond?.structName ?? progType,
    decide(off: number, size: 1 | 2 | 4 | 8, kind: AccessKind, signExtend = false): CtxAccessDecision | undefined {
      // The tracepoint record's hand table decides negative offsets too (they pass its unsigned test).
      if (off < 0) return LARGER_THAN_PROBED.has(progType) ? beyond?.decide(off, size, kind, signExtend) : deny;
      if (off >= CTX_PROBED_BYTES) return LARGER_THAN_PROBED.has(progType) ? beyond?.decide(off, size, kind, signExtend) : deny;
      if (off % size !== 0) return deny;
      if (kind === 'write') return writes.has(key(off, size)) ? { allowed: true, type: 'scalar' } : deny;
      const type = reads.get(key(off, size));
      if (type === undefined || (signExtend && !sx.has(key(off, size)))) return deny;
      return { allowed: true, type };
    },
  };
}

/** struct bpf_sock: reads the kernel allows through a socket pointer (bpf_sock_is_valid_access), measured
 * as the cgroup_sock reads of sock_create and both post_bind attach types together. */
const sockReads = new Set(['cgroup_sock', 'cgroup_sock@12', 'cgroup_sock@13'].flatMap((k) => CTX_ACCESS[k]?.reads ?? []).map(([o, s]) => key(o, s)));
/** bpf_sock_common_is_valid_access refuses type, protocol, mark and priority of a sock_common. */
const SOCK_COMMON_HIDDEN = { start: 8, end: 24 } as const;

export function sockReadAllowed(type: 'sock' | 'sock_common', off: number, size: number): boolean {
  if (type === 'sock_common' && off >= SOCK_COMMON_HIDDEN.start && off < SOCK_COMMON_HIDDEN.end) return false;
  return off >= 0 && off % size === 0 && sockReads.has(key(off, size));
}

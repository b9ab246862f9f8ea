// One instruction, one kind of pointer: the kernel rewrites loads and stores through a context or
// socket pointer per instruction (the context access conversion), so the first pointer type an
// instruction is verified with is remembered for the whole load, and a later path that reaches
// it with another type is refused if either type is one of those rewritten kinds.

import { reject } from './outcome.js';
import type { RegState } from './reg.js';

/** Pointer kinds whose accesses the kernel rewrites (6.18: ctx, sockets, BTF ids, arena). */
const REWRITTEN = new Set<string>(['ctx', 'sock', 'sock_common', 'tcp_sock', 'xdp_sock']);

export interface SeenPointerType { readonly key: string; readonly rewritten: boolean }

/** The first pointer type each load/store instruction was verified with, by instruction index. */
export type InsnPointerTypes = Map<number, SeenPointerType>;

export function pointerTypeOf(reg: RegState): SeenPointerType {
  const f = reg.flags;
  return { key: `${reg.type}${f.maybeNull ? '|null' : ''}${f.rdonly ? '|rdonly' : ''}${f.ringbuf ? '|ringbuf' : ''}`, rewritten: REWRITTEN.has(reg.type) };
}

/** Records `seen` for instruction `idx`, or refuses it when an earlier path saw a conflicting type. */
export function savePointerType(types: InsnPointerTypes, idx: number, seen: SeenPointerType): void {
  const prev = types.get(idx);
  if (prev === undefined) { types.set(idx, seen); return; }
  if (prev.key !== seen.key && (prev.rewritten || seen.rewritten)) reject('EINVAL', 'same insn cannot be used with different pointers');
}

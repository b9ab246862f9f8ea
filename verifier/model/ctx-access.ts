// Accesses through the context pointer and the pointers ctx loads give (check_mem_access's ctx,
// flow keys and socket branches): the program type's table decides, a read gives the field's
// register type.

import { formatTnum, tnumIsConst } from '../scalar/tnum.js';
import type { AccessKind, CtxFieldType } from '../tables/types.js';
import { btfCtxAccess } from './btf-ctx-access.js';
import { btfPointer } from './btf-pointer.js';
import type { Env } from './env.js';
import { notModelled, reject } from './outcome.js';
import { pointerReg, type RegState, unknownReg } from './reg.js';

/** sizeof(struct bpf_flow_keys) (uapi). */
const FLOW_KEYS_SIZE = 56;

function ctxLoadResult(type: CtxFieldType, env: Env): RegState {
  const orNull = { maybeNull: true, rdonly: false, ringbuf: false };
  switch (type) {
    case 'scalar': return unknownReg();
    case 'pkt': case 'pkt_meta': case 'pkt_end': case 'flow_keys': case 'sock': case 'tp_buffer': return pointerReg(type);
    case 'sock_common_or_null': return pointerReg('sock_common', { flags: orNull, id: env.nextId() });
    case 'sock_or_null': return pointerReg('sock', { flags: orNull, id: env.nextId() });
    default:
      if (type.startsWith('trusted_ptr:')) return btfPointer(type.slice('trusted_ptr:'.length), { trusted: true });
      notModelled(`a ctx field of type ${type}`);
  }
}

/** check_ctx_access: `off` includes the pointer's fixed offset (checked unmodified before). Returns what a read loads. */
export function checkCtxAccess(env: Env, off: number, size: 1 | 2 | 4 | 8, kind: AccessKind, signExtend: boolean): RegState | undefined {
  const { attach, kernelBtf } = env.opts;
  if (attach !== undefined && kernelBtf !== undefined) return btfCtxAccess(env, kernelBtf, attach, off, size, kind);
  const decision = env.opts.ctx?.decide(off, size, kind, signExtend);
  if (decision === undefined) notModelled(`ctx access off=${off} size=${size} for program type ${env.opts.progType}`);
  if (!decision.allowed) reject('EACCES', `invalid bpf_context access off=${off} size=${size}`);
  return kind === 'read' ? ctxLoadResult(decision.type, env) : undefined;
}

/** check_tp_buffer_access: any fixed offset from the buffer's start (the tracepoint's size is checked at attach). */
export function checkTpBufferAccess(reg: RegState, regno: number, off: number, size: number): void {
  if (off < 0) reject('EACCES', `R${regno} invalid tracepoint buffer access: off=${off}, size=${size}`);
  if (!tnumIsConst(reg.s.varOff) || reg.s.varOff.value !== 0n) reject('EACCES', `R${regno} invalid variable buffer offset: off=${off}, var_off=${formatTnum(reg.s.varOff)}`);
}

/** check_flow_keys_access: within struct bpf_flow_keys, by the fixed offset alone. */
export function checkFlowKeysAccess(reg: RegState, off: number, size: number): void {
  if (!tnumIsConst(reg.s.varOff) || reg.s.varOff.value !== 0n) notModelled('variable-offset flow keys access');
  if (off < 0 || off + size > FLOW_KEYS_SIZE) reject('EACCES', `invalid access to flow keys off=${off} size=${size}`);
}


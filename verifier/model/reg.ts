// One register's abstract state, as the kernel's struct bpf_reg_state holds it:
// a type with flags, a fixed offset for pointers, a scalar part (tnum and
// bounds: the value of a scalar, the variable offset of a pointer), ids that
// link registers (null checks, packet ranges) and the object a pointer points
// into (map, packet range, memory size).

import { cloneScalar, knownScalar, type Scalar, unknownScalar } from '../scalar/scalar.js';
import type { MapInfo } from './map-info.js';

export type RegType =
  | 'not_init' | 'scalar' | 'ctx' | 'map_ptr' | 'map_value' | 'map_key' | 'stack'
  | 'pkt' | 'pkt_meta' | 'pkt_end' | 'mem' | 'sock' | 'sock_common' | 'tcp_sock' | 'xdp_sock' | 'flow_keys' | 'func'
  /** PTR_TO_BTF_ID: a kernel object of the struct `btfName`. */
  | 'ptr'
  /** PTR_TO_TP_BUFFER: a writable tracepoint's buffer (raw_tracepoint_writable ctx slot 0). */
  | 'tp_buffer';

/** Type flags that the model tracks (a subset of the kernel's bpf_type_flag). */
export interface RegFlags {
  maybeNull: boolean;
  rdonly: boolean;
  ringbuf: boolean;
  /** PTR_TO_BTF_ID trust (PTR_TRUSTED, MEM_RCU, PTR_UNTRUSTED): see btf-pointer.ts. */
  trusted?: boolean;
  rcu?: boolean;
  untrusted?: boolean;
}

export interface RegState {
  type: RegType;
  /** Replaced, never written in place: the copies of a state share it (copyRegForState). */
  flags: RegFlags;
  /** Fixed offset of a pointer. */
  off: number;
  /** A scalar's value, or a pointer's variable offset. */
  s: Scalar;
  /** Shared identity: registers with the same id are the same pointer (null checks, packet ranges) or equal scalars. */
  id: number;
  /** Id of the reference this pointer holds (0 = none). */
  refObjId: number;
  /** For map_ptr, map_value, map_key. */
  map?: MapInfo;
  /** Packet pointers: bytes known to be in the packet from the variable base (negative: AT/BEYOND pkt_end). */
  range: number;
  /** mem pointers: size of the memory. */
  memSize: number;
  /** Stack pointers: the frame they point into. */
  frameno: number;
  /** ptr (PTR_TO_BTF_ID): the kernel struct it points to. */
  btfName?: string;
  /** Function pointers (ld_imm64 of a subprogram): the subprogram's index. */
  subprog?: number;
  /** A scalar whose exact value a check relied on (precision.ts); printed as `P`. */
  precise?: boolean;
}

/** Packet pointer range markers: the pointer equals pkt_end, or is beyond it (the kernel's AT_PKT_END, BEYOND_PKT_END). */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

const noFlags = (): RegFlags => ({ maybeNull: false, rdonly: false, ringbuf: false });

// Literals, not spreads of notInit(): the ALU builds one of these per instruction.
export function notInit(): RegState {
  return { type: 'not_init', flags: noFlags(), off: 0, s: unknownScalar(), id: 0, refObjId: 0, range: 0, memSize: 0, frameno: 0 };
}

/** The 11 registers of a new frame, none initialised (a literal: Array.from costs more than the registers). */
export function notInitRegs(): RegState[] {
  return [notInit(), notInit(), notInit(), notInit(), notInit(), notInit(), notInit(), notInit(), notInit(), notInit(), notInit()];
}

export function unknownReg(): RegState {
  return { type: 'scalar', flags: noFlags(), off: 0, s: unknownScalar(), id: 0, refObjId: 0, range: 0, memSize: 0, frameno: 0 };
}

export function constReg(value: bigint): RegState {
  return { type: 'scalar', flags: noFlags(), off: 0, s: knownScalar(value), id: 0, refObjId: 0, range: 0, memSize: 0, frameno: 0 };
}

/**
 * The source operand of an ALU or jump instruction with an immediate: one frozen register per
 * value, made once (such an instruction made a register, its scalar and its tnum every time the
 * walk processed it). Only read: frozen so that a write into it fails loudly.
 */
const immRegs = new Map<number, RegState>();
export function immReg(imm: number): RegState {
  let r = immRegs.get(imm);
  if (r === undefined) {
    r = constReg(BigInt.asUintN(64, BigInt(imm)));
    Object.freeze(r.flags);
    Object.freeze(r.s);
    Object.freeze(r);
    // Bounded: a program cannot make it grow without end across programs.
    if (immRegs.size >= 4096) immRegs.clear();
    immRegs.set(imm, r);
  }
  return r;
}

export function scalarReg(s: Scalar): RegState {
  return { type: 'scalar', flags: noFlags(), off: 0, s, id: 0, refObjId: 0, range: 0, memSize: 0, frameno: 0 };
}

/** A pointer of `type` at offset 0 with no variable part. */
export function pointerReg(type: RegType, extra: Partial<RegState> = {}): RegState {
  return { ...notInit(), type, s: knownScalar(0n), ...extra, flags: { ...noFlags(), ...extra.flags } };
}

/** Every field of a RegState, the optional ones too: a field added to RegState must be copied here (tsc says so). */
type EveryRegField = { [K in keyof Required<RegState>]: RegState[K] };
/** The same for the flags: a trust flag dropped by a clone made the current task untrusted. */
type EveryRegFlag = { [K in keyof Required<RegFlags>]: RegFlags[K] };

/** Every not_init register of a cloned state: nothing reads its fields, and it is frozen, so that
 * code that writes into a register in place instead of replacing it fails loudly here. */
const NOT_INIT_SHARED: RegState = (() => {
  const r = notInit();
  Object.freeze(r.flags);
  Object.freeze(r.s.varOff);
  Object.freeze(r.s);
  return Object.freeze(r);
})();

export function cloneReg(r: RegState): RegState {
  // Most registers of a state are not initialised: clones share one (states are cloned at every
  // branch and checkpoint, and the copies kept alive dominated the model's garbage collection).
  if (r.type === 'not_init') return NOT_INIT_SHARED;
  return copyWith(r, cloneScalar(r.s));
}

/** A register like `r` with scalar `s`: field by field, not a spread, so that every copy has one
 * shape, and copying is several times faster (states are copied at every branch and checkpoint). */
function copyWith(r: RegState, s: Scalar): RegState {
  const f = r.flags;
  const flags: EveryRegFlag = { maybeNull: f.maybeNull, rdonly: f.rdonly, ringbuf: f.ringbuf, trusted: f.trusted, rcu: f.rcu, untrusted: f.untrusted };
  const c: EveryRegField = {
    type: r.type, flags, off: r.off, s, id: r.id,
    refObjId: r.refObjId, map: r.map, range: r.range, memSize: r.memSize, frameno: r.frameno, btfName: r.btfName, subprog: r.subprog,
    precise: r.precise,
  };
  return c;
}

/**
 * A register of a state's copy (cloneFrame): a new register object, but its scalar is shared
 * with the original. The model never writes into the scalar of a register that is in a state
 * (it replaces `s`; a register copied to be changed is made with cloneReg), as the spilled
 * registers of stack slots are already shared between copies. Copying the scalar at every
 * branch and checkpoint was a third of the objects the walk allocated. The shared scalar is
 * frozen, so that code writing into it fails loudly (and frozen, the walk measured faster).
 */
export function copyRegForState(r: RegState): RegState {
  if (r.type === 'not_init') return NOT_INIT_SHARED;
  Object.freeze(r.s);
  // The flags are shared too, for the same reason (a changed flag replaces the object), and frozen.
  Object.freeze(r.flags);
  const c: EveryRegField = {
    type: r.type, flags: r.flags, off: r.off, s: r.s, id: r.id,
    refObjId: r.refObjId, map: r.map, range: r.range, memSize: r.memSize, frameno: r.frameno, btfName: r.btfName, subprog: r.subprog,
    precise: r.precise,
  };
  return c;
}

export const isPointer = (r: RegState): boolean => r.type !== 'scalar' && r.type !== 'not_init';
export const isPktPointer = (r: RegState): boolean => r.type === 'pkt' || r.type === 'pkt_meta';
export const isPktAny = (r: RegState): boolean => r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end';

/** A scalar whose value is the constant 0 (register_is_null). */
export const isNullScalar = (r: RegState): boolean =>
  r.type === 'scalar' && r.s.varOff.mask === 0n && r.s.varOff.value === 0n;

const baseName: Record<RegType, string> = {
  not_init: '?', scalar: 'scalar', ctx: 'ctx', map_ptr: 'map_ptr', map_value: 'map_value', map_key: 'map_key', stack: 'fp',
  pkt: 'pkt', pkt_meta: 'pkt_meta', pkt_end: 'pkt_end', mem: 'mem', sock: 'sock', sock_common: 'sock_common', tcp_sock: 'tcp_sock', xdp_sock: 'xdp_sock',
  flow_keys: 'flow_keys', ptr: 'ptr_', func: 'func', tp_buffer: 'tp_buffer',
};

/** The kernel's reg_type_str: flag prefixes, the base name, `_or_null`. */
export function regTypeStr(type: RegType, flags: Partial<RegFlags> = {}): string {
  let prefix = '';
  if (flags.rdonly) prefix += 'rdonly_';
  if (flags.ringbuf) prefix += 'ringbuf_';
  if (flags.rcu) prefix += 'rcu_';
  if (flags.untrusted) prefix += 'untrusted_';
  if (flags.trusted) prefix += 'trusted_';
  // A BTF pointer's base name ends in '_': its null form is ptr_or_null_.
  const postfix = flags.maybeNull ? (type === 'ptr' ? 'or_null_' : '_or_null') : '';
  return `${prefix}${baseName[type]}${postfix}`;
}

export const regStr = (r: RegState): string => regTypeStr(r.type, r.flags);

/** Pointer types that a register may spill to the stack (is_spillable_regtype). */
export function isSpillable(r: RegState): boolean {
  return r.type !== 'scalar' && r.type !== 'not_init';
}

// Loads and stores through a pointer (check_mem_access): alignment, then the
// region's own rules — ctx fields from the program type's table, map values
// and memory within their size, packet bytes within the verified range, the
// stack with its slots — and the loaded register's value.

import { markPrecise } from './precision.js';
import { formatTnum, tnumAdd, tnumConst, tnumIsAligned, tnumIsConst } from '../scalar/tnum.js';
import { truncateScalar } from '../scalar/alu.js';
import { signExtend64 } from '../scalar/sext.js';
import { asS32, knownScalar, S64_MIN } from '../scalar/scalar.js';
import type { AccessKind } from '../tables/types.js';
import { type Env, regs } from './env.js';
import { BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG } from './map-info.js';
import { checkMapPtrAccess } from './map-ptr-access.js';
import { notModelled, reject } from './outcome.js';
import { BPF_MAX_VAR_OFF } from './ptr-alu.js';
import { isPointer, type RegState, type RegType, regStr, scalarReg, unknownReg } from './reg.js';
import { checkSockAccess } from './sock.js';
import { checkBtfPointerAccess } from './btf-pointer.js';
import { checkMapFieldAccess } from './map-fields.js';
import { checkMapKptrAccess, kptrFieldAt } from './kptr.js';
import { checkPacketAlignment } from './packet-access.js';
import { checkCtxAccess, checkFlowKeysAccess, checkTpBufferAccess } from './ctx-access.js';
import { frozenMapRead } from './rodata.js';
import { growStack, stackReadFixed, stackReadVar, stackWriteFixed, stackWriteVar } from './stack.js';
import { MAX_BPF_STACK } from './state.js';

export interface AccessOptions {
  /** The register a load writes or a store reads (-1: none, as for BPF_ST or helper accesses). */
  readonly valueRegno: number;
  readonly signExtend?: boolean;
  /** The immediate of a BPF_ST. */
  readonly stImm?: number;
  /** Gives a scalar an id before it is copied to the stack. */
  readonly link?: (r: RegState) => void;
  /** Alignment is checked for every pointer type (atomics). */
  readonly strictAlignment?: boolean;
  /** The access is part of a BPF_ATOMIC instruction. */
  readonly atomic?: boolean;
}

/** Program types whose packet may be written directly (may_access_direct_pkt_data). */
const pktWriteTypes = new Set(['sched_cls', 'sched_act', 'xdp', 'lwt_xmit', 'sk_skb', 'sk_msg', 'cgroup_sockopt']);
const pktReadOnlyTypes = new Set(['lwt_in', 'lwt_out', 'lwt_seg6local', 'sk_reuseport', 'flow_dissector', 'cgroup_skb']);

export function mayAccessPacket(progType: string, kind: AccessKind): boolean {
  if (pktWriteTypes.has(progType)) return true;
  return pktReadOnlyTypes.has(progType) && kind === 'read';
}

/** __check_mem_access: one end of an access against a region of `memSize` bytes, with the region's message. */
function checkMemEnd(reg: RegState, regno: number, off: bigint, size: number, memSize: number, zeroSizeOk: boolean): string | undefined {
  const sizeOk = size > 0 || (size === 0 && zeroSizeOk);
  if (sizeOk && off >= 0n && BigInt(size) <= BigInt(memSize) - off) return undefined;
  const o = Number(BigInt.asIntN(32, off));
  switch (reg.type) {
    case 'map_key': return `invalid access to map key, key_size=${memSize} off=${o} size=${size}`;
    case 'map_value': return `invalid access to map value, value_size=${memSize} off=${o} size=${size}`;
    case 'pkt': case 'pkt_meta': case 'pkt_end': return `invalid access to packet, off=${o} size=${size}, R${regno}(id=${reg.id},off=${o},r=${memSize})`;
    default: return `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
  }
}

/** check_mem_region_access: both ends of a possibly variable-offset access within `memSize` bytes. */
export function checkMemRegion(reg: RegState, regno: number, off: number, size: number, memSize: number, zeroSizeOk: boolean): void {
  const s = reg.s;
  const o = BigInt(off);
  if (s.smin < 0n && (s.smin === S64_MIN || o + s.smin !== asS32(o + s.smin) || s.smin + o < 0n)) {
    reject('EACCES', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  const low = checkMemEnd(reg, regno, s.smin + o, size, memSize, zeroSizeOk);
  if (low !== undefined) reject('EACCES', low, `R${regno} min value is outside of the allowed memory range`);
  if (s.umax >= BPF_MAX_VAR_OFF) reject('EACCES', `R${regno} unbounded memory access, make sure to bounds check any such access`);
  const high = checkMemEnd(reg, regno, s.umax + o, size, memSize, zeroSizeOk);
  if (high !== undefined) reject('EACCES', high, `R${regno} max value is outside of the allowed memory range`);
}

/** check_packet_access. */
export function checkPacketAccess(reg: RegState, regno: number, off: number, size: number, zeroSizeOk: boolean): void {
  if (reg.s.smin < 0n) reject('EACCES', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  const err = reg.range < 0 ? '' : checkMemEnd(reg, regno, BigInt(off), size, reg.range, zeroSizeOk);
  if (err !== undefined) reject(err === '' ? 'EINVAL' : 'EACCES', ...(err === '' ? [] : [err]), `R${regno} offset is outside of the packet`);
}

/** check_map_access_type: maps the program may only read or only write. */
export function checkMapAccessType(reg: RegState, off: number, size: number, kind: AccessKind): void {
  const flags = reg.map?.flags ?? 0;
  const vs = reg.map?.valueSize ?? 0;
  if (kind === 'write' && (flags & BPF_F_RDONLY_PROG) !== 0) reject('EACCES', `write into map forbidden, value_size=${vs} off=${off} size=${size}`);
  if (kind === 'read' && (flags & BPF_F_WRONLY_PROG) !== 0) reject('EACCES', `read from map forbidden, value_size=${vs} off=${off} size=${size}`);
}

/** __check_ptr_off_reg: ctx (and similar) pointers are used only unmodified. */
export function checkPtrOffReg(reg: RegState, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0) reject('EACCES', `negative offset ${regStr(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (!fixedOffOk && reg.off !== 0) reject('EACCES', `dereference of modified ${regStr(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.s.varOff) || reg.s.varOff.value !== 0n) reject('EACCES', `variable ${regStr(reg)} access var_off=${formatTnum(reg.s.varOff)} disallowed`);
}

/** check_stack_access_within_bounds; returns the touched range [min, max). */
export function checkStackBounds(env: Env, reg: RegState, regno: number, off: number, size: number, what: ' read from' | ' write to' | ' indirect access to'): { min: number; max: number } {
  let min: bigint;
  let max: bigint;
  if (tnumIsConst(reg.s.varOff)) {
    min = BigInt.asIntN(64, reg.s.varOff.value) + BigInt(off);
    max = min + BigInt(size);
  } else {
    if (reg.s.smax >= BPF_MAX_VAR_OFF || reg.s.smin <= -BPF_MAX_VAR_OFF) reject('EACCES', `invalid unbounded variable-offset${what} stack R${regno}`);
    min = reg.s.smin + BigInt(off);
    max = reg.s.smax + BigInt(off) + BigInt(size);
  }
  const writeOrRoot = what === ' write to' || env.opts.privileged;
  let errno: 'EACCES' | 'EINVAL' | undefined;
  if (!writeOrRoot && !tnumIsConst(reg.s.varOff)) notModelled('unprivileged variable-offset stack reads');
  // Without allow_uninit_stack a read must stay within the stack written so far (check_stack_slot_within_bounds).
  const lowest = writeOrRoot ? -BigInt(MAX_BPF_STACK) : -BigInt(env.state.frames[reg.frameno]!.allocated);
  if (min < lowest || min > -1n) errno = 'EACCES';
  else if (max > 0n) errno = 'EINVAL';
  if (errno !== undefined) {
    if (tnumIsConst(reg.s.varOff)) reject(errno, `invalid${what} stack R${regno} off=${off} size=${size}`);
    reject(errno, `invalid variable-offset${what} stack R${regno} var_off=${formatTnum(reg.s.varOff)} off=${off} size=${size}`);
  }
  const frame = env.state.frames[reg.frameno]!;
  growStack(frame, Number(min));
  return { min: Number(min), max: Number(max) };
}

/** How the 6.18 kernel prints a variable offset in messages: a constant as a number. */
export function tnumText(t: { value: bigint; mask: bigint }): string {
  return t.mask === 0n ? BigInt.asIntN(64, t.value).toString() : formatTnum(t);
}

const alignDesc: Partial<Record<RegType, string>> = { map_key: 'key ', map_value: 'value ', ctx: 'context ', stack: 'stack ', flow_keys: 'flow keys ', sock: 'sock ' };

/** check_ptr_alignment without BPF_F_STRICT_ALIGNMENT on an efficient-unaligned-access host: only the stack is strict. */
export function checkAlignment(reg: RegState, off: number, size: number, strict: boolean): void {
  if (reg.type === 'pkt' || reg.type === 'pkt_meta') {
    if (strict) checkPacketAlignment(reg, off, size);
    return;
  }
  if ((reg.type !== 'stack' && !strict) || size === 1) return;
  const at = tnumAdd(reg.s.varOff, tnumConst(BigInt.asUintN(64, BigInt(reg.off + off))));
  if (!tnumIsAligned(at, BigInt(size))) {
    reject('EACCES', `misaligned ${alignDesc[reg.type] ?? ''}access off ${tnumText(reg.s.varOff)}+${reg.off}+${off} size ${size}`);
  }
}

/**
 * check_mem_access: `size` bytes at `insnOff` from the pointer in `regno`, read or written.
 * A read with a value register sets it.
 */
export function checkMemAccess(env: Env, regno: number, insnOff: number, size: 1 | 2 | 4 | 8, kind: AccessKind, o: AccessOptions): void {
  const rs = regs(env);
  const reg = rs[regno]!;
  checkAlignment(reg, insnOff, size, (o.strictAlignment ?? false) || (env.opts.strictAlignment ?? false));
  const off = insnOff + reg.off;
  const value = o.valueRegno >= 0 ? rs[o.valueRegno] : undefined;
  let loaded: RegState | undefined;
  let handled = true;
  switch (reg.type) {
    case 'map_value': {
      if (reg.flags.maybeNull) { handled = false; break; }
      // Without allow_ptr_leaks (a loader without CAP_PERFMON).
      if (kind === 'write' && value !== undefined && !env.opts.privileged && isPointer(value)) reject('EACCES', `R${o.valueRegno} leaks addr into map`);
      checkMapAccessType(reg, off, size, kind);
      checkMemRegion(reg, regno, off, size, reg.map!.valueSize, false);
      checkMapFieldAccess(reg, off, size, true);
      const kptr = kptrFieldAt(reg, off);
      if (kptr !== undefined) loaded = checkMapKptrAccess(env, kptr, { kind, ...o }, value);
      else if (kind === 'read') { const v = frozenMapRead(reg, off, size); loaded = v === undefined ? unknownReg() : scalarReg(knownScalar(v)); }
      break;
    }
    case 'map_key': {
      if (kind === 'write') reject('EACCES', `write to change key R${regno} not allowed`);
      checkMemRegion(reg, regno, off, size, reg.map!.keySize, false);
      loaded = unknownReg();
      break;
    }
    case 'mem': {
      if (reg.flags.maybeNull) { handled = false; break; }
      if (kind === 'write' && reg.flags.rdonly) reject('EACCES', `R${regno} cannot write into ${regStr(reg)}`);
      checkMemRegion(reg, regno, off, size, reg.memSize, false);
      if (kind === 'read') loaded = unknownReg();
      break;
    }
    case 'ctx': {
      checkPtrOffReg(reg, regno, false);
      loaded = checkCtxAccess(env, off, size, kind, o.signExtend ?? false);
      break;
    }
    case 'tp_buffer':
      checkTpBufferAccess(reg, regno, off, size);
      if (kind === 'read') loaded = unknownReg();
      break;
    case 'flow_keys': {
      checkFlowKeysAccess(reg, off, size);
      if (kind === 'read') loaded = unknownReg();
      break;
    }
    case 'stack': {
      const what = kind === 'read' ? ' read from' : ' write to';
      const { min, max } = checkStackBounds(env, reg, regno, off, size, what);
      const frame = env.state.frames[reg.frameno]!;
      const constant = tnumIsConst(reg.s.varOff);
      if (kind === 'read') {
        env.stackLive?.read(reg.frameno, env.insnIdx, min, max);
        if (o.valueRegno < 0 && !constant) {
          reject('EACCES', `variable offset stack pointer cannot be passed into helper function; var_off=${formatTnum(reg.s.varOff)} off=${off} size=${size}`);
        }
        loaded = constant
          ? stackReadFixed(env, frame, min, size, o.valueRegno >= 0)
          : stackReadVar(frame, min, max);
      } else if (constant) {
        env.stackLive?.write(reg.frameno, min, size);
        if (stackWriteFixed(env, frame, min, size, value, o.stImm, o.link ?? (() => {})) && o.valueRegno >= 0) markPrecise(env, o.valueRegno);
      } else {
        const zero = (value !== undefined && value.type === 'scalar' && tnumIsConst(value.s.varOff) && value.s.varOff.value === 0n) || (value === undefined && o.stImm === 0);
        if (stackWriteVar(frame, min, max, zero) && o.valueRegno >= 0) markPrecise(env, o.valueRegno);
      }
      break;
    }
    case 'pkt': case 'pkt_meta': {
      if (kind === 'write' && !mayAccessPacket(env.opts.progType, 'write')) reject('EACCES', 'cannot write into packet');
      checkPacketAccess(reg, regno, off, size, false);
      if (kind === 'read') loaded = unknownReg();
      break;
    }
    case 'map_ptr':
      if (reg.flags.maybeNull) { handled = false; break; }
      loaded = checkMapPtrAccess(env, reg, regno, off, size, kind);
      break;
    case 'sock': case 'sock_common': case 'tcp_sock': case 'xdp_sock':
      if (reg.flags.maybeNull) { handled = false; break; }
      loaded = checkSockAccess(reg, regno, off, size, kind);
      break;
    case 'ptr':
      if (reg.flags.maybeNull) { handled = false; break; }
      loaded = checkBtfPointerAccess(env, reg, regno, off, size, kind);
      break;
    case 'scalar': case 'pkt_end': case 'not_init':
      handled = false;
      break;
    default:
      notModelled(`memory access through ${regStr(reg)}`);
  }
  if (!handled) reject('EACCES', `R${regno} invalid mem access '${regStr(reg)}'`);
  if (kind === 'read' && o.valueRegno >= 0) {
    let r = loaded ?? unknownReg();
    // coerce_reg_to_size keeps the id a narrow fill kept (the value fits in `size` bytes).
    if (r.type === 'scalar' && size < 8) r = o.signExtend ? scalarReg(signExtend64(r.s, size as 1 | 2 | 4)) : { ...scalarReg(truncateScalar(r.s, size as 1 | 2 | 4)), id: r.id };
    else if (r.type === 'scalar' && o.signExtend) r = scalarReg(r.s);
    rs[o.valueRegno] = r;
  }
}

// Helper calls (check_helper_call): availability, each argument against its
// prototype in order, the memory a pointer argument names, then the caller-saved
// registers are clobbered and R0 takes the return type.

import { markPrecise, markSlotPrecise } from './precision.js';
import { updateLoopInline } from './loop-inline.js';
import { tnumIsConst } from '../scalar/tnum.js';
import type { HelperArgType, HelperPrototype } from '../tables/types.js';
import { HELPER_ID_LIMIT } from '../tables/helpers.js';
import { otherSocketHelperVariant } from '../tables/socket-helpers.js';
import { type Env, readReg, regs } from './env.js';
import { type MapKptr, MapType } from './map-info.js';
import { checkAlignment, checkMapAccessType, checkMemRegion, checkPacketAccess, checkPtrOffReg } from './memory.js';

/** The size of ARG_PTR_TO_LONG's memory (sizeof(long)), and of the 4-byte fixed-size argument. */
const LONG_SIZE = 8;
const INT_SIZE = 4;
import { mayHelperAccessPacket } from './packet-access.js';
import { notModelled, reject } from './outcome.js';
import { BPF_MAX_VAR_OFF } from './ptr-alu.js';
import { markTailCallKey, recordTailCallMap, TAIL_CALL } from './tail-call.js';
import { isNullScalar, isPointer, notInit, pointerReg, type RegState, type RegType, regStr, regTypeStr, unknownReg } from './reg.js';
import { checkStackBounds } from './memory.js';
import { constantStackValue, stackHelperAccess, stackWriteFixed } from './stack.js';
import { guardCapBpfHelperArgs, stackHelperReadUnprivileged } from './cap-bpf.js';
import { acquireReference, releaseReference } from './references.js';
import { checkSockArg, sockReturn } from './sock.js';
import { btfHelperReturn } from './btf-pointer.js';
import { BPF_FUNC_SPIN_LOCK, checkSpinLockArg, processSpinLock } from './spin-lock.js';
import { checkMapFieldAccess } from './map-fields.js';
import { checkKptrXchgDest, checkKptrXchgValue, kptrXchgReturn, processKptrFunc } from './kptr.js';
import { acquiresFromMap, checkSockmapCompat, isSockmap, sockmapValueArg } from './sockmap.js';
import { SIZE_BOUNDED_RESULT } from '../tables/context-helpers.js';
import { clearAllPktPointers } from './pkt-invalidate.js';
import { checkKeylessMapHelper, KEYLESS_MAPS } from './queue-maps.js';
import { sizeBoundedResult } from './helper-result.js';
import { checkMapSide, checkReadOnlyMap } from './map-compat.js';
import { innerMapPointer, isMapOfMaps } from './map-of-maps.js';
import { checkLocalStorageFlags, GET_LOCAL_STORAGE, localStorageValue } from './local-storage.js';
import { checkHelperBtfIdArg } from './callback-helpers.js';
import { LOOP } from './callbacks.js';
import { helperMightSleep } from './rcu.js';

/** Register types an argument kind accepts, in the kernel's order (compatible_reg_types). */
const memTypes: [RegType, string][] = [
  ['stack', 'fp'], ['pkt', 'pkt'], ['pkt_meta', 'pkt_meta'], ['map_key', 'map_key'], ['map_value', 'map_value'], ['mem', 'mem'],
  ['mem', 'ringbuf_mem'], ['mem', 'buf'], ['mem', 'trusted_ptr_'],
];

interface Meta {
  map?: NonNullable<RegState['map']>;
  constMapKey?: bigint;
  rawMode: boolean;
  memSize?: number;
  refObjId: number;
  /** The size argument's largest value (msize_max_value). */
  msizeMax?: bigint;
  /** Uninitialised memory the helper writes: [regno, size]. */
  rawAccess?: { regno: number; size: number };
  /** bpf_kptr_xchg's destination field. */
  kptr?: MapKptr;
}

function typeMismatch(regno: number, reg: RegState, expected: string[]): never {
  reject('EACCES', `R${regno} type=${regStr(reg)} expected=${expected.join(', ')}`);
}

/** check_reg_type for the argument kinds the model knows. */
function checkRegType(env: Env, regno: number, reg: RegState, arg: HelperArgType, meta: Meta): void {
  const mem = (): void => {
    const ok = (['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value'] as RegType[]).includes(reg.type) && !reg.flags.maybeNull
      || (reg.type === 'mem' && !reg.flags.maybeNull && (!reg.flags.rdonly || arg === 'mem' || arg === 'mem_or_null'));
    if (!ok) typeMismatch(regno, reg, memTypes.map(([, n]) => n));
  };
  const btfStruct = arg.startsWith('btf_id:') ? arg.slice('btf_id:'.length) : arg.startsWith('btf_id_or_null:') ? arg.slice('btf_id_or_null:'.length) : undefined;
  if (btfStruct !== undefined) {
    // btf_ptr_types: anything but a BTF pointer is the wrong type.
    if (reg.type !== 'ptr') typeMismatch(regno, reg, ['ptr_', 'trusted_ptr_', 'rcu_ptr_']);
    checkHelperBtfIdArg(regno, reg, btfStruct);
    return;
  }
  switch (arg) {
    case 'const_map_ptr': if (reg.type !== 'map_ptr' || reg.flags.maybeNull) typeMismatch(regno, reg, ['map_ptr']); return;
    case 'ctx': case 'ctx_or_null': if (reg.type !== 'ctx') typeMismatch(regno, reg, ['ctx']); return;
    case 'const_size': case 'const_size_or_zero': case 'const_alloc_size_or_zero':
      if (reg.type !== 'scalar') typeMismatch(regno, reg, ['scalar']); return;
    case 'map_key': case 'map_value': case 'map_value_or_null': case 'uninit_map_value': case 'mem': case 'mem_or_null': case 'uninit_mem': case 'long': case 'int':
      mem(); return;
    case 'ringbuf_mem_release':
      if (!(reg.type === 'mem' && reg.flags.ringbuf && !reg.flags.maybeNull)) typeMismatch(regno, reg, ['ringbuf_mem']);
      return;
    case 'stack': case 'stack_or_null': if (reg.type !== 'stack') typeMismatch(regno, reg, ['fp']); return;
    case 'func': if (reg.type !== 'func') typeMismatch(regno, reg, ['func']); return;
    case 'sock_common': case 'btf_id_sock_common': checkSockArg(regno, reg, arg); return;
    // fullsock_types; a socket that may be NULL fits an argument that may be NULL.
    case 'socket_or_null': if (reg.type !== 'sock') typeMismatch(regno, reg, ['sock']); return;
    case 'spin_lock': checkSpinLockArg(regno, reg); return;
    case 'kptr_xchg_dest': checkKptrXchgDest(reg, regno); return;
    case 'btf_id_or_null_release': checkKptrXchgValue(env, reg, regno, meta.kptr); return;
    // The model has no percpu BTF pointers (MEM_PERCPU), so no register fits.
    case 'percpu_btf_id': typeMismatch(regno, reg, ['percpu_ptr_', 'percpu_rcu_ptr_', 'percpu_trusted_ptr_']);
    default: notModelled(`helper argument kind ${arg}`);
  }
}

/** check_func_arg_reg_off: pointers other than memory-like ones must be unmodified. */
function checkArgRegOff(regno: number, reg: RegState, arg: HelperArgType, release: boolean): void {
  if (release) {
    if (reg.off !== 0) reject('EACCES', `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
    checkPtrOffReg(reg, regno, false);
    return;
  }
  if (['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'scalar'].includes(reg.type)) return;
  checkPtrOffReg(reg, regno, false);
}

/** check_helper_mem_access: `size` bytes at the pointer in `regno` for a helper. */
export function helperMemAccess(env: Env, regno: number, size: number, write: boolean, zeroOk: boolean, meta: Meta | undefined): void {
  const reg = regs(env)[regno]!;
  switch (reg.type) {
    case 'pkt': case 'pkt_meta':
      checkPacketAccess(reg, regno, reg.off, size, zeroOk); return;
    case 'map_key':
      if (write) reject('EACCES', `R${regno} cannot write into ${regStr(reg)}`);
      checkMemRegion(reg, regno, reg.off, size, reg.map!.keySize, false); return;
    case 'map_value':
      checkMapAccessType(reg, reg.off, size, write ? 'write' : 'read');
      checkMemRegion(reg, regno, reg.off, size, reg.map!.valueSize, zeroOk);
      checkMapFieldAccess(reg, reg.off, size, false);
      return;
    case 'mem':
      if (reg.flags.rdonly && write) reject('EACCES', `R${regno} cannot write into ${regStr(reg)}`);
      checkMemRegion(reg, regno, reg.off, size, reg.memSize, zeroOk); return;
    case 'stack': {
      if (size === 0 && !zeroOk) reject('EACCES', 'invalid zero-sized read');
      const { min, max } = checkStackBounds(env, reg, regno, reg.off, size, write ? ' write to' : ' read from');
      const frame = env.state.frames[reg.frameno]!;
      if (!env.opts.privileged && !tnumIsConst(reg.s.varOff)) notModelled('a variable-offset stack access by a helper without CAP_PERFMON');
      if (meta?.rawMode && tnumIsConst(reg.s.varOff)) { meta.rawAccess = { regno, size }; return; }
      env.stackLive?.read(reg.frameno, env.insnIdx, min, max);
      if (!env.opts.privileged) stackHelperReadUnprivileged(env, reg.frameno, regno, min, max, write);
      stackHelperAccess(frame, min, tnumIsConst(reg.s.varOff) ? max : max, write);
      return;
    }
    default:
      if (zeroOk && size === 0 && isNullScalar(reg)) return;
      reject('EACCES', `R${regno} type=${regStr(reg)} expected=${regTypeStr('stack')}`);
  }
}

/** check_mem_size_reg: the size argument bounds the previous argument's access. */
function checkMemSize(env: Env, regno: number, reg: RegState, write: boolean, zeroOk: boolean, meta: Meta): void {
  const m = tnumIsConst(reg.s.varOff) ? meta : undefined;
  if (reg.s.smin < 0n) reject('EACCES', `R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (reg.s.umin === 0n && !zeroOk) reject('EACCES', `R${regno} invalid zero-sized read: u64=[${reg.s.umin},${reg.s.umax}]`);
  if (reg.s.umax >= BPF_MAX_VAR_OFF) reject('EACCES', `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  helperMemAccess(env, regno - 1, Number(reg.s.umax), write, zeroOk, m);
  markPrecise(env, regno);
}

function checkArg(env: Env, fn: HelperPrototype, i: number, meta: Meta): void {
  let arg = fn.args[i] ?? 'dontcare';
  const regno = i + 1;
  if (arg === 'dontcare') return;
  if (arg === 'unmodelled') notModelled(`an argument of ${fn.name}`);
  const reg = readReg(env, regno);
  if (arg === 'anything') {
    if (!env.opts.privileged && isPointer(reg)) reject('EACCES', `R${regno} leaks addr into helper function`);
    return;
  }
  if ((reg.type === 'pkt' || reg.type === 'pkt_meta') && !mayHelperAccessPacket(env.opts.progType, fn)) reject('EACCES', 'helper access to the packet is not allowed');
  if ((arg === 'map_value' || arg === 'map_value_or_null' || arg === 'uninit_map_value') && isSockmap(meta.map)) arg = sockmapValueArg(arg);
  const nullable = arg === 'mem_or_null' || arg === 'map_value_or_null' || arg === 'stack_or_null' || arg === 'ctx_or_null' || arg === 'btf_id_or_null_release' || arg === 'socket_or_null'
    || arg.startsWith('btf_id_or_null:');
  if (!(isNullScalar(reg) && nullable)) {
    checkRegType(env, regno, reg, arg, meta);
    checkArgRegOff(regno, reg, arg, fn.releasesArg === i);
  } else markPrecise(env, regno);
  if (fn.releasesArg === i && reg.refObjId === 0 && !isNullScalar(reg)) reject('EINVAL', `R${regno} must be referenced when passed to release function`);
  if (reg.refObjId !== 0) meta.refObjId = reg.refObjId;
  switch (arg) {
    case 'const_map_ptr': meta.map = reg.map; break;
    case 'map_key': {
      if (meta.map === undefined) reject('EACCES', 'invalid map_ptr to access map->key');
      helperMemAccess(env, regno, meta.map.keySize, false, false, undefined);
      if ((meta.map.type === MapType.ARRAY || meta.map.type === MapType.PERCPU_ARRAY) && (env.opts.privileged || env.opts.capBpfOnly === true) && env.opts.unprivileged !== true && reg.type === 'stack' && tnumIsConst(reg.s.varOff)) {
        const key = constantStackValue(env.state.frames[reg.frameno]!, reg.off + Number(BigInt.asIntN(64, reg.s.varOff.value)), meta.map.keySize);
        // A key spilled from a register is relied on: its slot is marked precise.
        if (key?.spi !== undefined) markSlotPrecise(env, reg.frameno, key.spi);
        meta.constMapKey = key?.value;
      }
      break;
    }
    case 'map_value': case 'map_value_or_null': case 'uninit_map_value':
      if (nullable && isNullScalar(reg)) return;
      if (meta.map === undefined) reject('EACCES', 'invalid map_ptr to access map->value');
      meta.rawMode = arg === 'uninit_map_value';
      helperMemAccess(env, regno, meta.map.valueSize, arg === 'uninit_map_value', false, meta);
      break;
    case 'mem': case 'mem_or_null': case 'uninit_mem':
      meta.rawMode = arg === 'uninit_mem';
      break;
    case 'const_size': case 'const_size_or_zero':
      meta.msizeMax = reg.s.umax;
      checkMemSize(env, regno, reg, fn.args[i - 1] === 'uninit_mem', arg === 'const_size_or_zero', meta);
      break;
    case 'spin_lock':
      processSpinLock(env, regno, reg, fn.id === BPF_FUNC_SPIN_LOCK);
      break;
    case 'kptr_xchg_dest':
      meta.kptr = processKptrFunc(reg, regno);
      break;
    case 'long':
      // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED: 8 aligned bytes the helper writes.
      meta.rawMode = true;
      helperMemAccess(env, regno, LONG_SIZE, true, false, meta);
      checkAlignment(reg, 0, LONG_SIZE, true);
      break;
    case 'int':
      // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED: 4 aligned bytes the helper reads and writes.
      meta.rawMode = false;
      helperMemAccess(env, regno, INT_SIZE, true, false, meta);
      checkAlignment(reg, 0, INT_SIZE, true);
      break;
    case 'const_alloc_size_or_zero':
      if (!tnumIsConst(reg.s.varOff)) reject('EACCES', `R${regno} is not a known constant'`);
      meta.memSize = Number(reg.s.varOff.value);
      markPrecise(env, regno);
      break;
    default: break;
  }
}

/** check_map_func_compatibility for the map types the model knows. */
function checkMapCompat(env: Env, fn: HelperPrototype, meta: Meta): void {
  if (meta.map === undefined) return;
  const t = meta.map.type;
  if (isSockmap(meta.map)) checkSockmapCompat(env, fn, meta.map);
  else if (KEYLESS_MAPS.includes(t)) checkKeylessMapHelper(fn, t);
  else checkMapSide(fn, t);
  if (fn.mapTypes !== undefined && !fn.mapTypes.includes(t)) reject('EINVAL', `cannot pass map_type ${t} into func ${fn.name}#${fn.id}`);
}


/** check_helper_call for `call id`. */
export function checkHelperCall(env: Env, id: number): void {
  if (id < 0 || id >= HELPER_ID_LIMIT) reject('EINVAL', `invalid func unknown#${id}`);
  const fn = env.opts.helper(id);
  const available = env.opts.helperAvailable(id);
  if (fn === undefined || available === undefined || otherSocketHelperVariant(id, env.opts.progType)) notModelled(`helper #${id} for program type ${env.opts.progType}`);
  if (!available) reject('EINVAL', `program of this type cannot use helper ${fn.name}#${id}`);
  if (!env.opts.gpl && fn.gplOnly) reject('EINVAL', 'cannot call GPL-restricted function from non-GPL compatible program');
  if (!env.opts.gpl && fn.gplVaries === true) notModelled(`${fn.name} in a non-GPL program`);
  if (env.opts.sleepable !== true && helperMightSleep(id, false)) reject('EINVAL', 'helper call might sleep in a non-sleepable prog');
  if (env.opts.capBpfOnly === true) guardCapBpfHelperArgs(env, fn.args);
  const meta: Meta = { rawMode: false, refObjId: 0 };
  for (let i = 0; i < 5; i++) checkArg(env, fn, i, meta);
  if (meta.map !== undefined) checkReadOnlyMap(fn, meta.map);
  // record_func_key: a tail call's index known in range is relied on (the call may be made direct).
  if (fn.id === TAIL_CALL && meta.map !== undefined) markTailCallKey(env, meta.map);
  if (fn.id === GET_LOCAL_STORAGE) { checkLocalStorageFlags(regs(env)[2]!); markPrecise(env, 2); }
  checkMapCompat(env, fn, meta);
  if (fn.id === TAIL_CALL && env.aluSanitation !== undefined) recordTailCallMap(env.aluSanitation, env.insnIdx, meta.map);
  const rs = regs(env);
  if (meta.rawAccess !== undefined) {
    const ptr = rs[meta.rawAccess.regno]!;
    const frame = env.state.frames[ptr.frameno]!;
    const base = ptr.off + Number(BigInt.asIntN(64, ptr.s.varOff.value));
    for (let b = 0; b < meta.rawAccess.size; b++) stackWriteFixed(env, frame, base + b, 1, undefined, undefined, () => {});
  }
  if (fn.releasesArg !== undefined && meta.refObjId !== 0) releaseReference(env, meta.refObjId);
  if (id === LOOP) {
    if (env.loopInline !== undefined) updateLoopInline(env, env.loopInline, rs[2]!.subprog);
    // bpf_loop's iterations end by R1's value.
    markPrecise(env, 1);
  }
  for (const r of [1, 2, 3, 4, 5]) rs[r] = notInit();
  switch (fn.ret) {
    case 'integer': rs[0] = SIZE_BOUNDED_RESULT.has(fn.id) && meta.msizeMax !== undefined ? sizeBoundedResult(meta.msizeMax) : unknownReg(); break;
    case 'void': rs[0] = notInit(); break;
    case 'map_value_or_null': {
      const map = meta.map!;
      if (isSockmap(map)) { rs[0] = sockReturn(env, 'socket_or_null')!; break; }
      if (isMapOfMaps(map)) { rs[0] = innerMapPointer(env, map); break; }
      // 6.18 types an xskmap's element at the call: an AF_XDP socket (struct bpf_xdp_sock).
      if (map.type === MapType.XSKMAP) { rs[0] = pointerReg('xdp_sock', { flags: { maybeNull: true, rdonly: false, ringbuf: false }, id: env.nextId() }); break; }
      const elide = (map.type === MapType.ARRAY || map.type === MapType.PERCPU_ARRAY) && meta.constMapKey !== undefined && meta.constMapKey >= 0n && meta.constMapKey < BigInt(map.maxEntries);
      rs[0] = pointerReg('map_value', { map, flags: { maybeNull: !elide, rdonly: false, ringbuf: false } });
      // A value that may hold a spin lock keeps an id even when it cannot be NULL.
      if (!elide || map.spinLockOff !== undefined) rs[0].id = env.nextId();
      break;
    }
    case 'map_value': rs[0] = localStorageValue(env, meta.map!); break;
    case 'ringbuf_mem_or_null': {
      const r = pointerReg('mem', { memSize: meta.memSize ?? 0, flags: { maybeNull: true, rdonly: false, ringbuf: true } });
      r.id = env.nextId();
      rs[0] = r;
      break;
    }
    case 'kptr_or_null': rs[0] = kptrXchgReturn(env, meta.kptr); break;
    default: rs[0] = sockReturn(env, fn.ret) ?? btfHelperReturn(fn.ret) ?? notModelled(`the return type of ${fn.name}`);
  }
  if (fn.changesPktData) clearAllPktPointers(env.state, env.opts.privileged);
  // The cast's result holds its argument's reference; an acquired object gets a new one.
  if (fn.castsPointer) rs[0].refObjId = meta.refObjId;
  else if (fn.acquires || acquiresFromMap(fn, meta.map)) {
    const ref = acquireReference(env);
    rs[0].id = ref;
    rs[0].refObjId = ref;
  }
}

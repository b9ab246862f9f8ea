// Calls of global functions (check_func_call for a BTF_FUNC_GLOBAL subprogram): the kernel checks
// the caller's R1-R5 against the function's BTF prototype, assumes the function valid, and gives
// the caller an unknown scalar in R0; the function itself is verified later on its own, from its
// prototype (do_check_common), and must return a scalar.

import type { Instruction } from '../../isa/index.js';
import { KFUNCS } from '../tables/kfuncs.js';
import type { FunctionInfo } from '../options.js';
import { type Env, type ModelOptions, readReg, regs } from './env.js';
import { btfPointer } from './btf-pointer.js';
import { type GlobalArg, globalPrototype } from './global-prototype.js';
import { helperMemAccess } from './helper-call.js';
import { checkMemAccess, checkPtrOffReg } from './memory.js';
import { TAIL_CALL } from './tail-call.js';
import { type ModelErrno, notModelled, reject, Rejection } from './outcome.js';
import { clearAllPktPointers } from './pkt-invalidate.js';
import { helperMightSleep } from './rcu.js';
import { isNullScalar, notInit, pointerReg, type RegState, regStr, unknownReg, notInitRegs } from './reg.js';
import { checkResourceLeak, heldLock } from './references.js';
import type { VerifierState } from './state.js';


/** What running a subprogram may do to its caller, through every subprogram it calls. */
export interface SubprogEffects {
  /** It may move the packet (a helper that changes packet data, or a tail call): the caller's packet pointers go. */
  readonly changesPktData: boolean;
  /** It may sleep (or calls a kfunc the model cannot vouch for). */
  readonly mightSleep: boolean;
}

/** Each subprogram's effects, propagated from callees to callers over the static call graph. */
export function subprogEffects(insns: readonly (Instruction | undefined)[], starts: readonly number[], opts: ModelOptions): SubprogEffects[] {
  const subOf = (slot: number): number => { let s = 0; starts.forEach((st, i) => { if (st <= slot) s = i; }); return s; };
  const pkt = starts.map(() => false);
  const sleep = starts.map(() => false);
  const calls: [number, number][] = [];
  insns.forEach((insn, i) => {
    if (insn?.kind !== 'call') return;
    const s = subOf(i);
    if (insn.callee === 'local') calls.push([s, subOf(i + insn.imm + 1)]);
    else if (insn.callee === 'helper') {
      if (insn.imm === TAIL_CALL || opts.helper(insn.imm)?.changesPktData === true) pkt[s] = true;
      if (helperMightSleep(insn.imm, opts.sleepable === true)) sleep[s] = true;
    } else {
      const name = opts.kernelBtf?.nameOf(insn.imm);
      const e = name === undefined ? undefined : KFUNCS[name];
      if (e === undefined || e.flags.includes('sleepable')) sleep[s] = true;
    }
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const [caller, callee] of calls) {
      if (pkt[callee] && !pkt[caller]) { pkt[caller] = true; changed = true; }
      if (sleep[callee] && !sleep[caller]) { sleep[caller] = true; changed = true; }
    }
  }
  return starts.map((_, i) => ({ changesPktData: pkt[i]!, mightSleep: sleep[i]! }));
}

const prototypeOf = (env: Env, fn: FunctionInfo): ReturnType<typeof globalPrototype> =>
  globalPrototype(fn, env.opts.progType, env.opts.expectedAttachType, env.opts.kernelBtf);

/** check_func_arg_reg_off for ARG_DONTCARE and trusted BTF pointers. */
function checkArgOff(reg: RegState, regno: number): void {
  if (['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'scalar', 'not_init'].includes(reg.type)) return;
  checkPtrOffReg(reg, regno, reg.type === 'ptr');
}

/** Program types whose context loads the kernel rewrites (convert_ctx_access): their context is no memory to pass. */
const CONVERTED_CTX = new Set(['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'perf_event', 'sk_skb', 'sock_ops', 'cgroup_sock', 'cgroup_sock_addr']);
/** Program types without convert_ctx_access: their context is checked as memory, byte by byte at its last offset. */
const PLAIN_CTX = new Set(['kprobe', 'tracepoint', 'raw_tracepoint', 'raw_tracepoint_writable', 'tracing', 'syscall']);

/** Runs `check`; a rejection it throws becomes one with `errno` (its own when undefined) and `after` appended. */
function rejectedAs(errno: ModelErrno | undefined, after: readonly string[], check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof Rejection) reject(errno ?? e.errno, ...e.lines, ...after);
    throw e;
  }
}

/** check_helper_mem_access of the context for a memory argument: read, then write, of its last byte. */
function checkCtxAsMemory(env: Env, regno: number, size: number): void {
  const t = env.opts.progType;
  if (CONVERTED_CTX.has(t)) reject('EINVAL', `R${regno} type=ctx expected=fp`);
  if (!PLAIN_CTX.has(t)) notModelled(`the context of program type ${t} passed as memory`);
  if (size === 0) return;
  rejectedAs('EINVAL', [], () => {
    checkMemAccess(env, regno, size - 1, 1, 'read', { valueRegno: -1 });
    checkMemAccess(env, regno, size - 1, 1, 'write', { valueRegno: -1 });
  });
}

/** btf_check_func_arg_match for one argument; throws the kernel's rejection (its lines, its errno). */
function checkArg(env: Env, arg: GlobalArg, i: number): void {
  const regno = i + 1;
  const reg = regs(env)[regno]!;
  switch (arg.kind) {
    case 'scalar':
      if (reg.type !== 'scalar') reject('EINVAL', `R${regno} is not a scalar`);
      return;
    case 'ctx':
      checkArgOff(reg, regno);
      if (reg.type !== 'ctx') reject('EINVAL', `arg#${i} expects pointer to ctx`);
      return;
    case 'mem': {
      checkArgOff(reg, regno);
      if (isNullScalar(reg)) {
        if (!arg.nullable) notModelled('NULL passed to a non-NULL argument of a global function');
        return;
      }
      if (reg.type === 'ctx') { checkCtxAsMemory(env, regno, arg.size); return; }
      // The kernel reads a BTF pointer's struct for this (check_ptr_to_btf_access).
      if (reg.type === 'ptr') notModelled('a kernel struct pointer passed as memory to a global function');
      const saved = reg.flags;
      reg.flags = { ...saved, maybeNull: false };
      try {
        rejectedAs('EINVAL', [], () => {
          helperMemAccess(env, regno, arg.size, false, true, undefined);
          helperMemAccess(env, regno, arg.size, true, true, undefined);
        });
      } finally {
        reg.flags = saved;
      }
      if (!arg.nullable && reg.flags.maybeNull) reject('EINVAL', `arg#${i} is expected to be non-NULL`);
      return;
    }
    case 'trusted': {
      if (isNullScalar(reg) && arg.nullable) return;
      const expected = 'expected=ptr_, trusted_ptr_, rcu_ptr_';
      if (reg.type === 'scalar' || (reg.type === 'ptr' && reg.flags.maybeNull && !arg.nullable)) reject('EINVAL', `R${regno} type=${regStr(reg)} ${expected}`);
      const ok = reg.type === 'ptr' && reg.btfName === arg.btfName && reg.off === 0 && reg.s.varOff.mask === 0n && reg.s.varOff.value === 0n
        && reg.flags.untrusted !== true && (reg.flags.trusted === true || reg.flags.rcu === true || reg.refObjId !== 0);
      if (!ok) notModelled('a global function argument that is not a trusted pointer of its type');
      return;
    }
  }
}

/** check_func_call of the global function `fn` (subprogram `subprog`): on success R0 is an unknown scalar. */
export function checkGlobalCall(env: Env, fn: FunctionInfo, subprog: number, effects: SubprogEffects, sleepable: boolean): void {
  if (heldLock(env) !== undefined) notModelled('a global function called while holding a lock');
  if (env.state.activeRcuLock === true) notModelled('a global function called inside an RCU read section');
  if (effects.mightSleep && !sleepable) notModelled('a global function that might sleep called from a non-sleepable program');
  const invalid = `Caller passes invalid args into func#${subprog} ('${fn.name}')`;
  const proto = prototypeOf(env, fn);
  if ('refusal' in proto) reject('EINVAL', ...proto.refusal, invalid);
  rejectedAs(undefined, [invalid], () => proto.args.forEach((arg, i) => checkArg(env, arg, i)));
  if (effects.changesPktData) clearAllPktPointers(env.state, env.opts.privileged);
  const rs = regs(env);
  for (let r = 0; r <= 5; r++) rs[r] = notInit();
  rs[0] = unknownReg();
}

/** The state a global function is verified from: R1-R5 as its prototype describes them, R10 its frame. */
export function globalEntryState(env: Env, fn: FunctionInfo, subprog: number): VerifierState {
  const proto = prototypeOf(env, fn);
  // A refused prototype never reaches here: the call that marked the function called was refused.
  if ('refusal' in proto) notModelled('a global function with a refused prototype');
  const rs = notInitRegs();
  proto.args.forEach((arg, i) => {
    const r = i + 1;
    switch (arg.kind) {
      case 'scalar': rs[r] = unknownReg(); break;
      case 'ctx': rs[r] = pointerReg('ctx'); break;
      case 'mem': rs[r] = pointerReg('mem', { memSize: arg.size, id: env.nextId(), flags: { maybeNull: arg.nullable, rdonly: false, ringbuf: false } }); break;
      case 'trusted': rs[r] = { ...btfPointer(arg.btfName, { trusted: true, maybeNull: arg.nullable }), id: env.nextId() }; break;
    }
  });
  rs[10] = pointerReg('stack');
  return { frames: [{ regs: rs, stack: [], allocated: 0, frameno: 0, callsite: -1, subprog }], refs: [] };
}

/** BPF_EXIT of a global function verified on its own: no leak, and R0 a scalar (check_return_code for a subprogram). */
export function checkGlobalExit(env: Env): void {
  checkResourceLeak(env, 'BPF_EXIT instruction in main prog', true);
  const r0 = readReg(env, 0);
  if (r0.type !== 'scalar') reject('EINVAL', `At subprogram exit the register R0 is not a scalar value (${regStr(r0)})`);
}

// A call of a helper the language declares (helper-calls.generated.ts, written by
// scripts/gen-helpers.mjs with lang-helpers.generated.ts): one path for all of them. Each argument
// goes to R1–R5 as its kind says (an integer converted to the parameter's type, the context, a
// map's address, a string literal's address in .rodata, a kernel struct's BTF pointer, or a
// struct/array's address followed by its size: the `void *buf, u32 size` pair inferred from the
// argument), the result is typed from the C return type. Before that, the kernel's table
// (verifier/tables/helpers.generated.ts) decides whether this program may call the helper at all:
// a GPL-only helper in a module whose license is not GPL-compatible, or a helper the program type
// cannot call (probed on the live kernel), is an error at the call.

import type TS from 'typescript';
import { HELPER_TABLE, isGplCompatible } from '../../verifier/index.js';
import { HELPER_CALLS, type HelperArg } from './helper-calls.generated.js';
import { checkSockoptLevel, SOCKOPT_CALLS } from './sockopt.js';
import { INT_TYPES, U64 } from './int-type.js';
import type { Operand } from './ir.js';
import type { Lowering } from './lower.js';
import { kernelAddress } from './lower-core.js';
import { asMemory } from './lower-kernel-array.js';
import { mapAddress } from './lower-map.js';
import { OBJECT_MAP_INTERFACES } from './object-maps.js';
import { address, memArg } from './lower-struct.js';
import { isContext } from './lower-tail-call.js';
import type { ProgramKind } from './module.js';
import type { Val } from './values.js';

/** The kernel's program type of each kind of program, as the helper table names them (tp_btf and struct_ops were not probed). */
const PROG_TYPE: Partial<Record<ProgramKind, string>> = {
  xdp: 'xdp', socketFilter: 'socket_filter', tc: 'sched_cls', tracepoint: 'tracepoint', kprobe: 'kprobe', kretprobe: 'kprobe',
  uprobe: 'kprobe', uretprobe: 'kprobe', rawTracepoint: 'raw_tracepoint', cgroupSkb: 'cgroup_skb', cgroupSockAddr: 'cgroup_sock_addr', sockOps: 'sock_ops',
};
/** The language's map interface → the map declarations' kinds it stands for. */
const MAP_KINDS: Readonly<Record<string, readonly string[]>> = { RingBuf: ['ringBuf'], PerfEventArray: ['perfEventArray'], ...OBJECT_MAP_INTERFACES };

/** A call of a declared helper, or undefined when `name` is not one. */
export function declaredHelperCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  const h = Object.hasOwn(HELPER_CALLS, name) ? HELPER_CALLS[name]! : Object.hasOwn(SOCKOPT_CALLS, name) ? SOCKOPT_CALLS[name]! : undefined;
  if (h === undefined) return undefined;
  const c = `bpf_${h.helper}`;
  checkAllowed(L, name, c, e);
  if (e.arguments.length !== h.args.length) L.fail(e, `${name} (${c}) takes ${h.args.length} argument${h.args.length === 1 ? '' : 's'}`);
  if (h === SOCKOPT_CALLS[name]) checkSockoptLevel(L, name, e.arguments[1]!);
  const args = h.args.flatMap((k, i) => argument(L, name, k, e.arguments[i]!, i));
  const d = L.newV();
  L.emit({ op: 'call', helper: h.id, args, d });
  return h.ret === 'void' ? { k: 'const', type: U64, c: 0n } : { k: 'reg', v: d, type: INT_TYPES[h.ret]!, owned: true };
}

/** A helper this module's license and program type may call, else an error at the call. */
export function checkAllowed(L: Lowering, name: string, c: string, e: TS.CallExpression): void {
  const entry = HELPER_TABLE[c.slice(4)];
  if (entry === undefined) return;
  if (entry.protos.length > 0 && entry.protos.every((p) => p.gplOnly) && !isGplCompatible(L.m.license)) {
    L.fail(e, `${name} (${c}) is GPL-only; this module's license is '${L.m.license}'`);
  }
  const type = PROG_TYPE[L.prog.kind];
  if (type !== undefined && L.prog.section !== '.text' && !entry.programTypes.includes(type)) {
    const where = entry.programTypes.length === 0 ? 'none of the program types the kernel was probed with (tracing programs: tpBtf)' : entry.programTypes.join(', ');
    L.fail(e, `${name} (${c}) cannot be called from a ${L.prog.kind} program (${type}); the kernel allows it in ${where}`);
  }
}

function argument(L: Lowering, name: string, k: HelperArg, a: TS.Expression, i: number): Operand[] {
  const what = `argument ${i + 1} of ${name}`;
  if ('int' in k) return [L.operand(L.convert(L.intVal(L.expr(a), a), INT_TYPES[k.int]!, a))];
  if ('mem' in k) {
    let p: Operand, size: number;
    if (k.mem === 'write') {
      const m = memArg(L, a, what);
      p = { reg: m.p }; size = m.size;
    } else {
      const v = asMemory(L, L.expr(a), a);
      if (v.k !== 'mem') return L.fail(a, `${what} is a struct or array (its size is the argument's)`);
      p = { reg: address(L, v) }; size = v.ty.size;
    }
    // A size the kernel fixes is checked here, not passed.
    if (k.fixed === undefined) return [p, { imm: BigInt(size) }];
    if (size !== k.fixed) L.fail(a, `${what} is ${k.fixed} bytes (${size} given)`);
    return [p];
  }
  if ('ctx' in k) {
    if (!isContext(L, L.expr(a))) L.fail(a, `${what} is the program's context parameter`);
    return [{ reg: L.ctxV }];
  }
  if ('map' in k) {
    const v = L.expr(a);
    if (v.k !== 'map' || !(MAP_KINDS[k.map] ?? []).includes(v.map.kind)) return L.fail(a, `${what} is a ${k.map}${k.map.endsWith('Map') ? '' : ' map'} (${(MAP_KINDS[k.map] ?? []).map((x) => `${x}()`).join(', ')})`);
    return [{ reg: mapAddress(L, v.map) }];
  }
  if ('str' in k) {
    const ts = L.ts;
    if (!ts.isStringLiteral(a) && !ts.isNoSubstitutionTemplateLiteral(a)) return L.fail(a, `${what} is a string literal (the kernel reads it from read-only memory)`);
    const d = L.newV();
    L.emit({ op: 'ldstr', d, text: a.text });
    return [{ reg: d }];
  }
  const v = L.expr(a);
  if (v.k !== 'kernel' || v.direct !== true) return L.fail(a, `${what} is a BTF pointer to a kernel struct ${k.kernel} (a tpBtf argument or a kfunc's result)`);
  if (v.ty.name !== k.kernel) L.fail(a, `${what} is a struct ${k.kernel}, not ${v.ty.kind} ${v.ty.name}`);
  return [{ reg: kernelAddress(L, v, a).v }];
}

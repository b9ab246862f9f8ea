// Timers: timerInit(v.timer, map, clock), timerSetCallback(v.timer, callback), timerStart and
// timerCancel are bpf_timer_init … on the Timer field of a map value the program looked up. What
// the verifier wants is checked at the line: the map given to timerInit is the one the value came
// from, the callback is a static subprogram of the module without parameters that returns the
// literal 0 (the kernel calls it with the map, key and value, which it does not read).

import type TS from 'typescript';
import { S64, U64 } from './int-type.js';
import { TIMER } from './layout.js';
import type { Lowering } from './lower.js';
import { checkAllowed } from './lower-helper.js';
import { returnedValues } from './lower-loop.js';
import { mapAddress } from './lower-map.js';
import { address } from './lower-struct.js';
import type { Operand } from './ir.js';
import type { Val } from './values.js';

const TIMERS: Record<string, { readonly id: number; readonly c: string; readonly args: number }> = {
  timerInit: { id: 169, c: 'bpf_timer_init', args: 3 },
  timerSetCallback: { id: 170, c: 'bpf_timer_set_callback', args: 2 },
  timerStart: { id: 171, c: 'bpf_timer_start', args: 3 },
  timerCancel: { id: 172, c: 'bpf_timer_cancel', args: 1 },
};
/** CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME (linux/time.h). */
const CLOCKS: Record<string, bigint> = { monotonic: 1n, realtime: 0n, boottime: 7n };

export function timerCall(L: Lowering, name: string, e: TS.CallExpression): Val | undefined {
  const t = TIMERS[name];
  if (t === undefined) return undefined;
  checkAllowed(L, name, t.c, e);
  const ts = L.ts;
  const args = e.arguments;
  if (args.length !== t.args) return L.fail(e, `${name} takes ${t.args} argument${t.args === 1 ? '' : 's'}`);
  const timer = L.expr(args[0]!);
  if (timer.k !== 'mem' || timer.ty !== TIMER) return L.fail(args[0]!, `${name} takes a Timer field (v.timer of a map value)`);
  if (timer.base === 'fp' || timer.map === undefined) return L.fail(args[0]!, `${name} takes the timer of a map value (a lookup's result), not one on the stack`);
  const ops: Operand[] = [{ reg: address(L, timer) }];
  if (name === 'timerInit') {
    const m = L.expr(args[1]!);
    if (m.k !== 'map') return L.fail(args[1]!, 'the second argument of timerInit is the map the timer\'s value is in');
    if (m.map !== timer.map) L.fail(args[1]!, `the timer is in a value of ${timer.map.name}, not of ${m.map.name}: timerInit takes the map it was looked up in`);
    const c = args[2]!;
    if (!ts.isStringLiteral(c) || CLOCKS[c.text] === undefined) L.fail(c, "the clock is 'monotonic', 'realtime' or 'boottime'");
    ops.push({ reg: mapAddress(L, m.map) }, { imm: CLOCKS[(c as TS.StringLiteral).text]! });
  } else if (name === 'timerSetCallback') {
    const cb = args[1]!;
    const sub = ts.isIdentifier(cb) && L.lookupName(cb.text) === undefined ? L.m.subprograms.get(cb.text) : undefined;
    if (sub === undefined || sub.linkage !== 'static') return L.fail(cb, 'the callback is a static subprogram of the module: const fire = subprogram((): u32 => { …; return 0; })');
    if (sub.fn.parameters.length > 0) L.fail(sub.fn.parameters[0]!, `a timer callback takes no parameters (the kernel passes the map, key and value, which the language does not type)`);
    for (const r of returnedValues(ts, sub.fn)) {
      let x = r;
      while (ts.isParenthesizedExpression(x)) x = x.expression;
      if (!(ts.isNumericLiteral(x) && x.text === '0')) L.fail(r, 'a timer callback returns the literal 0 (the verifier refuses anything else)');
    }
    if (returnedValues(ts, sub.fn).length === 0) L.fail(sub.fn, 'a timer callback returns 0');
    const f = L.newV();
    L.emit({ op: 'ldfunc', d: f, fn: sub.name });
    ops.push({ reg: f });
  } else if (name === 'timerStart') {
    for (const a of [args[1]!, args[2]!]) ops.push(L.operand(L.convert(L.intVal(L.expr(a), a), U64, a)));
  }
  const d = L.newV();
  L.emit({ op: 'call', helper: t.id, args: ops, d });
  return { k: 'reg', v: d, type: S64, owned: true };
}

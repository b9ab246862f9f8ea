// tsbpf/lang timers in the kernel: a socket filter initialises the Timer field of an array value,
// sets a subprogram of the module as its callback and starts it; the kernel fires it (the
// callback's count in a global variable, polled from user space), a second init of the same
// timer is -EBUSY, a cancel of a fired timer 0 — all through BPF_PROG_TEST_RUN; and the mistakes
// the verifier would refuse are build errors at their line.

import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileSource } from '../src/compiler/index.js';
import { compileError } from './support/lang-errors.js';
import { requireRoot } from './support/references.js';

/** linux/errno.h. */
const EBUSY = 16;

const SOURCE = `import { arrayMap, socketFilter, subprogram, timerCancel, timerInit, timerSetCallback, timerStart, type s64, type Timer, type u32, type u64 } from 'tsbpf/lang';
interface Slot { timer: Timer; armed: u64 }
export const slots = arrayMap<Slot>({ maxEntries: 1 });
export let fired: u32 = 0;
export let init: s64 = 1;
export let started: s64 = 1;
export let cancelled: s64 = 9;
const fire = subprogram((): u32 => {
  fired += 1;
  return 0;
});
export const arm = socketFilter((pkt) => {
  const s = slots.lookup(0);
  if (!s) return 0;
  init = timerInit(s.timer, slots, 'monotonic');
  if (init !== 0) { cancelled = timerCancel(s.timer); return 0; }
  timerSetCallback(s.timer, fire);
  started = timerStart(s.timer, 1000, 0);
  s.armed = 1;
  return 0;
});
export const license = 'GPL';
`;

describe.skipIf(!requireRoot())('timers in the kernel', () => {
  it('the callback fires once after timerStart; a second timerInit is -EBUSY; cancelling the fired timer gives 0', async () => {
    const c = loadObject(compileSource(ts, SOURCE, 'timer.ts').build(), { name: 'timer' });
    try {
      const prog = c.programs.get('arm')!;
      expect(testRun(prog, { data: new Uint8Array(64) }).retval).toBe(0);
      expect([Number(c.globals.init), Number(c.globals.started)]).toEqual([0, 0]);
      for (let i = 0; i < 200 && Number(c.globals.fired) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(Number(c.globals.fired)).toBe(1);
      expect(testRun(prog, { data: new Uint8Array(64) }).retval).toBe(0);
      expect([Number(c.globals.init), Number(c.globals.cancelled)]).toEqual([-EBUSY, 0]);
      await new Promise((r) => setTimeout(r, 50));
      expect(Number(c.globals.fired)).toBe(1);
    } finally { c.close(); }
  });
});

describe('timer mistakes: errors at the TypeScript line', () => {
  const HEAD = `import { arrayMap, rawTracepoint, socketFilter, subprogram, timerInit, timerSetCallback, zero, type Timer, type u32 } from 'tsbpf/lang';
interface Slot { timer: Timer; n: u32 }
export const slots = arrayMap<Slot>({ maxEntries: 1 });
export const others = arrayMap<Slot>({ maxEntries: 1 });
const ok = subprogram((): u32 => 0);
const takes = subprogram((x: u32): u32 => 0);
const gives = subprogram((): u32 => 1);
`;
  const cases: [string, string, number, RegExp][] = [
    ['timerInit with another map than the value\'s', "export const p = socketFilter((pkt) => {\n  const s = slots.lookup(0);\n  if (s) timerInit(s.timer, others, 'monotonic');\n  return 0;\n});", 10, /the timer is in a value of slots, not of others: timerInit takes the map it was looked up in/],
    ['a timer on the stack', "export const p = socketFilter((pkt) => {\n  const s = zero<Slot>();\n  timerInit(s.timer, slots, 'monotonic');\n  return 0;\n});", 10, /timerInit takes the timer of a map value/],
    ['a callback with parameters', "export const p = socketFilter((pkt) => {\n  const s = slots.lookup(0);\n  if (s) timerSetCallback(s.timer, takes);\n  return 0;\n});", 6, /a timer callback takes no parameters/],
    ['a callback returning 1', "export const p = socketFilter((pkt) => {\n  const s = slots.lookup(0);\n  if (s) timerSetCallback(s.timer, gives);\n  return 0;\n});", 7, /a timer callback returns the literal 0/],
    ['a clock that is not one', "export const p = socketFilter((pkt) => {\n  const s = slots.lookup(0);\n  if (s) timerInit(s.timer, slots, 'tai' as never);\n  return 0;\n});", 10, /the clock is 'monotonic', 'realtime' or 'boottime'/],
    ['a tracing program using a map with timers', "export const p = rawTracepoint('sys_enter', (ctx) => {\n  const s = slots.lookup(0);\n  return 0;\n});", 9, /slots's values hold a Timer: tracing programs cannot use such a map/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
});

// vitest matchers (`expect.extend(bpfMatchers)`): verdicts, return values, map contents and
// printk lines of a program, in the vm and the verifier model by default and also in the kernel
// with `{ kernel: true }` (or 'auto': when this process may use bpf(2)). Written against the
// matcher protocol only (`this.isNot`, `{ pass, message }`), so vitest is not imported at run time.

import { backendsFor, kernelBackend, type KernelOption, type RunInput, type RunOutcome, wantKernel } from './backends.js';
import { TestingError } from './errors.js';
import { kernelPrintk } from './kernel-printk.js';
import { MapHarness } from './harness.js';
import { type MapEntries } from './map-values.js';
import { isTestSubject, subjectName, type TestSubject } from './subject.js';
// Types only: the declaration build resolves 'vitest' for the augmentation below through this.
import type {} from 'vitest';
import { describeVerdict, kernelVerdict, modelVerdict, type Verdict } from './verdict.js';

export interface KernelOptions {
  /** Also ask the kernel: true needs it (an error when it is not available), 'auto' when available. */
  readonly kernel?: KernelOption;
}

export interface LeaveMapOptions extends KernelOptions {
  /** Inputs run, in order, on fresh maps before the map is read (a program subject; default none). */
  readonly inputs?: readonly RunInput[];
  /** Entries written into the map's fresh maps before the inputs run. */
  readonly seed?: Readonly<Record<string, MapEntries>>;
}

/** The matchers as they read on `expect(subject)`. */
export interface BpfMatchers<R = unknown> {
  /** The verifier model (and the kernel, when asked) accepts the program. */
  toBeAcceptedByVerifier(options?: KernelOptions): R;
  /** The verifier model (and the kernel) rejects the program with a final log line containing the string, or matching the regex. */
  toBeRejectedWith(message: string | RegExp, options?: KernelOptions): R;
  /**
   * After the inputs (run on fresh maps, or a harness's maps as they are), the map holds exactly
   * these entries (array maps: the indices not listed are zero), in the vm (and the kernel).
   */
  toLeaveMap(map: string, entries: MapEntries, options?: LeaveMapOptions): R;
  /**
   * The bpf_printk lines of one run, in order (a RegExp matches a whole line), in the vm (and,
   * when asked, in the kernel's test run: its lines read from the trace buffer, as root).
   */
  toPrintk(lines: readonly (string | RegExp)[], input?: RunInput, options?: KernelOptions): R;
}

/**
 * toReturn: the vm (and the kernel's test run) runs the input to exit on fresh maps and returns
 * `value` (BPF_PROG_TEST_RUN's u32 retval). The no-argument signature is vitest's mock matcher's,
 * which shares the name.
 */
export interface BpfToReturn<R = unknown> {
  (value: number, input?: RunInput, options?: KernelOptions): R;
  (): R;
}

export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

interface Context {
  readonly isNot?: boolean;
}

function subjectOf(received: unknown, matcher: string): TestSubject {
  if (isTestSubject(received)) return received;
  if (received instanceof MapHarness) return received.subject;
  throw new TestingError(`${matcher}: expected a program (programOf, programFromFile, or { type, insns, maps }), got ${typeof received === 'object' ? Object.prototype.toString.call(received) : typeof received}`);
}

function result(ctx: Context, pass: boolean, name: string, want: string, why: string): MatcherResult {
  return { pass, message: () => `expected ${name} ${ctx.isNot === true ? 'not ' : ''}${want}, but ${why}` };
}

function verdicts(subject: TestSubject, options: KernelOptions | undefined): Verdict[] {
  const out = [modelVerdict(subject)];
  if (wantKernel(options?.kernel)) out.push(kernelVerdict(subject));
  return out;
}

function lineMatches(line: string | undefined, want: string | RegExp): boolean {
  if (line === undefined) return false;
  return typeof want === 'string' ? line.includes(want) : want.test(line);
}

function describeRun(o: RunOutcome): string {
  if (o.fault !== null) return `the ${o.backend} stopped with a fault at instruction ${o.fault.insn}: ${o.fault.message}`;
  return `the ${o.backend} returned ${o.retval}`;
}

function toBeAcceptedByVerifier(this: Context, received: unknown, options?: KernelOptions): MatcherResult {
  const s = subjectOf(received, 'toBeAcceptedByVerifier');
  const vs = verdicts(s, options);
  const pass = vs.every((v) => v.verdict === 'accept');
  const why = (pass ? vs : vs.filter((v) => v.verdict !== 'accept')).map(describeVerdict).join('; ');
  return result(this, pass, subjectName(s), 'to be accepted by the verifier', why);
}

function toBeRejectedWith(this: Context, received: unknown, message: string | RegExp, options?: KernelOptions): MatcherResult {
  const s = subjectOf(received, 'toBeRejectedWith');
  const vs = verdicts(s, options);
  const ok = (v: Verdict): boolean => v.verdict === 'reject' && lineMatches(v.message, message);
  const pass = vs.every(ok);
  const why = (pass ? vs : vs.filter((v) => !ok(v))).map(describeVerdict).join('; ');
  return result(this, pass, subjectName(s), `to be rejected with ${String(message)}`, why);
}

function toReturn(this: Context, received: unknown, value?: number, input: RunInput = {}, options?: KernelOptions): MatcherResult {
  if (value === undefined) throw new TestingError('toReturn(value, input): the value the program returns is missing (for a mock, use toHaveReturned)');
  const s = subjectOf(received, 'toReturn');
  const backends = backendsFor(s, options?.kernel);
  try {
    const outcomes = backends.map((b) => b.run(input));
    const ok = (o: RunOutcome): boolean => o.fault === null && o.retval === value >>> 0;
    const pass = outcomes.every(ok);
    const why = (pass ? outcomes : outcomes.filter((o) => !ok(o))).map(describeRun).join('; ');
    return result(this, pass, subjectName(s), `to return ${value}`, why);
  } finally {
    for (const b of backends) b.close();
  }
}

function toLeaveMap(this: Context, received: unknown, map: string, entries: MapEntries, options: LeaveMapOptions = {}): MatcherResult {
  const existing = received instanceof MapHarness ? received : undefined;
  if (existing !== undefined && (options.inputs !== undefined || options.seed !== undefined || options.kernel !== undefined)) {
    throw new TestingError('toLeaveMap on a harness reads its maps as they are: inputs, seed and kernel are the harness\'s own');
  }
  const h = existing ?? new MapHarness(subjectOf(received, 'toLeaveMap'), options.kernel === undefined ? {} : { kernel: options.kernel });
  try {
    if (existing === undefined) {
      for (const [m, e] of Object.entries(options.seed ?? {})) h.seed(m, e);
      for (const input of options.inputs ?? []) {
        const r = h.run(input);
        const faulted = [r.vm, r.kernel].find((o) => o?.fault != null);
        if (faulted !== undefined) return result(this, false, subjectName(h.subject), `to leave map ${map} as given`, describeRun(faulted));
      }
    }
    const diffs = h.difference(map, entries);
    const pass = diffs.every((d) => d.lines.length === 0);
    const why = pass
      ? `${diffs.map((d) => d.backend).join(' and ')} left it so`
      : diffs.filter((d) => d.lines.length > 0).map((d) => `in the ${d.backend}:\n${d.lines.join('\n')}`).join('\n');
    return result(this, pass, subjectName(h.subject), `to leave map ${map} as given`, why);
  } finally {
    if (existing === undefined) h.close();
  }
}

function toPrintk(this: Context, received: unknown, lines: readonly (string | RegExp)[], input: RunInput = {}, options?: KernelOptions): MatcherResult {
  const s = subjectOf(received, 'toPrintk');
  const [vm] = backendsFor(s, false);
  const o = vm!.run(input);
  vm!.close();
  if (o.fault !== null) return result(this, false, subjectName(s), 'to print the given lines', describeRun(o));
  const printed: { backend: string; lines: readonly string[] }[] = [{ backend: 'vm', lines: o.printk ?? [] }];
  if (wantKernel(options?.kernel)) {
    const k = kernelBackend(s);
    try {
      printed.push({ backend: 'kernel', lines: kernelPrintk(() => { k.run(input); }) });
    } finally {
      k.close();
    }
  }
  const same = (got: readonly string[]): boolean =>
    got.length === lines.length && lines.every((want, i) => (typeof want === 'string' ? got[i] === want : new RegExp(`^(?:${want.source})$`, want.flags).test(got[i]!)));
  const pass = printed.every((p) => same(p.lines));
  const shown = (p: { backend: string; lines: readonly string[] }): string => {
    const who = printed.length === 1 ? 'it' : `the ${p.backend}`;
    return p.lines.length === 0 ? `${who} printed nothing` : `${who} printed:\n${p.lines.map((l) => `  ${JSON.stringify(l)}`).join('\n')}`;
  };
  const why = (pass ? printed : printed.filter((p) => !same(p.lines))).map(shown).join('; ');
  return result(this, pass, subjectName(s), `to print ${JSON.stringify(lines.map(String))}`, why);
}

/** The matchers for `expect.extend(bpfMatchers)`. */
export const bpfMatchers = { toBeAcceptedByVerifier, toBeRejectedWith, toReturn, toLeaveMap, toPrintk };

declare module 'vitest' {
  interface Matchers<T = any> extends BpfMatchers<void> {}
}

declare module '@vitest/expect' {
  // toReturn is vitest's mock matcher too: Assertion declares it once with both signatures.
  interface Assertion<T = any> {
    toReturn: BpfToReturn<void>;
  }
}

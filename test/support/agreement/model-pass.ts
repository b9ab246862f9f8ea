// The model alone over the agreement corpus, without the kernel's labels: every program's full
// result (verdict, errno, message, instruction, processed count, statistics, log) written as one
// JSON line per program, so that a change meant to keep behaviour can be diffed against the run
// before it; and the model's CPU time, optionally under the profiler.
//   node scripts/run-ts.mjs test/support/agreement/model-pass.ts [--only REGEX] [--dump FILE]
//     [--repeat N] [--profile FILE.cpuprofile] [--heap FILE.heapprofile] [--log-level N] [--times FILE]

import { createHash } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { kernelBtf } from '../../../loader/index.js';
import { verifyProgram } from '../../../verifier/index.js';
import { attachTarget, type PreparedProgram, withPrepared } from './kernel-label.js';
import { progTypeName } from './model-run.js';
import { prepareObjectProgram } from './object-corpus.js';
import { fullCorpus } from './suites.js';

const opt = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = opt('--only');
const logLevel = Number(opt('--log-level') ?? 1);
const corpus = only === undefined ? fullCorpus() : fullCorpus().filter((p) => new RegExp(only).test(p.name));

interface Job { readonly name: string; readonly run: () => ReturnType<typeof verifyProgram> }
const jobs: Job[] = [];
const BPF_F_STRICT_ALIGNMENT = 1;
const SLEEPABLE = 16;
for (const p of corpus) {
  const progFlags = 'progFlags' in p ? p.progFlags : 0;
  const add = (prepared: PreparedProgram & { sleepable?: boolean; attachBtfId?: number; expectedAttachType?: number }, attachTo?: string): void => {
    const expected = prepared.expectedAttachType ?? ('expectedAttachType' in p ? p.expectedAttachType : 0);
    const attachBtfId = prepared.attachBtfId ?? (attachTo === undefined ? undefined : attachTarget(attachTo, expected) ?? 0);
    const options = {
      progType: progTypeName(p.progType),
      maps: (fd: number) => prepared.maps.get(fd),
      expectedAttachType: expected,
      strictAlignment: (progFlags & BPF_F_STRICT_ALIGNMENT) !== 0,
      logLevel,
      kernelBtf: kernelBtf(),
      ...(prepared.functions === undefined ? {} : { functions: prepared.functions }),
      sleepable: (progFlags & SLEEPABLE) !== 0 || prepared.sleepable === true,
      testStateFreq: (progFlags & 8) !== 0,
      ...(attachBtfId === undefined ? {} : { attachBtfId }),
    };
    jobs.push({ name: p.name, run: () => verifyProgram(prepared.insns, options) });
  };
  if ('objectPath' in p) {
    try {
      add(prepareObjectProgram(p));
    } catch {
      /* not prepared: the agreement run counts it as not modelled */
    }
    continue;
  }
  withPrepared(p, (prepared) => {
    if (!('reason' in prepared)) add(prepared, p.attachTo);
  });
}

// Written line by line: at log level 2 the corpus's logs are gigabytes, so a log longer than
// LOG_INLINE lines is written as its line count and SHA-256 (enough to diff two runs).
const LOG_INLINE = 2000;
const dump = opt('--dump');
const fd = dump === undefined ? undefined : openSync(dump, 'w');
for (const j of jobs) {
  let r: unknown;
  try {
    r = j.run();
  } catch (e) {
    r = { error: (e as Error).message };
  }
  if (fd === undefined) continue;
  const log = (r as { log?: readonly string[] }).log;
  if (log !== undefined && log.length > LOG_INLINE) {
    const h = createHash('sha256');
    for (const l of log) h.update(`${l}\n`);
    r = { ...(r as object), log: { lines: log.length, sha256: h.digest('hex') } };
  }
  writeSync(fd, `${JSON.stringify({ name: j.name, ...(r as object) })}\n`);
}
if (fd !== undefined) closeSync(fd);

const repeat = Number(opt('--repeat') ?? 1);
const profile = opt('--profile');
const heap = opt('--heap');
const session = profile === undefined && heap === undefined ? undefined : new Session();
const post = (m: string, p?: object): Promise<unknown> => new Promise((res, rej) => session!.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
if (session !== undefined) session.connect();
if (heap !== undefined) await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
if (profile !== undefined) {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
}
const per = new Map<string, number>();
const c0 = process.cpuUsage();
for (let k = 0; k < repeat; k++) {
  for (const j of jobs) {
    const a = process.cpuUsage();
    try {
      j.run();
    } catch {
      /* counted above */
    }
    const b = process.cpuUsage(a);
    per.set(j.name, (per.get(j.name) ?? 0) + (b.user + b.system) / 1000);
  }
}
const c = process.cpuUsage(c0);
if (heap !== undefined) {
  const { profile: prof } = (await post('HeapProfiler.stopSampling')) as { profile: object };
  writeFileSync(heap, JSON.stringify(prof));
}
if (profile !== undefined) {
  const { profile: prof } = (await post('Profiler.stop')) as { profile: object };
  writeFileSync(profile!, JSON.stringify(prof));
}
const times = opt('--times');
if (times !== undefined) writeFileSync(times, `${[...per].map(([n, ms]) => `${(ms / repeat).toFixed(3)}\t${n}`).join('\n')}\n`);
console.log(`${jobs.length} programs, model CPU ${((c.user + c.system) / 1000 / repeat).toFixed(0)} ms per pass (${repeat} passes)`);

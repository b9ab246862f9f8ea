// The tsbpf command line. Exit status: 0 success, 1 negative verdict,
// 2 bad input or usage, 3 internal error. Errors are one line on stderr.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AsmError, escapeControls, shown, TsbpfError } from '../../isa/index.js';
import type { AsmOutputFormat, AsmSyntax } from '../commands/asm.js';
import type { BtfDumpFormat } from '../commands/btf-dump.js';
import { BuildError } from '../commands/build-error.js';
import { WorkerBuildFailure } from '../commands/build-worker-handle.js';
import type { VmRunCommandResult } from '../commands/run-vm.js';
import { DslError } from '../dsl/errors.js';
import { quoted } from '../dsl/quote.js';
import { VERSION } from '../version.js';
import { asciiOnly, readInput as readFile, StdoutClosed, utf8Text, writeStdout } from './io.js';
import { groupUsage, HELP, SUBCOMMANDS, USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

// Each command's modules are imported when the command runs (tsup puts them in chunks of their
// own, dist/cli-*.js): start-up reads and compiles only what the command uses, not the whole toolchain.
const lazyModules = {
  asm: () => import('../commands/asm.js'),
  btfDump: () => import('../commands/btf-dump.js'),
  btfGenTs: () => import('../commands/btf-gen-ts.js'),
  build: () => import('../commands/build.js'),
  buildGuard: () => import('../commands/build-guard.js'),
  buildWorker: () => import('../commands/build-worker.js'),
  disasm: () => import('../commands/disasm.js'),
  errors: () => import('./error-classes.js'),
  genSkeleton: () => import('../commands/gen-skeleton.js'),
  link: () => import('../commands/link.js'),
  load: () => import('../commands/load.js'),
  maps: () => import('../commands/maps.js'),
  outputFile: () => import('./output-file.js'),
  probe: () => import('../commands/probe.js'),
  run: () => import('../commands/run.js'),
  runVm: () => import('../commands/run-vm.js'),
  trace: () => import('../commands/trace.js'),
  verify: () => import('../commands/verify.js'),
  verifyJunit: () => import('../commands/verify-junit.js'),
  verifySarif: () => import('../commands/verify-sarif.js'),
  buildVerify: () => import('../commands/build-verify.js'),
  tracepointFormat: () => import('../compiler/tracepoint-format.js'),
};
type LazyName = keyof typeof lazyModules;
type Loaded = { -readonly [K in LazyName]?: Awaited<ReturnType<(typeof lazyModules)[K]>> };
const loaded: Loaded = {};

/** The modules each command (or `btf` subcommand: gen-ts's pull in 1 MB the dump does not need) uses. */
const commandModules: Record<string, readonly LazyName[]> = {
  asm: ['asm', 'outputFile'],
  disasm: ['disasm'],
  btf: ['btfDump'],
  'btf dump': ['btfDump'],
  'btf gen-ts': ['btfDump', 'btfGenTs', 'outputFile'],
  link: ['link', 'outputFile'],
  build: ['build', 'buildGuard', 'buildWorker', 'buildVerify', 'outputFile'],
  load: ['load', 'errors'],
  maps: ['maps'],
  run: ['run', 'runVm', 'build'],
  trace: ['trace'],
  probe: ['probe'],
  gen: ['genSkeleton', 'tracepointFormat', 'outputFile'],
  verify: ['verify', 'verifyJunit', 'verifySarif', 'build'],
};

async function loadModules(names: readonly LazyName[]): Promise<void> {
  await Promise.all(names.map(async (n) => {
    if (loaded[n] === undefined) (loaded as Record<string, unknown>)[n] = await lazyModules[n]();
  }));
}

/**
 * Loads the modules of `commands` (all by default) and the error classes: the synchronous `main`
 * runs only commands whose modules are loaded (mainAsync loads them itself).
 */
export async function loadCommands(commands: readonly string[] = Object.keys(commandModules)): Promise<void> {
  await loadModules(['errors', ...commands.flatMap((c) => commandModules[c] ?? [])]);
}

/** A loaded command module (loadCommands or mainAsync loaded it). */
function use<K extends LazyName>(name: K): NonNullable<Loaded[K]> {
  const m = loaded[name];
  if (m === undefined) throw new Error(`module ${name} is not loaded (call loadCommands before main)`);
  return m as NonNullable<Loaded[K]>;
}

/** Where the CLI writes: the process's stdout and stderr, or a test's buffers (main's `io`). */
export interface CliIo {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
}
const processIo: CliIo = { stdout: writeStdout, stderr: (t) => { process.stderr.write(t); } };
let io: CliIo = processIo;
const out = (t: string | Uint8Array): void => io.stdout(t);
const err = (t: string): void => io.stderr(t);

/** The input an error is about: the file the running command was reading when it failed. */
let inputFile: string | undefined;
function readInput(path: string): Uint8Array {
  inputFile = path;
  return readFile(path);
}

/**
 * The base BTF file of `btf dump`/`btf gen-ts`: read, and its ELF container checked now, so that
 * an error in it names it (a BtfError of its types says inBase).
 */
function readBase(path: string | undefined): Uint8Array | undefined {
  if (path === undefined) return undefined;
  const bytes = readInput(path);
  use('btfDump').btfBytesOfFile(bytes);
  baseFile = path;
  return bytes;
}

/** `CMD --help`: not an error; main prints the usage and exits 0. */
class HelpRequest {
  constructor(readonly text: string) {}
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The command's flags and operands; `--help`/`-h` anywhere asks for the command's usage. */
function parse(command: string, args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  let r: { values: Values; positionals: string[] };
  try {
    r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    if (args.includes('--help') || args.includes('-h')) throw new HelpRequest(USAGE[command]!);
    throw new UsageError(`${(e as Error).message.split('\n')[0]!} (try tsbpf ${command} --help)`);
  }
  if (r.values.help === true) throw new HelpRequest(USAGE[command]!);
  return r;
}

/** The subcommand of `btf`, `maps` or `gen`; `--help` or none lists them. */
function subcommand(command: string, args: string[]): [string, string[]] {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') throw new HelpRequest(groupUsage(command));
  if (sub === undefined || !SUBCOMMANDS[command]!.includes(sub)) {
    throw new UsageError(`unknown ${command} subcommand '${quoted(sub ?? '')}' (expected: ${SUBCOMMANDS[command]!.map((c) => `${command} ${c}`).join(', ')}; try tsbpf ${command} --help)`);
  }
  return [sub, rest];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got ${String(value)})`);
}

function single(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

function commandAsm(args: string[]): number {
  const { values, positionals } = parse('asm', args, {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    syntax: { type: 'string' },
    'byte-order': { type: 'string' },
  });
  const file = single(positionals, 'input file');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('asm needs -o OUT (try tsbpf asm --help)');
  const bytes = readInput(file);
  const source = utf8Text(bytes);
  const result = use('asm').assembleSource(source, file, {
    asciiBytes: asciiOnly(bytes),
    format: oneOf<AsmOutputFormat>(values.format, ['elf', 'raw', 'hex'], '--format'),
    syntax: oneOf<AsmSyntax>(values.syntax, ['llvm', 'ubpf'], '--syntax'),
    byteOrder: oneOf(values['byte-order'], ['le', 'be'] as const, '--byte-order'),
  });
  if (output === '-') out(result);
  else use('outputFile').writeOutputFile(output, result);
  return 0;
}

function commandDisasm(args: string[]): number {
  const { values, positionals } = parse('disasm', args, {
    reloc: { type: 'boolean', short: 'r' },
    format: { type: 'string' },
    section: { type: 'string', multiple: true, short: 'j' },
  });
  const file = single(positionals, 'input file');
  const text = use('disasm').disassembleFileBytes(readInput(file), file, {
    relocations: values.reloc === true,
    format: oneOf(values.format, ['llvm', 'kernel'] as const, '--format'),
    sections: values.section as string[] | undefined,
    onWarning: (message) => process.stderr.write(`tsbpf: warning: ${message}\n`),
  });
  out(text);
  return 0;
}

function commandBtfGenTs(args: string[]): number {
  const { values, positionals } = parse('btf gen-ts', args, {
    type: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' }, import: { type: 'string' }, base: { type: 'string' },
    lang: { type: 'boolean' },
  });
  const file = single(positionals, 'input file');
  const types = (values.type as string[] | undefined) ?? [];
  if (types.length === 0) throw new UsageError('btf gen-ts needs at least one --type NAME');
  const basePath = typeof values.base === 'string' ? values.base : use('btfDump').defaultBasePath(file);
  const base = readBase(basePath);
  const bytes = readInput(file);
  const text = use('btfGenTs').genTsFromBytes(bytes, {
    types, source: file, importFrom: typeof values.import === 'string' ? values.import : undefined, base, lang: values.lang === true,
  });
  const output = values.output;
  if (typeof output === 'string' && output !== '-') use('outputFile').writeOutputFile(output, text);
  else out(text);
  return 0;
}

function commandBtf(args: string[]): number {
  const [sub, rest] = subcommand('btf', args);
  if (sub === 'gen-ts') return commandBtfGenTs(rest);
  const { values, positionals } = parse('btf dump', rest, { format: { type: 'string' }, base: { type: 'string' } });
  const file = single(positionals, 'input file');
  const basePath = typeof values.base === 'string' ? values.base : use('btfDump').defaultBasePath(file);
  const format = oneOf<BtfDumpFormat>(values.format, ['raw', 'c', 'json'], '--format');
  const base = readBase(basePath);
  const bytes = readInput(file);
  // Decoding errors come before the first byte is written: the output is all or nothing.
  use('btfDump').dumpBtfTo(bytes, { format, base }, out);
  return 0;
}

function commandLink(args: string[]): number {
  const { values, positionals } = parse('link', args, { output: { type: 'string', short: 'o' } });
  if (positionals.length === 0) throw new UsageError('link needs at least one input object (try tsbpf link --help)');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('link needs -o OUT (try tsbpf link --help)');
  // A LinkError names the input it is about itself.
  const result = use('link').linkFiles(positionals);
  if (output === '-') out(result);
  else use('outputFile').writeOutputFile(output, result);
  return 0;
}

function commandLoad(args: string[]): number {
  const { values, positionals } = parse('load', args, {
    prog: { type: 'string', multiple: true },
    'max-entries': { type: 'string', multiple: true },
    'value-size': { type: 'string', multiple: true },
    btf: { type: 'string' },
    pin: { type: 'string' },
    'pin-maps': { type: 'string' },
    'pin-reuse': { type: 'boolean' },
    'print-log': { type: 'boolean' },
    verbose: { type: 'boolean' },
    'no-preverify': { type: 'boolean' },
    attach: { type: 'boolean' },
    iface: { type: 'string' },
    cgroup: { type: 'string' },
  });
  const file = single(positionals, 'object file');
  const bytes = readInput(file);
  const printLog = values['print-log'] === true;
  try {
    const result = use('load').loadCommand(bytes, file, {
      ...(values.prog === undefined ? {} : { programs: values.prog as string[] }),
      ...(values['max-entries'] === undefined ? {} : { maxEntries: mapSizeOption('--max-entries', values['max-entries'] as string[]) }),
      ...(values['value-size'] === undefined ? {} : { valueSizes: mapSizeOption('--value-size', values['value-size'] as string[]) }),
      ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
      ...(typeof values.pin === 'string' ? { pinDir: values.pin } : {}),
      ...(typeof values['pin-maps'] === 'string' ? { pinMapsDir: values['pin-maps'] } : {}),
      ...(values['pin-reuse'] === true ? { pinReuse: true } : {}),
      printLog,
      // Warnings always (a disagreement with the verifier model, a map retried without BTF), as libbpf prints them.
      log: (level: string, message: string) => { if (level === 'warn' || values.verbose === true) err(`tsbpf: ${level}: ${message}\n`); },
      preverify: values['no-preverify'] !== true,
      ...(values.attach === true ? {
        attach: {
          ...(typeof values.iface === 'string' ? { interface: values.iface } : {}),
          ...(typeof values.cgroup === 'string' ? { cgroup: values.cgroup } : {}),
        },
      } : {}),
    });
    for (const l of result.logs) err(`--- verifier log of ${l.program} ---\n${l.log}${l.log.endsWith('\n') ? '' : '\n'}`);
    out(result.lines.map((l) => `${l}\n`).join(''));
    return 0;
  } catch (e) {
    // A negative verdict: one line; the whole verifier log only when asked for.
    if (e instanceof use('errors').LoadError && printLog) err(`--- verifier log of ${e.program} ---\n${e.log}${e.log.endsWith('\n') ? '' : '\n'}`);
    throw e;
  }
}

/** `--max-entries MAP=N` or `--value-size MAP=N` (repeatable) as a map name → number record. */
function mapSizeOption(flag: string, specs: readonly string[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(\d+)$/.exec(spec);
    const n = m === null ? NaN : Number(m[2]);
    if (m === null || !Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) {
      throw new UsageError(`${flag} wants MAP=N with N from 1 to 4294967295 (got ${quoted(spec)})`);
    }
    sizes[m[1]!] = n;
  }
  return sizes;
}

function commandMaps(args: string[]): number {
  const [, rest] = subcommand('maps', args);
  const { positionals } = parse('maps dump', rest, {});
  const target = single(positionals, 'pinned map path or map id');
  inputFile = target;
  const lines: string[] = [];
  use('maps').dumpMap(target, (l) => lines.push(l));
  out(lines.join(''));
  return 0;
}

function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a non-negative integer (got ${quoted(v)})`);
  return n;
}

function commandRun(args: string[]): number | Promise<number> {
  const { values, positionals } = parse('run', args, {
    prog: { type: 'string' }, data: { type: 'string' }, ctx: { type: 'string' }, repeat: { type: 'string' },
    btf: { type: 'string' }, json: { type: 'boolean' }, interp: { type: 'boolean' }, type: { type: 'string' },
    engine: { type: 'string' },
  });
  const file = single(positionals, 'object file');
  const data = typeof values.data === 'string' ? readInput(values.data) : undefined;
  const ctx = typeof values.ctx === 'string' ? readInput(values.ctx) : undefined;
  const repeat = positiveInt(values.repeat, '--repeat');
  if (values.interp === true) {
    const engine = values.engine === undefined ? undefined : oneOf(values.engine, ['compiled', 'interpreter'] as const, '--engine');
    const options = {
      ...(typeof values.prog === 'string' ? { program: values.prog } : {}), ...(typeof values.type === 'string' ? { type: values.type } : {}),
      ...(data === undefined ? {} : { data }), ...(ctx === undefined ? {} : { ctx }), ...(repeat === undefined ? {} : { repeat }),
      ...(engine === undefined ? {} : { engine }), ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
    };
    const report = (r: VmRunCommandResult): number => {
      out(values.json === true ? use('runVm').vmRunJson(r) : use('runVm').formatVmRunResult(r));
      return r.fault === null ? 0 : 1;
    };
    if (/\.(ts|mts|js|mjs)$/.test(file)) {
      inputFile = file;
      return use('build').buildProgramFile(file).then((bytes) => report(use('runVm').runVmCommand(bytes, file, options)));
    }
    return report(use('runVm').runVmCommand(readInput(file), file, options));
  }
  if (typeof values.type === 'string' || values.engine !== undefined) throw new UsageError('--type and --engine need --interp (the kernel test run takes the type from the object)');
  if (typeof values.prog !== 'string') throw new UsageError('run needs --prog NAME (try tsbpf run --help)');
  const bytes = readInput(file);
  const r = use('run').runCommand(bytes, file, {
    program: values.prog, ...(data === undefined ? {} : { data }), ...(ctx === undefined ? {} : { ctx }),
    ...(repeat === undefined ? {} : { repeat }), ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
  });
  out(values.json === true ? use('run').runResultJson(r) : use('run').formatRunResult(r));
  return 0;
}

function commandProbe(args: string[]): number {
  const { values, positionals } = parse('probe', args, {
    helpers: { type: 'boolean' }, json: { type: 'boolean' }, 'prog-type': { type: 'string' }, 'map-type': { type: 'string' },
    helper: { type: 'string' }, attach: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`probe takes no arguments (got ${quoted(positionals[0])})`);
  const q = { progType: values['prog-type'], mapType: values['map-type'], helper: values.helper, attach: values.attach } as Record<string, string | undefined>;
  if (q.progType !== undefined || q.mapType !== undefined || q.helper !== undefined || q.attach !== undefined) {
    const r = use('probe').probeOne({
      ...(q.progType === undefined ? {} : { progType: q.progType }), ...(q.mapType === undefined ? {} : { mapType: q.mapType }),
      ...(q.helper === undefined ? {} : { helper: q.helper }), ...(q.attach === undefined ? {} : { attach: q.attach }),
    });
    out(values.json === true ? `${JSON.stringify(r)}\n` : `${r.feature}: ${r.supported ? 'yes' : 'no'}${r.detail === 'ok' ? '' : ` (${r.detail})`}\n`);
    return r.supported ? 0 : 1;
  }
  const report = use('probe').probeAll(values.helpers === true);
  out(values.json === true ? `${JSON.stringify(report)}\n` : use('probe').formatReport(report));
  return 0;
}

function commandGen(args: string[]): number {
  const [sub, rest] = subcommand('gen', args);
  if (sub === 'tracepoint') {
    const { values, positionals } = parse('gen tracepoint', rest, { output: { type: 'string', short: 'o' } });
    const text = use('tracepointFormat').generateTracepointType(single(positionals, 'tracepoint (CATEGORY/NAME)'));
    if (typeof values.output === 'string' && values.output !== '-') use('outputFile').writeOutputFile(values.output, text);
    else out(text);
    return 0;
  }
  const { values, positionals } = parse('gen skeleton', rest, { name: { type: 'string' }, import: { type: 'string' } });
  const file = single(positionals, 'object file');
  out(use('genSkeleton').generateSkeletonFile(readInput(file), file, {
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(typeof values.import === 'string' ? { importFrom: values.import } : {}),
  }));
  return 0;
}

async function commandTrace(args: string[]): Promise<number> {
  const { values, positionals } = parse('trace', args, { json: { type: 'boolean' }, timeout: { type: 'string' }, count: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`trace takes no arguments (got ${quoted(positionals[0])})`);
  const timeout = positiveInt(values.timeout, '--timeout');
  const count = positiveInt(values.count, '--count');
  return use('trace').traceCommand({
    json: values.json === true, ...(timeout === undefined ? {} : { idleTimeoutMs: timeout }), ...(count === undefined ? {} : { count }),
  }, (t) => out(t));
}

async function commandBuild(args: string[]): Promise<number> {
  const { values, positionals } = parse('build', args, {
    output: { type: 'string', short: 'o' }, timeout: { type: 'string' }, 'max-heap': { type: 'string' }, 'no-verify': { type: 'boolean' },
    verbose: { type: 'boolean' },
  });
  const file = single(positionals, 'program module (PROG.ts)');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('build needs -o OUT.o (try tsbpf build --help)');
  const seconds = positiveInt(values.timeout, '--timeout');
  const heap = positiveInt(values['max-heap'], '--max-heap');
  if (seconds === 0 || heap === 0) throw new UsageError(`${seconds === 0 ? '--timeout' : '--max-heap'} must be at least 1`);
  inputFile = file;
  const script = use('buildWorker').buildWorkerScript();
  let bytes: Uint8Array;
  // A module in the language is compiled, never run: no module code needs the worker's budget,
  // and in-process the build does not pay for a second isolate loading the CLI again.
  if (script !== undefined && !use('build').isLanguageModule(file)) {
    bytes = await use('buildWorker').buildInWorker(script, file, {
      timeoutMs: seconds === undefined ? use('buildWorker').DEFAULT_BUILD_BUDGET.timeoutMs : seconds * 1000,
      maxHeapMb: heap ?? use('buildWorker').DEFAULT_BUILD_BUDGET.maxHeapMb,
    });
  } else {
    // In-process (the CLI run from its sources): the module ending the process or never
    // finishing is still reported; there is no time or heap budget.
    const done = use('buildGuard').guardBuild(file);
    const report = values.verbose === true
      ? (how: 'reused' | 'checked') => err(how === 'reused' ? 'type check: reused (every file and path it depends on is as at a clean check)\n' : 'type check: run\n')
      : undefined;
    try { bytes = await use('build').buildProgramFile(file, undefined, report); } finally { done(); }
  }
  if (values['no-verify'] !== true) {
    const rejections = use('buildVerify').buildRejections(bytes, file);
    if (rejections.length > 0) {
      err(`${rejections.join('\n')}\n`);
      return 1;
    }
  }
  if (output === '-') out(bytes);
  else use('outputFile').writeOutputFile(output, bytes);
  return 0;
}

async function commandVerify(args: string[]): Promise<number> {
  const { values, positionals } = parse('verify', args, {
    prog: { type: 'string' },
    type: { type: 'string' },
    btf: { type: 'string' },
    caps: { type: 'string' },
    json: { type: 'boolean' },
    reporter: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError('verify needs at least one FILE (try tsbpf verify --help)');
  const level = values['log-level'] === undefined ? 1 : Number(values['log-level']);
  if (!Number.isInteger(level) || level < 0 || level > 2) throw new UsageError(`--log-level must be 0, 1 or 2 (got '${quoted(String(values['log-level']))}')`);
  const caps = values.caps;
  if (caps !== undefined && caps !== 'root' && caps !== 'bpf' && caps !== 'unpriv') throw new UsageError(`--caps must be root, bpf or unpriv (got '${quoted(caps)}')`);
  const reporter = values.reporter;
  if (reporter !== undefined && reporter !== 'sarif' && reporter !== 'junit') throw new UsageError(`--reporter must be sarif or junit (got '${quoted(reporter)}')`);
  if (reporter !== undefined && values.json === true) throw new UsageError('--json and --reporter are exclusive');
  const verify = use('verify');
  const records: ReturnType<typeof verify.verifyBytes> = [];
  for (const file of positionals) {
    inputFile = file;
    // A DSL program is built first (in memory), then verified like any object.
    const bytes = /\.[cm]?ts$/.test(file) ? await use('build').buildProgramFile(file) : readInput(file);
    records.push(...verify.verifyBytes(bytes, file, {
      logLevel: level,
      ...(typeof values.prog === 'string' ? { program: values.prog } : {}),
      ...(typeof values.type === 'string' ? { type: values.type } : {}),
      ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
      ...(caps === undefined ? {} : { caps }),
    }));
  }
  out(reporter === 'sarif' ? use('verifySarif').verifySarif(records) : reporter === 'junit' ? use('verifyJunit').verifyJunit(records)
    : values.json === true ? verify.verifyJson(records) : verify.formatVerifyRecords(records));
  return verify.verifyExitStatus(records);
}

const commands: Record<string, (args: string[]) => number | Promise<number>> = {
  asm: commandAsm,
  disasm: commandDisasm,
  btf: commandBtf,
  link: commandLink,
  build: commandBuild,
  load: commandLoad,
  maps: commandMaps,
  run: commandRun,
  trace: commandTrace,
  probe: commandProbe,
  gen: commandGen,
  verify: commandVerify,
};

/** The base BTF file of `btf dump`/`btf gen-ts`, to blame when the error is in the base. */
let baseFile: string | undefined;

/**
 * The one line for a typed error and the exit status it means: 1 for a verdict (the kernel
 * refused a program), 2 for bad input or usage. Decided by the error's class, never its text.
 */
export function describeError(e: TsbpfError, file: string | undefined): { line: string; status: 1 | 2 } {
  const where = file ?? 'tsbpf';
  if (e instanceof UsageError) return { line: `tsbpf: error: ${e.message}`, status: 2 };
  // These carry their own location.
  if (e instanceof AsmError) return { line: e.message, status: 2 };
  if (e instanceof BuildError) return { line: e.line1, status: 2 };
  if (e instanceof DslError) {
    const loc = e.location;
    return { line: loc === undefined ? `${where}: error: ${e.reason}` : `${loc.file}:${loc.line}:${loc.column}: error: ${e.reason}`, status: 2 };
  }
  const c = use('errors');
  if (e instanceof c.LoadError) return { line: `${where}: ${e.message}`, status: 1 };
  if (e instanceof c.LinkError) return { line: `${e.file === '' ? 'tsbpf link' : e.file}: error: ${e.symbol === undefined ? '' : `'${shown(e.symbol, 64)}': `}${e.reason}`, status: 2 };
  if (e instanceof c.BtfError && e.inBase === true && baseFile !== undefined) return { line: `${baseFile}: error: ${e.message}`, status: 2 };
  // No access to bpf(2) here: about the machine, not a file.
  if (e instanceof c.BpfAccessError || e instanceof c.NativeUnavailableError) return { line: `tsbpf: error: ${e.message}`, status: 2 };
  return { line: `${where}: error: ${e.message}`, status: 2 };
}

/** The one line (controls escaped) and exit status for a failure; the stack of a bug in tsbpf. */
export function describeFailure(e: unknown, file: string | undefined): { line: string; status: number; stack?: string } {
  if (e instanceof WorkerBuildFailure) return { line: e.line, status: e.status, ...(e.workerStack === undefined ? {} : { stack: e.workerStack }) };
  if (e instanceof TsbpfError) {
    const { line, status } = describeError(e, file);
    return { line: escapeControls(line), status };
  }
  // Anything else is a bug in tsbpf: one line, and the stack with TSBPF_DEBUG=1.
  let text: string;
  try { text = e instanceof Error ? `${e.name}: ${e.message}` : String(e); } catch { text = 'an unprintable value'; }
  let stack: string | undefined;
  try { stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : undefined; } catch { /* no stack */ }
  return { line: `tsbpf: internal error: ${escapeControls(text)} (please report it; TSBPF_DEBUG=1 shows where)`, status: 3, ...(stack === undefined ? {} : { stack }) };
}

/** Exit status and stderr for whatever a command threw. */
function failure(e: unknown): number {
  if (e instanceof StdoutClosed) return 0;
  if (e instanceof HelpRequest) {
    out(e.text);
    return 0;
  }
  const { line, status, stack } = describeFailure(e, inputFile);
  err(`${line}\n`);
  if (status === 3 && process.env.TSBPF_DEBUG === '1' && stack !== undefined) err(`${stack}\n`);
  return status;
}

function topLevel(argv: string[]): number | undefined {
  const [command, next] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === 'help') {
    if (next !== undefined && USAGE[next] !== undefined) out(USAGE[next]!);
    else if (next !== undefined && SUBCOMMANDS[next] !== undefined) out(groupUsage(next));
    else out(HELP);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    out(`${VERSION}\n`);
    return 0;
  }
  return undefined;
}

/** A table's own entry: a command named `constructor` or `toString` is not one of Object's methods. */
function ownValue<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function commandNamed(command: string | undefined): ((args: string[]) => number | Promise<number>) | undefined {
  return command === undefined ? undefined : ownValue(commands, command);
}

/**
 * The CLI without the asynchronous commands (build, trace): returns the exit status. `target`
 * replaces stdout and stderr (tests run the CLI in-process with it).
 */
export function main(argv: string[], target: CliIo = processIo): number {
  const [command, ...rest] = argv;
  const run = commandNamed(command);
  const result = withIo(target, () => {
    const early = topLevel(argv);
    if (early !== undefined) return early;
    if (run === undefined) throw new UsageError(`unknown command '${quoted(command ?? '')}' (try tsbpf --help)`);
    if (command === 'build' || command === 'trace' || command === 'verify') throw new UsageError(`${command} runs asynchronously: call mainAsync`);
    const status = run(rest);
    if (typeof status !== 'number') throw new UsageError(`${command} of a DSL program runs asynchronously: call mainAsync`);
    return status;
  });
  return result as number;
}

function withIo(target: CliIo, body: () => number | Promise<number>): number | Promise<number> {
  io = target;
  inputFile = undefined;
  baseFile = undefined;
  const finish = (): void => { io = processIo; };
  let r: number | Promise<number>;
  try {
    r = body();
  } catch (e) {
    const status = failure(e);
    finish();
    return status;
  }
  if (typeof r === 'number') { finish(); return r; }
  // The error classes are loaded before a failure is described (they decide its exit status).
  return r.then((s) => { finish(); return s; }, async (e: unknown) => {
    if (e instanceof TsbpfError) await loadModules(['errors']);
    const status = failure(e);
    finish();
    return status;
  });
}

/** main, plus the asynchronous commands; the executable calls this. Loads what the command uses. */
export async function mainAsync(argv: string[], target: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  const run = commandNamed(command);
  return withIo(target, async () => {
    const early = topLevel(argv);
    if (early !== undefined) return early;
    if (run === undefined) throw new UsageError(`unknown command '${quoted(command ?? '')}' (try tsbpf --help)`);
    await loadModules(ownValue(commandModules, `${command} ${rest[0]}`) ?? ownValue(commandModules, command!) ?? []);
    return run(rest);
  });
}

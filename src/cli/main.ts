// The tsbpf command line. Exit status: 0 success, 1 negative verdict,
// 2 bad input or usage, 3 internal error. Errors are one line on stderr.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BtfError, LinkError } from '../../elf/index.js';
import { AsmError, escapeControls, shown, TsbpfError } from '../../isa/index.js';
import { BpfAccessError, LoadError, NativeUnavailableError } from '../../loader/index.js';
import { type AsmOutputFormat, type AsmSyntax, assembleSource } from '../commands/asm.js';
import { btfBytesOfFile, type BtfDumpFormat, defaultBasePath, dumpBtfTo } from '../commands/btf-dump.js';
import { genTsFromBytes } from '../commands/btf-gen-ts.js';
import { buildProgramFile } from '../commands/build.js';
import { BuildError } from '../commands/build-error.js';
import { guardBuild } from '../commands/build-guard.js';
import { buildInWorker, buildWorkerScript, DEFAULT_BUILD_BUDGET, WorkerBuildFailure } from '../commands/build-worker.js';
import { disassembleFileBytes } from '../commands/disasm.js';
import { generateSkeletonFile } from '../commands/gen-skeleton.js';
import { generateTracepointType } from '../compiler/tracepoint-format.js';
import { linkFiles } from '../commands/link.js';
import { loadCommand } from '../commands/load.js';
import { dumpMap } from '../commands/maps.js';
import { formatReport, probeAll, probeOne } from '../commands/probe.js';
import { formatRunResult, runCommand, runResultJson } from '../commands/run.js';
import { formatVmRunResult, runVmCommand, type VmRunCommandResult, vmRunJson } from '../commands/run-vm.js';
import { traceCommand } from '../commands/trace.js';
import { formatVerifyReports, verifyBytes, verifyJson } from '../commands/verify.js';
import { DslError } from '../dsl/errors.js';
import { quoted } from '../dsl/quote.js';
import { VERSION } from '../version.js';
import { readInput as readFile, StdoutClosed, writeStdout } from './io.js';
import { writeOutputFile } from './output-file.js';
import { groupUsage, HELP, SUBCOMMANDS, USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

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
  btfBytesOfFile(bytes);
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
  const source = new TextDecoder().decode(readInput(file));
  const result = assembleSource(source, file, {
    format: oneOf<AsmOutputFormat>(values.format, ['elf', 'raw', 'hex'], '--format'),
    syntax: oneOf<AsmSyntax>(values.syntax, ['llvm', 'ubpf'], '--syntax'),
    byteOrder: oneOf(values['byte-order'], ['le', 'be'] as const, '--byte-order'),
  });
  if (output === '-') out(result);
  else writeOutputFile(output, result);
  return 0;
}

function commandDisasm(args: string[]): number {
  const { values, positionals } = parse('disasm', args, {
    reloc: { type: 'boolean', short: 'r' },
    format: { type: 'string' },
    section: { type: 'string', multiple: true, short: 'j' },
  });
  const file = single(positionals, 'input file');
  const text = disassembleFileBytes(readInput(file), file, {
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
  });
  const file = single(positionals, 'input file');
  const types = (values.type as string[] | undefined) ?? [];
  if (types.length === 0) throw new UsageError('btf gen-ts needs at least one --type NAME');
  const basePath = typeof values.base === 'string' ? values.base : defaultBasePath(file);
  const base = readBase(basePath);
  const bytes = readInput(file);
  const text = genTsFromBytes(bytes, {
    types, source: file, importFrom: typeof values.import === 'string' ? values.import : undefined, base,
  });
  const output = values.output;
  if (typeof output === 'string' && output !== '-') writeOutputFile(output, text);
  else out(text);
  return 0;
}

function commandBtf(args: string[]): number {
  const [sub, rest] = subcommand('btf', args);
  if (sub === 'gen-ts') return commandBtfGenTs(rest);
  const { values, positionals } = parse('btf dump', rest, { format: { type: 'string' }, base: { type: 'string' } });
  const file = single(positionals, 'input file');
  const basePath = typeof values.base === 'string' ? values.base : defaultBasePath(file);
  const format = oneOf<BtfDumpFormat>(values.format, ['raw', 'c', 'json'], '--format');
  const base = readBase(basePath);
  const bytes = readInput(file);
  // Decoding errors come before the first byte is written: the output is all or nothing.
  dumpBtfTo(bytes, { format, base }, out);
  return 0;
}

function commandLink(args: string[]): number {
  const { values, positionals } = parse('link', args, { output: { type: 'string', short: 'o' } });
  if (positionals.length === 0) throw new UsageError('link needs at least one input object (try tsbpf link --help)');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('link needs -o OUT (try tsbpf link --help)');
  // A LinkError names the input it is about itself.
  const result = linkFiles(positionals);
  if (output === '-') out(result);
  else writeOutputFile(output, result);
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
    attach: { type: 'boolean' },
    iface: { type: 'string' },
    cgroup: { type: 'string' },
  });
  const file = single(positionals, 'object file');
  const bytes = readInput(file);
  const printLog = values['print-log'] === true;
  try {
    const result = loadCommand(bytes, file, {
      ...(values.prog === undefined ? {} : { programs: values.prog as string[] }),
      ...(values['max-entries'] === undefined ? {} : { maxEntries: mapSizeOption('--max-entries', values['max-entries'] as string[]) }),
      ...(values['value-size'] === undefined ? {} : { valueSizes: mapSizeOption('--value-size', values['value-size'] as string[]) }),
      ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
      ...(typeof values.pin === 'string' ? { pinDir: values.pin } : {}),
      ...(typeof values['pin-maps'] === 'string' ? { pinMapsDir: values['pin-maps'] } : {}),
      ...(values['pin-reuse'] === true ? { pinReuse: true } : {}),
      printLog,
      ...(values.verbose === true ? { log: (level: string, message: string) => err(`tsbpf: ${level}: ${message}\n`) } : {}),
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
    if (e instanceof LoadError && printLog) err(`--- verifier log of ${e.program} ---\n${e.log}${e.log.endsWith('\n') ? '' : '\n'}`);
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
  dumpMap(target, (l) => lines.push(l));
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
    if (typeof values.btf === 'string') throw new UsageError('--btf is not supported with --interp (CO-RE relocations are not resolved by the vm yet)');
    const engine = values.engine === undefined ? undefined : oneOf(values.engine, ['compiled', 'interpreter'] as const, '--engine');
    const options = {
      ...(typeof values.prog === 'string' ? { program: values.prog } : {}), ...(typeof values.type === 'string' ? { type: values.type } : {}),
      ...(data === undefined ? {} : { data }), ...(ctx === undefined ? {} : { ctx }), ...(repeat === undefined ? {} : { repeat }),
      ...(engine === undefined ? {} : { engine }),
    };
    const report = (r: VmRunCommandResult): number => {
      out(values.json === true ? vmRunJson(r) : formatVmRunResult(r));
      return r.fault === null ? 0 : 1;
    };
    if (/\.(ts|mts|js|mjs)$/.test(file)) {
      inputFile = file;
      return buildProgramFile(file).then((bytes) => report(runVmCommand(bytes, file, options)));
    }
    return report(runVmCommand(readInput(file), file, options));
  }
  if (typeof values.type === 'string' || values.engine !== undefined) throw new UsageError('--type and --engine need --interp (the kernel test run takes the type from the object)');
  if (typeof values.prog !== 'string') throw new UsageError('run needs --prog NAME (try tsbpf run --help)');
  const bytes = readInput(file);
  const r = runCommand(bytes, file, {
    program: values.prog, ...(data === undefined ? {} : { data }), ...(ctx === undefined ? {} : { ctx }),
    ...(repeat === undefined ? {} : { repeat }), ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
  });
  out(values.json === true ? runResultJson(r) : formatRunResult(r));
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
    const r = probeOne({
      ...(q.progType === undefined ? {} : { progType: q.progType }), ...(q.mapType === undefined ? {} : { mapType: q.mapType }),
      ...(q.helper === undefined ? {} : { helper: q.helper }), ...(q.attach === undefined ? {} : { attach: q.attach }),
    });
    out(values.json === true ? `${JSON.stringify(r)}\n` : `${r.feature}: ${r.supported ? 'yes' : 'no'}${r.detail === 'ok' ? '' : ` (${r.detail})`}\n`);
    return r.supported ? 0 : 1;
  }
  const report = probeAll(values.helpers === true);
  out(values.json === true ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}

function commandGen(args: string[]): number {
  const [sub, rest] = subcommand('gen', args);
  if (sub === 'tracepoint') {
    const { values, positionals } = parse('gen tracepoint', rest, { output: { type: 'string', short: 'o' } });
    const text = generateTracepointType(single(positionals, 'tracepoint (CATEGORY/NAME)'));
    if (typeof values.output === 'string' && values.output !== '-') writeOutputFile(values.output, text);
    else out(text);
    return 0;
  }
  const { values, positionals } = parse('gen skeleton', rest, { name: { type: 'string' }, import: { type: 'string' } });
  const file = single(positionals, 'object file');
  out(generateSkeletonFile(readInput(file), file, {
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
  return traceCommand({
    json: values.json === true, ...(timeout === undefined ? {} : { idleTimeoutMs: timeout }), ...(count === undefined ? {} : { count }),
  }, (t) => out(t));
}

async function commandBuild(args: string[]): Promise<number> {
  const { values, positionals } = parse('build', args, {
    output: { type: 'string', short: 'o' }, timeout: { type: 'string' }, 'max-heap': { type: 'string' },
  });
  const file = single(positionals, 'program module (PROG.ts)');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('build needs -o OUT.o (try tsbpf build --help)');
  const seconds = positiveInt(values.timeout, '--timeout');
  const heap = positiveInt(values['max-heap'], '--max-heap');
  if (seconds === 0 || heap === 0) throw new UsageError(`${seconds === 0 ? '--timeout' : '--max-heap'} must be at least 1`);
  inputFile = file;
  const script = buildWorkerScript();
  let bytes: Uint8Array;
  if (script !== undefined) {
    bytes = await buildInWorker(script, file, {
      timeoutMs: seconds === undefined ? DEFAULT_BUILD_BUDGET.timeoutMs : seconds * 1000,
      maxHeapMb: heap ?? DEFAULT_BUILD_BUDGET.maxHeapMb,
    });
  } else {
    // In-process (the CLI run from its sources): the module ending the process or never
    // finishing is still reported; there is no time or heap budget.
    const done = guardBuild(file);
    try { bytes = await buildProgramFile(file); } finally { done(); }
  }
  if (output === '-') out(bytes);
  else writeOutputFile(output, bytes);
  return 0;
}

async function commandVerify(args: string[]): Promise<number> {
  const { values, positionals } = parse('verify', args, {
    prog: { type: 'string' },
    type: { type: 'string' },
    btf: { type: 'string' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
  });
  const file = single(positionals, 'program file');
  const level = values['log-level'] === undefined ? 1 : Number(values['log-level']);
  if (!Number.isInteger(level) || level < 0 || level > 2) throw new UsageError(`--log-level must be 0, 1 or 2 (got '${quoted(String(values['log-level']))}')`);
  // A DSL program is built first (in memory), then verified like any object.
  const bytes = /\.[cm]?ts$/.test(file) ? (inputFile = file, await buildProgramFile(file)) : readInput(file);
  const reports = verifyBytes(bytes, file, {
    logLevel: level,
    ...(typeof values.prog === 'string' ? { program: values.prog } : {}),
    ...(typeof values.type === 'string' ? { type: values.type } : {}),
    ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
  });
  out(values.json === true ? verifyJson(file, reports) : formatVerifyReports(reports));
  // 1 when any program is rejected; 2 when none is but the model cannot decide one.
  if (reports.some((r) => r.verdict === 'reject')) return 1;
  return reports.some((r) => r.verdict === 'unknown') ? 2 : 0;
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
  if (e instanceof LoadError) return { line: `${where}: ${e.message}`, status: 1 };
  if (e instanceof UsageError) return { line: `tsbpf: error: ${e.message}`, status: 2 };
  // These carry their own location.
  if (e instanceof AsmError) return { line: e.message, status: 2 };
  if (e instanceof BuildError) return { line: e.line1, status: 2 };
  if (e instanceof DslError) {
    const loc = e.location;
    return { line: loc === undefined ? `${where}: error: ${e.reason}` : `${loc.file}:${loc.line}:${loc.column}: error: ${e.reason}`, status: 2 };
  }
  if (e instanceof LinkError) return { line: `${e.file === '' ? 'tsbpf link' : e.file}: error: ${e.symbol === undefined ? '' : `'${shown(e.symbol, 64)}': `}${e.reason}`, status: 2 };
  if (e instanceof BtfError && e.inBase === true && baseFile !== undefined) return { line: `${baseFile}: error: ${e.message}`, status: 2 };
  // No access to bpf(2) here: about the machine, not a file.
  if (e instanceof BpfAccessError || e instanceof NativeUnavailableError) return { line: `tsbpf: error: ${e.message}`, status: 2 };
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

/**
 * The CLI without the asynchronous commands (build, trace): returns the exit status. `target`
 * replaces stdout and stderr (tests run the CLI in-process with it).
 */
export function main(argv: string[], target: CliIo = processIo): number {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : commands[command];
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
  return r.then((s) => { finish(); return s; }, (e: unknown) => { const status = failure(e); finish(); return status; });
}

/** main, plus the asynchronous commands; the executable calls this. */
export async function mainAsync(argv: string[], target: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : commands[command];
  return withIo(target, () => {
    const early = topLevel(argv);
    if (early !== undefined) return early;
    if (run === undefined) throw new UsageError(`unknown command '${quoted(command ?? '')}' (try tsbpf --help)`);
    return run(rest);
  });
}

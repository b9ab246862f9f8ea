// The tsbpf command line. Exit status: 0 success, 1 negative verdict,
// 2 bad input or usage, 3 internal error. Errors are one line on stderr.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BtfError, ElfError, LinkError, ObjectError } from '../../elf/index.js';
import { AsmError, DecodeError, EncodeError, printable, TsbpfError } from '../../isa/index.js';
import { type AsmOutputFormat, type AsmSyntax, assembleSource } from '../commands/asm.js';
import { disassembleFileBytes } from '../commands/disasm.js';
import { type BtfDumpFormat, defaultBasePath, dumpBtfTo } from '../commands/btf-dump.js';
import { linkFiles } from '../commands/link.js';
import { BuildError, buildProgramFile } from '../commands/build.js';
import { genTsFromBytes } from '../commands/btf-gen-ts.js';
import { CTypeError, GenTsError } from '../dsl/types/index.js';
import { loadCommand } from '../commands/load.js';
import { dumpMap } from '../commands/maps.js';
import { formatRunResult, runCommand, runResultJson } from '../commands/run.js';
import { formatReport, probeAll, probeOne } from '../commands/probe.js';
import { traceCommand } from '../commands/trace.js';
import { generateSkeletonFile } from '../commands/gen-skeleton.js';
import { AttachError, TestRunError } from '../../loader/index.js';
import {
  BpfAccessError, BtfLoadError, CoreError, ExternError, KernelBtfError, LinkError as ProgramLinkError, LoadError, MapError, NativeUnavailableError,
  ObjectInputError, PinMismatchError, RelocationError, SyscallError,
} from '../../loader/index.js';
import { VERSION } from '../version.js';
import { readInput, StdoutClosed, writeStdout } from './io.js';
import { writeOutputFile } from './output-file.js';
import { UsageError } from './usage-error.js';

const HELP = `tsbpf ${VERSION} — a pure-TypeScript eBPF toolchain

Usage:
  tsbpf asm FILE.s -o OUT [--format elf|raw|hex] [--syntax llvm|ubpf] [--byte-order le|be]
  tsbpf disasm FILE [-r] [--format llvm|kernel] [--section NAME]...
  tsbpf btf dump FILE [--format raw|c|json] [--base FILE]
  tsbpf link A.o [B.o ...] -o OUT.o
  tsbpf build PROG.ts -o OUT.o
  tsbpf btf gen-ts FILE --type NAME [--type NAME]... [-o OUT.ts] [--import MODULE] [--base FILE]
  tsbpf load OBJ.o [--prog NAME]... [--btf FILE] [--pin DIR [--pin-reuse]] [--print-log] [--attach [--iface IF] [--cgroup PATH]]
  tsbpf maps dump PIN_OR_ID
  tsbpf run OBJ.o --prog NAME [--data FILE] [--ctx FILE] [--repeat N] [--json]
  tsbpf trace [--json] [--timeout MS] [--count N]
  tsbpf probe [--helpers] [--json] | --prog-type T | --map-type T | --helper H --prog-type T
  tsbpf gen skeleton OBJ.o [--name NAME] [--import SPEC]
  tsbpf --help | --version

Exit status: 0 success, 1 negative verdict, 2 bad input or usage, 3 internal error.
See docs/cli.md.
`;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got ${String(value)})`);
}

/** The input file the running command read (set by single()); errors from its bytes name it. */
let inputFile: string | undefined;

function single(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  inputFile = positionals[0]!;
  return inputFile;
}

function commandAsm(args: string[]): number {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    syntax: { type: 'string' },
    'byte-order': { type: 'string' },
  });
  const file = single(positionals, 'input file');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('asm needs -o OUT');
  const source = new TextDecoder().decode(readInput(file));
  const result = assembleSource(source, file, {
    format: oneOf<AsmOutputFormat>(values.format, ['elf', 'raw', 'hex'], '--format'),
    syntax: oneOf<AsmSyntax>(values.syntax, ['llvm', 'ubpf'], '--syntax'),
    byteOrder: oneOf(values['byte-order'], ['le', 'be'] as const, '--byte-order'),
  });
  if (output === '-') writeStdout(result);
  else writeOutputFile(output, result);
  return 0;
}

function commandDisasm(args: string[]): number {
  const { values, positionals } = parse(args, {
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
  writeStdout(text);
  return 0;
}

function commandBtfGenTs(args: string[]): number {
  const { values, positionals } = parse(args, {
    type: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' }, import: { type: 'string' }, base: { type: 'string' },
  });
  const file = single(positionals, 'input file');
  const types = (values.type as string[] | undefined) ?? [];
  if (types.length === 0) throw new UsageError('btf gen-ts needs at least one --type NAME');
  const basePath = typeof values.base === 'string' ? values.base : defaultBasePath(file);
  let text: string;
  try {
    text = genTsFromBytes(readInput(file), {
      types, source: file, importFrom: typeof values.import === 'string' ? values.import : undefined,
      base: basePath === undefined ? undefined : readInput(basePath),
    });
  } catch (e) {
    if (e instanceof BtfError || e instanceof ElfError || e instanceof GenTsError || e instanceof CTypeError) {
      process.stderr.write(`${file}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const output = values.output;
  if (typeof output === 'string' && output !== '-') writeOutputFile(output, text);
  else writeStdout(text);
  return 0;
}

function commandBtf(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub === 'gen-ts') return commandBtfGenTs(rest);
  if (sub !== 'dump') throw new UsageError(`unknown btf subcommand '${sub ?? ''}' (expected: btf dump FILE or btf gen-ts FILE --type NAME)`);
  const { values, positionals } = parse(rest, { format: { type: 'string' }, base: { type: 'string' } });
  const file = single(positionals, 'input file');
  const basePath = typeof values.base === 'string' ? values.base : defaultBasePath(file);
  const format = oneOf<BtfDumpFormat>(values.format, ['raw', 'c', 'json'], '--format');
  const bytes = readInput(file);
  const base = basePath === undefined ? undefined : readInput(basePath);
  try {
    // Decoding errors come before the first byte is written: the output is all or nothing.
    dumpBtfTo(bytes, { format, base }, writeStdout);
  } catch (e) {
    // Name the file the bad bytes came from (the base or the file itself).
    if (e instanceof BtfError || e instanceof ElfError) {
      const where = e instanceof BtfError && e.inBase === true && basePath !== undefined ? basePath : file;
      process.stderr.write(`${where}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return 0;
}

function commandLink(args: string[]): number {
  const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' } });
  if (positionals.length === 0) throw new UsageError('link needs at least one input object');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('link needs -o OUT');
  const result = linkFiles(positionals);
  if (output === '-') writeStdout(result);
  else writeOutputFile(output, result);
  return 0;
}

function commandLoad(args: string[]): number {
  const { values, positionals } = parse(args, {
    prog: { type: 'string', multiple: true },
    btf: { type: 'string' },
    pin: { type: 'string' },
    'pin-reuse': { type: 'boolean' },
    'print-log': { type: 'boolean' },
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
      ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
      ...(typeof values.pin === 'string' ? { pinDir: values.pin } : {}),
      ...(values['pin-reuse'] === true ? { pinReuse: true } : {}),
      printLog,
      ...(values.attach === true ? {
        attach: {
          ...(typeof values.iface === 'string' ? { interface: values.iface } : {}),
          ...(typeof values.cgroup === 'string' ? { cgroup: values.cgroup } : {}),
        },
      } : {}),
    });
    for (const l of result.logs) process.stderr.write(`--- verifier log of ${l.program} ---\n${l.log}${l.log.endsWith('\n') ? '' : '\n'}`);
    writeStdout(result.lines.map((l) => `${l}\n`).join(''));
    return 0;
  } catch (e) {
    if (e instanceof LoadError) {
      // A negative verdict: one line; the whole verifier log only when asked for.
      if (printLog) process.stderr.write(`--- verifier log of ${e.program} ---\n${e.log}${e.log.endsWith('\n') ? '' : '\n'}`);
      process.stderr.write(`${file}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function commandMaps(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'dump') throw new UsageError(`unknown maps subcommand '${sub ?? ''}' (expected: maps dump PIN_OR_ID)`);
  const { positionals } = parse(rest, {});
  const target = single(positionals, 'pinned map path or map id');
  const lines: string[] = [];
  dumpMap(target, (l) => lines.push(l));
  writeStdout(lines.join(''));
  return 0;
}

function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a non-negative integer (got ${String(v)})`);
  return n;
}

function commandRun(args: string[]): number {
  const { values, positionals } = parse(args, {
    prog: { type: 'string' }, data: { type: 'string' }, ctx: { type: 'string' }, repeat: { type: 'string' },
    btf: { type: 'string' }, json: { type: 'boolean' },
  });
  const file = single(positionals, 'object file');
  if (typeof values.prog !== 'string') throw new UsageError('run needs --prog NAME');
  const bytes = readInput(file);
  const data = typeof values.data === 'string' ? readInput(values.data) : undefined;
  const ctx = typeof values.ctx === 'string' ? readInput(values.ctx) : undefined;
  const repeat = positiveInt(values.repeat, '--repeat');
  try {
    const r = runCommand(bytes, file, {
      program: values.prog, ...(data === undefined ? {} : { data }), ...(ctx === undefined ? {} : { ctx }),
      ...(repeat === undefined ? {} : { repeat }), ...(typeof values.btf === 'string' ? { btfPath: values.btf } : {}),
    });
    writeStdout(values.json === true ? runResultJson(r) : formatRunResult(r));
    return 0;
  } catch (e) {
    if (e instanceof LoadError) {
      process.stderr.write(`${file}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function commandProbe(args: string[]): number {
  const { values, positionals } = parse(args, {
    helpers: { type: 'boolean' }, json: { type: 'boolean' }, 'prog-type': { type: 'string' }, 'map-type': { type: 'string' },
    helper: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`probe takes no arguments (got ${positionals[0]})`);
  const q = { progType: values['prog-type'], mapType: values['map-type'], helper: values.helper } as Record<string, string | undefined>;
  if (q.progType !== undefined || q.mapType !== undefined || q.helper !== undefined) {
    const r = probeOne({ ...(q.progType === undefined ? {} : { progType: q.progType }), ...(q.mapType === undefined ? {} : { mapType: q.mapType }), ...(q.helper === undefined ? {} : { helper: q.helper }) });
    writeStdout(values.json === true ? `${JSON.stringify(r)}\n` : `${r.feature}: ${r.supported ? 'yes' : 'no'}${r.detail === 'ok' ? '' : ` (${r.detail})`}\n`);
    return r.supported ? 0 : 1;
  }
  const report = probeAll(values.helpers === true);
  writeStdout(values.json === true ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}

function commandGen(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'skeleton') throw new UsageError(`unknown gen subcommand '${sub ?? ''}' (expected: gen skeleton OBJ.o)`);
  const { values, positionals } = parse(rest, { name: { type: 'string' }, import: { type: 'string' } });
  const file = single(positionals, 'object file');
  writeStdout(generateSkeletonFile(readInput(file), file, {
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    ...(typeof values.import === 'string' ? { importFrom: values.import } : {}),
  }));
  return 0;
}

async function commandTrace(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, timeout: { type: 'string' }, count: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`trace takes no arguments (got ${positionals[0]})`);
  const timeout = positiveInt(values.timeout, '--timeout');
  const count = positiveInt(values.count, '--count');
  return traceCommand({
    json: values.json === true, ...(timeout === undefined ? {} : { idleTimeoutMs: timeout }), ...(count === undefined ? {} : { count }),
  }, (t) => writeStdout(t));
}

const commands: Record<string, (args: string[]) => number> = {
  run: commandRun,
  probe: commandProbe,
  gen: commandGen,
  asm: commandAsm,
  disasm: commandDisasm,
  btf: commandBtf,
  link: commandLink,
  load: commandLoad,
  maps: commandMaps,
};

/** Turns a typed error into the one line the CLI prints, or undefined for a bug. */
export function describeError(e: unknown, file: string | undefined): string | undefined {
  const where = file === undefined ? 'tsbpf' : file;
  if (e instanceof AsmError) return e.message;
  if (e instanceof UsageError) return `tsbpf: error: ${e.message}`;
  if (e instanceof BuildError) return `${e.message.replace(/^([^ ]*?): /, '$1: error: ')}`;
  // DSL errors may come from the program module's own copy of tsbpf: match by name.
  if (e instanceof Error && (e.name === 'DslError' || e.name === 'CTypeError' || e.name === 'ObjectError')) {
    return /^\S+:\d+:\d+: /.test(e.message) ? e.message.replace(/^(\S+:\d+:\d+): /, '$1: error: ') : `${where}: error: ${e.message}`;
  }
  if (e instanceof DecodeError || e instanceof EncodeError || e instanceof ElfError) return `${where}: error: ${e.message}`;
  if (e instanceof LinkError) return `${e.file === '' ? 'tsbpf link' : e.file}: error: ${e.symbol === undefined ? '' : `'${printable(e.symbol, 64)}': `}${e.reason}`;
  // Loader: no access to bpf(2) here, or the object/kernel refused something other than a program.
  if (e instanceof BpfAccessError || e instanceof NativeUnavailableError) return `tsbpf: error: ${e.message}`;
  if (e instanceof ObjectError || e instanceof ObjectInputError || e instanceof MapError || e instanceof BtfLoadError || e instanceof ExternError
    || e instanceof RelocationError || e instanceof ProgramLinkError || e instanceof PinMismatchError || e instanceof KernelBtfError
    || e instanceof CoreError || e instanceof SyscallError) return `${where}: error: ${e.message}`;
  if (e instanceof TestRunError || e instanceof AttachError) return `${where}: error: ${e.message}`;
  // Any other typed error (BtfError, BtfExtError, ...) is about the input; only other exceptions are bugs.
  if (e instanceof TsbpfError) return `${where}: error: ${e.message}`;
  return undefined;
}

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    writeStdout(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    writeStdout(`${VERSION}\n`);
    return 0;
  }
  const run = commands[command];
  inputFile = undefined;
  try {
    if (run === undefined) throw new UsageError(`unknown command '${command}' (try tsbpf --help)`);
    return run(rest);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    const line = describeError(e, inputFile);
    if (line !== undefined) {
      // Names from a damaged input may hold control bytes (a newline would make two lines).
      process.stderr.write(`${printable(line)}\n`);
      return 2;
    }
    process.stderr.write(`tsbpf: internal error: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return 3;
  }
}

async function commandBuild(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' } });
  const file = single(positionals, 'program module (PROG.ts)');
  const output = values.output;
  if (typeof output !== 'string') throw new UsageError('build needs -o OUT.o');
  const bytes = await buildProgramFile(file);
  if (output === '-') writeStdout(bytes);
  else writeOutputFile(output, bytes);
  return 0;
}

/** Commands that finish asynchronously: build imports the user's module, trace streams. */
const asyncCommands: Record<string, (args: string[]) => Promise<number>> = {
  build: commandBuild,
  trace: commandTrace,
};

/** main, plus the asynchronous commands; the executable calls this. */
export async function mainAsync(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : asyncCommands[command];
  if (run === undefined) return main(argv);
  inputFile = undefined;
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    const line = describeError(e, inputFile) ?? ((e as NodeJS.ErrnoException).code !== undefined ? `tsbpf: error: ${(e as Error).message}` : undefined);
    if (line !== undefined) {
      // Names from a damaged input may hold control bytes (a newline would make two lines).
      process.stderr.write(`${printable(line)}\n`);
      return 2;
    }
    process.stderr.write(`tsbpf: internal error: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return 3;
  }
}

// The usage text of each command and subcommand: what `tsbpf CMD --help` prints (and the
// synopsis lines of `tsbpf --help`). docs/cli.md has the long form.

import { VERSION } from '../version.js';

/** Usage of one command: its synopsis line(s), then its flags. */
export const USAGE: Readonly<Record<string, string>> = {
  asm: `Usage: tsbpf asm FILE.s -o OUT [--format elf|raw|hex] [--syntax llvm|ubpf] [--byte-order le|be]

Assembles FILE.s (LLVM BPF or uBPF syntax) into an ELF object, raw bytecode or hex.
  -o, --output PATH|-     output file (required; - for stdout)
  --format elf|raw|hex    output form (default elf)
  --syntax llvm|ubpf      input syntax (default: detected)
  --byte-order le|be      byte order of the object (default le)
`,
  disasm: `Usage: tsbpf disasm FILE [-r] [--format llvm|kernel] [-j|--section NAME]...

Disassembles an ELF object or raw bytecode.
  -r, --reloc             interleave relocations
  --format llvm|kernel    llvm-objdump's form (default) or the verifier log's
  -j, --section NAME      only this code section (repeatable)
`,
  'btf dump': `Usage: tsbpf btf dump FILE [--format raw|c|json] [--base FILE]

Prints the BTF of an ELF object or a raw BTF file (as bpftool btf dump file).
  --format raw|c|json     bpftool's raw text (default), a C header, or JSON
  --base FILE             base BTF of split BTF
`,
  'btf gen-ts': `Usage: tsbpf btf gen-ts FILE --type NAME [--type NAME]... [-o OUT.ts] [--import MODULE] [--base FILE] [--lang]

Writes TypeScript type descriptors of BTF types.
  --type NAME             a struct, union, enum or typedef (repeatable, at least one)
  --lang                  tsbpf/lang declarations of structs and unions instead (kernel structs
                          for programs in the language, read with CO-RE); import default tsbpf/lang
  -o, --output PATH|-     output file (default stdout)
  --import MODULE         where the descriptors are imported from (default tsbpf)
  --base FILE             base BTF of split BTF
`,
  link: `Usage: tsbpf link A.o [B.o ...] -o OUT.o

Links BPF objects into one, as bpftool gen object.
  -o, --output PATH|-     output object (required)
`,
  build: `Usage: tsbpf build PROG.ts -o OUT.o [--timeout SECONDS] [--max-heap MB] [--no-verify] [--verbose]

Builds an eBPF object from a TypeScript program module (export default defineObject({...})).
The verifier model checks each program first: a program the kernel would reject is reported
at its TypeScript line (exit 1) and nothing is written.
  -o, --output PATH|-     output object (required)
  --timeout SECONDS       stop a module that has not built its object by then (default 120)
  --max-heap MB           stop a module whose heap grows past this (default 1024)
  --no-verify             write the object without running the verifier model
  --verbose               say whether the type check ran or a clean one was reused (every file
                          and path it depends on unchanged; records in ~/.cache/tsbpf)
`,
  load: `Usage: tsbpf load OBJ.o [--prog NAME]... [--max-entries MAP=N]... [--value-size MAP=N]... [--btf FILE] [--pin DIR] [--pin-maps DIR] [--print-log] [--verbose] [--no-preverify] [--attach [--iface IF] [--cgroup PATH]]

Loads an object's maps and programs into the kernel (exit 1 when the verifier refuses a program).
  --prog NAME             load only this program (repeatable)
  --max-entries MAP=N     create map MAP with N entries (repeatable; for maps declared without a size)
  --value-size MAP=N      create map MAP with N-byte values (repeatable)
  --btf FILE              target BTF for CO-RE (default the running kernel's)
  --pin DIR               pin each program as DIR/NAME
  --pin-maps DIR          where maps marked pinning by name go (default /sys/fs/bpf)
  --print-log             print the verifier log of each program
  --verbose               print the loader's decisions (CO-RE candidates, maps, pins) on stderr
  --no-preverify          do not run the verifier model before each program's load
  --attach                attach each program where its section says
  --iface IF              network interface for xdp/tc programs
  --cgroup PATH           cgroup for cgroup programs
`,
  'maps dump': `Usage: tsbpf maps dump PIN_OR_ID

Prints the entries of a map given by its bpffs pin path or its id.
`,
  run: `Usage: tsbpf run OBJ.o --prog NAME [--data FILE] [--ctx FILE] [--repeat N] [--btf FILE] [--json]
       tsbpf run FILE --interp [--prog NAME] [--type TYPE] [--data FILE] [--ctx FILE] [--repeat N] [--btf FILE] [--json]

Runs a program once with BPF_PROG_TEST_RUN, or with --interp in tsbpf's vm (no root needed;
FILE is an object, a DSL program or raw bytecode .bin). With --interp the exit status is 0
after a run, 1 when the run faulted, 2 for bad input.
  --prog NAME             the program (required without --interp)
  --interp                run in the vm instead of the kernel
  --type TYPE             program type (for .bin; overrides the section's): xdp, sched_cls,
                          sched_act, socket_filter, raw_tracepoint, syscall, raw
  --engine ENGINE         vm engine: compiled (default) or interpreter
  --data FILE             packet data
  --ctx FILE              context
  --repeat N              repetitions (the duration is their mean)
  --btf FILE              target BTF for CO-RE (default the running kernel's; also with --interp)
  --json                  print the result as JSON
`,
  trace: `Usage: tsbpf trace [--json] [--timeout MS] [--count N]

Streams the kernel's trace pipe (bpf_printk output).
  --json                  one JSON object per line
  --timeout MS            stop after MS milliseconds without a line
  --count N               stop after N lines
`,
  probe: `Usage: tsbpf probe [--helpers] [--json] | --prog-type T | --map-type T | --helper H --prog-type T | --attach K

Reports which program types, map types, attachments and helpers the running kernel supports.
  --helpers               also list the helpers of each program type
  --json                  print JSON
  --prog-type T           one program type (exit 1 when unsupported)
  --map-type T            one map type (exit 1 when unsupported)
  --helper H              one helper, with --prog-type (exit 1 when unsupported)
  --attach K              one attachment kind: kprobe, kretprobe, uprobe, uretprobe, tracepoint,
                          raw_tracepoint (a real attach; exit 1 when it fails)
`,
  verify: `Usage: tsbpf verify FILE... [--prog NAME] [--type TYPE] [--btf FILE] [--caps root|bpf|unpriv]
                    [--log-level 0|1|2] [--json] [--reporter sarif|junit]

Predicts the kernel verifier's verdict without a kernel (exit 0 accept, 1 reject).
Each FILE is an object (.o), a DSL program (.ts) or raw bytecode (.bin, needs --type).
  --prog NAME             only this program of each object
  --type TYPE             program type (socket_filter, xdp, sched_cls, …)
  --btf FILE              target BTF for CO-RE (default the running kernel's)
  --caps C                the loader's privileges: root (default), bpf (CAP_BPF only), unpriv
  --log-level 0|1|2       how much log to print (default 1: the path to a rejection)
  --json                  print JSON: { programs: [{ file, name, section, type, accepted, errno,
                          error: { insn, message } | null, insnsProcessed, source, notModelled, log }] }
  --reporter R            sarif (SARIF 2.1.0) or junit (JUnit XML), for CI annotations
Exit status: 0 all accepted, 1 any rejected, 2 bad input or a program the model cannot decide.`,
  'gen skeleton': `Usage: tsbpf gen skeleton OBJ.o [--name NAME] [--import SPEC]

Prints a TypeScript skeleton module for an object.
  --name NAME             the skeleton's name (default from the file name)
  --import SPEC           where the loader is imported from (default tsbpf/loader)
`,
  'gen tracepoint': `Usage: tsbpf gen tracepoint CATEGORY/NAME [-o FILE]

Prints the record of a tracepoint as a TypeScript interface of tsbpf/lang, from this machine's
tracefs format file (/sys/kernel/tracing/events/CATEGORY/NAME/format), for
tracepoint('CATEGORY/NAME', (ctx: Record) => …).
  -o, --output FILE       write the module to FILE (default stdout)
`,
};

/** Commands with subcommands: `tsbpf btf --help` lists them. */
export const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  btf: ['dump', 'gen-ts'],
  maps: ['dump'],
  gen: ['skeleton', 'tracepoint'],
};

/** The usage of a command with subcommands: each subcommand's synopsis. */
export function groupUsage(command: string): string {
  return `${SUBCOMMANDS[command]!.map((s) => USAGE[`${command} ${s}`]!.split('\n')[0]).join('\n')}\n\nRun tsbpf ${command} SUBCOMMAND --help for its flags.\n`;
}

const ORDER = ['asm', 'disasm', 'btf dump', 'link', 'build', 'btf gen-ts', 'load', 'maps dump', 'run', 'trace', 'probe', 'gen skeleton', 'gen tracepoint', 'verify'];

export const HELP = `tsbpf ${VERSION} — a pure-TypeScript eBPF toolchain

Usage:
${ORDER.map((c) => `  ${USAGE[c]!.split('\n')[0]!.slice('Usage: '.length)}`).join('\n')}
  tsbpf --help | --version
  tsbpf COMMAND --help

Exit status: 0 success, 1 negative verdict, 2 bad input or usage, 3 internal error.
See docs/cli.md.
`;

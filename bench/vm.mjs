// The vm's speed: eBPF instructions per second of the compiled engine and the reference
// interpreter on a tight arithmetic loop and on a packet parser, against the kernel's JIT on the
// same program (BPF_PROG_TEST_RUN with repeat, when this process may load programs). Returns the
// lines of a docs/benchmarks.md section. With TSBPF_UBPF=/path/to/runner, also against uBPF's
// interpreter (see ubpfRate for what the runner must do; docs/benchmarks.md says how one was built).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// CPU time (user + system) of this process in ns: the cores are shared, so wall time would
// count other processes' work as ours.
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
const KERNEL_REPEAT = 2000;

const LOOP = 100_000;
const loopLines = ['r0 = 0', `r1 = ${LOOP}`, 'r2 = r1', 'r2 *= 3', 'r0 += r2', 'r0 ^= r1', 'r1 += -1', 'if r1 != 0 goto -5', 'exit'];

// Ethernet → IPv4 → UDP/TCP ports, summed over every 2-byte word of the payload (a loop bounded
// by the packet, and by a count of 750 words so that the kernel's verifier accepts it), returning
// a verdict from the sum.
const parserLines = [
  'r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r0 = 1', 'r4 = r2', 'r4 += 42', 'if r4 > r3 goto +23',
  'r5 = *(u16 *)(r2 + 12)', 'if r5 != 8 goto +21', 'r5 = *(u8 *)(r2 + 14)', 'r5 &= 15', 'if r5 != 5 goto +18',
  'r5 = *(u8 *)(r2 + 23)', 'r6 = *(u16 *)(r2 + 34)', 'r7 = *(u16 *)(r2 + 36)', 'r6 += r7', 'r6 += r5',
  'r4 = r2', 'r4 += 42', 'r1 = 0',
  'r8 = r4', 'r8 += 2', 'if r8 > r3 goto +5', 'r9 = *(u16 *)(r4 + 0)', 'r6 += r9', 'r4 += 2', 'r1 += 1', 'if r1 < 750 goto -8',
  'r0 = r6', 'r0 &= 3', 'exit',
];

function packet(payload) {
  const b = Buffer.alloc(42 + payload);
  b.fill(2, 0, 6); b.fill(4, 6, 12); b.writeUInt16BE(0x0800, 12); b.writeUInt8(0x45, 14); b.writeUInt16BE(28 + payload, 16);
  b.writeUInt8(64, 22); b.writeUInt8(17, 23); b.writeUInt16BE(1234, 34); b.writeUInt16BE(53, 36);
  for (let i = 42; i < b.length; i++) b[i] = i & 0xff;
  return b;
}

function vmRate(vmlib, insns, type, input, engine, runs) {
  const vm = new vmlib.Vm({ engine });
  vm.addProgram('p', type, insns);
  // Compile, and let V8 optimise the engine and the run set-up: 300 ms of runs first, which also
  // sizes a batch of runs to about 5 ms (reading the CPU clock per run would cost more than a run).
  let batch = 1;
  const warm = cpuNs();
  for (let t = cpuNs(); t - warm < 300e6; t = cpuNs()) {
    const b0 = t;
    for (let k = 0; k < batch; k++) vm.run('p', input);
    if (cpuNs() - b0 < 5e6) batch *= 2;
  }
  const rates = [];
  for (let k = 0; k < runs; k++) {
    let n = 0;
    let reps = 0;
    const t0 = cpuNs();
    let dt = 0;
    do {
      for (let j = 0; j < batch; j++) n += vm.run('p', input).insnsExecuted;
      reps += batch;
      dt = cpuNs() - t0;
    } while (dt < 200e6);
    rates.push({ ips: n / (dt / 1e9), nsPerRun: dt / reps, insnsPerRun: n / reps });
  }
  return rates.sort((a, b) => a.ips - b.ips)[Math.floor(rates.length / 2)];
}

function kernelRate(isa, loader, sys, insns, input, runs) {
  if (!loader.bpfAccess().available) return undefined;
  const code = Buffer.from(isa.encodeInstructions(insns));
  const lic = Buffer.from('GPL\0');
  const fd = sys.bpf(sys.BpfCommand.PROG_LOAD, sys.encodeAttr(sys.ProgLoadAttr, {
    prog_type: loader.ProgType.XDP, insn_cnt: code.length / 8, insns: sys.pointee(code), license: sys.pointee(lic), prog_name: sys.objectName('vm_bench'),
  }));
  const prog = new loader.OwnedFd(fd, 'vm bench program');
  try {
    const ns = [];
    for (let k = 0; k < runs; k++) ns.push(loader.testRun({ fd: prog.fd }, { data: input.data, repeat: KERNEL_REPEAT }).durationNs);
    return median(ns);
  } finally {
    prog.close();
  }
}

// The same program, packet and repeat count as the kernel row, in uBPF's interpreter through an
// external runner (uBPF is neither packaged here nor ours to ship). The runner is invoked as
// `RUNNER PROGRAM.bin PACKET.bin REPEAT`: PROGRAM.bin holds the raw little-endian instruction
// slots, and r1 must point at an xdp_md-like { u32 data; u32 data_end } followed by the packet,
// all below 4 GiB (the programs load data/data_end as u32, as XDP programs do); it runs the
// program REPEAT times and prints `r0 nsPerRun`, nsPerRun in CPU time. r0 must equal tsbpf's r0
// for the same input, so that the two rows time the same work; the parser's verdict has only 2
// bits, so `check` (the parser returning its whole sum) is run once first and compared as well.
function ubpfRate(runner, timed, check, input, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ubpf-'));
  try {
    const pkt = join(dir, 'packet.bin');
    writeFileSync(pkt, input.data);
    const invoke = ({ code, r0 }, repeat) => {
      const prog = join(dir, 'prog.bin');
      writeFileSync(prog, code);
      const [ret, nsPerRun] = execFileSync(runner, [prog, pkt, String(repeat)], { encoding: 'utf8' }).trim().split(/\s+/);
      const want = BigInt.asUintN(64, r0);
      if (ret === undefined || !/^\d+$/.test(ret) || BigInt(ret) !== want) throw new Error(`uBPF returned ${ret}, tsbpf's vm ${want}: not the same work`);
      return Number(nsPerRun);
    };
    invoke(check, 1);
    const ns = [];
    for (let k = 0; k < runs; k++) ns.push(invoke(timed, KERNEL_REPEAT));
    return { median: median(ns), min: Math.min(...ns), max: Math.max(...ns) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function vmSection({ runs = 5 } = {}) {
  const vmlib = await import(join(root, 'dist', 'vm.js'));
  const isa = await import(join(root, 'dist', 'isa.js'));
  // The LLVM-syntax parser lives in elf/ (with the assembler), not isa/.
  const elf = await import(join(root, 'dist', 'elf.js'));
  const loader = await import(join(root, 'dist', 'loader.js'));
  // The raw bpf(2) shim is internal (not in the published exports).
  const { sys } = await import(join(root, 'dist', 'internal.js'));
  const asm = (lines) => lines.map((l) => elf.parseInstructionLlvm(l));
  const loop = asm(loopLines);
  const parser = asm(parserLines);
  const parserSum = asm(parserLines.map((l) => (l === 'r0 &= 3' ? 'r0 += 0' : l)));
  const rows = [];
  for (const [what, insns, input, check] of [
    [`arithmetic loop (${LOOP} iterations, 5 insns each)`, loop, { data: packet(0) }, loop],
    ['packet parser (Ethernet/IPv4/UDP, 1000-byte payload summed)', parser, { data: packet(1000) }, parserSum],
    ['packet parser (Ethernet/IPv4/UDP, 64-byte payload summed)', parser, { data: packet(64) }, parserSum],
  ]) {
    const c = vmRate(vmlib, insns, 'xdp', input, 'compiled', runs);
    const i = vmRate(vmlib, insns, 'xdp', input, 'interpreter', Math.min(3, runs));
    let kernelNs;
    try { kernelNs = kernelRate(isa, loader, sys, insns, input, runs); } catch (e) { kernelNs = `refused: ${String(e.message).split('\n')[0]}`; }
    let ubpf;
    if (process.env.TSBPF_UBPF) {
      const withR0 = (program) => {
        const ref = new vmlib.Vm({ engine: 'compiled' });
        ref.addProgram('p', 'xdp', program);
        return { code: Buffer.from(isa.encodeInstructions(program)), r0: ref.run('p', input).r0 };
      };
      try { ubpf = ubpfRate(process.env.TSBPF_UBPF, withR0(insns), withR0(check), input, runs); } catch (e) { ubpf = `failed: ${String(e.message).split('\n')[0]}`; }
    }
    rows.push({ what, c, i, kernelNs, ubpf });
  }
  const M = (x) => (x / 1e6).toFixed(1);
  const lines = ['', '## vm: instructions per second', '',
    'eBPF instructions executed per second of CPU time (user + system, `process.cpuUsage`) by `tsbpf/vm`, including each run\'s set-up (memory, context,',
    'packet copy), median of runs of at least 200 ms each; the kernel column is BPF_PROG_TEST_RUN with `repeat` 2000',
    '(the JIT, its own per-run overhead included) on the same XDP program and packet. Target: at least 200 M insns/s.',
    '', '| program | insns per run | compiled (M insns/s) | interpreter (M insns/s) | compiled ns/run | kernel JIT ns/run | kernel ÷ compiled time |',
    '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const k = r.kernelNs === undefined ? 'n/a (no bpf(2) here)' : `${r.kernelNs}`;
    const ratio = typeof r.kernelNs !== 'number' || r.kernelNs === 0 ? '–' : `${(r.kernelNs / r.c.nsPerRun).toFixed(3)}`;
    lines.push(`| ${r.what} | ${Math.round(r.c.insnsPerRun)} | ${M(r.c.ips)} | ${M(r.i.ips)} | ${Math.round(r.c.nsPerRun)} | ${k} | ${ratio} |`);
  }
  lines.push('', '### uBPF\'s interpreter', '');
  if (!process.env.TSBPF_UBPF) {
    lines.push('Not measured in this run: set TSBPF_UBPF to a runner of uBPF\'s interpreter (what it must do: bench/vm.mjs, `ubpfRate`;',
      'how one was built, and the figures measured with it: docs/vm.md, "Against uBPF\'s interpreter"). uBPF is not packaged here and tsbpf ships none of its code.', '');
    return lines;
  }
  const commit = process.env.TSBPF_UBPF_COMMIT ?? 'not given (TSBPF_UBPF_COMMIT)';
  lines.push(`Runner: \`${process.env.TSBPF_UBPF}\` (uBPF commit ${commit}; how it was built: docs/vm.md, "Against uBPF's interpreter"), ${KERNEL_REPEAT} runs per`,
    `invocation (the kernel's repeat) on the same program and packet, CPU time of the runner; median of ${runs} invocations, spread min–max.`,
    'A row has figures only when uBPF returned the same r0 as tsbpf\'s vm in every invocation, and, once first, the same whole sum from the parser',
    'with its `r0 &= 3` made `r0 += 0` (the verdict alone has 2 bits): the same work timed. uBPF\'s time is',
    'execution alone (its packet is mapped once), tsbpf\'s includes each run\'s set-up: that is most of tsbpf\'s time on the short parser.', '',
    '| program | uBPF interpreter ns/run (median, min–max) | uBPF M insns/s | uBPF ÷ tsbpf compiled time | uBPF ÷ tsbpf interpreter time |',
    '|---|---|---|---|---|');
  for (const r of rows) {
    if (typeof r.ubpf !== 'object') { lines.push(`| ${r.what} | ${r.ubpf} | – | – | – |`); continue; }
    const u = r.ubpf;
    const iNs = 1e9 * r.i.insnsPerRun / r.i.ips;
    lines.push(`| ${r.what} | ${Math.round(u.median)} (${Math.round(u.min)}–${Math.round(u.max)}) | ${M(r.c.insnsPerRun / (u.median / 1e9))} | ${(u.median / r.c.nsPerRun).toFixed(2)} | ${(u.median / iNs).toFixed(2)} |`);
  }
  lines.push('');
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log((await vmSection()).join('\n'));

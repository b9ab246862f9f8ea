// The live kernel's verdict on a raw program, in the shape the verifier model
// reports it: accepted or not, errno name, the final log line (the last one
// before the statistics) and the failing instruction (the last instruction
// line the log printed before the message).

import { encodeInstructions, type Instruction } from '../../isa/index.js';
import { sys } from '../../src/internal.js';
import type { MapInfo } from '../../verifier/index.js';
import { BpfMap, kernelBtf, loadBtf } from '../../loader/index.js';
import { assemble, createMap } from './bpf-raw.js';

const { bpfRaw, BpfCommand, encodeAttr, errnoName, pointee, ProgLoadAttr } = sys;

/** uapi bpf_prog_type numbers of the types the model tests use. */
export const PROG_TYPE_NUMBER: Readonly<Record<string, number>> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7, cgroup_skb: 8,
  cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14, cgroup_device: 15, sk_msg: 16,
  raw_tracepoint: 17, cgroup_sock_addr: 18, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23, cgroup_sockopt: 25, sk_lookup: 30, syscall: 31, netfilter: 32,
};

export interface KernelVerdict {
  readonly accepted: boolean;
  readonly errno?: string;
  readonly message?: string;
  readonly insnIndex?: number;
  readonly insnsProcessed?: number;
  readonly log: string;
}

export function parseKernelLog(log: string, accepted: boolean, errno?: string): KernelVerdict {
  const lines = log.split('\n').filter((l) => l !== '');
  const statsAt = lines.findIndex((l) => l.startsWith('processed '));
  const m = statsAt >= 0 ? /^processed (\d+) insns/.exec(lines[statsAt]!) : null;
  const insnsProcessed = m ? Number(m[1]) : undefined;
  if (accepted) return { accepted, log, ...(insnsProcessed === undefined ? {} : { insnsProcessed }) };
  const before = statsAt >= 0 ? lines.slice(0, statsAt) : lines;
  // After `infinite loop detected` the kernel dumps both states; the last (`old state: …`) is the message.
  const message = before[before.length - 1];
  let insnIndex: number | undefined;
  for (let i = before.length - 2; i >= 0; i--) {
    const x = /^(\d+): \(/.exec(before[i]!);
    if (x) { insnIndex = Number(x[1]); break; }
  }
  return {
    accepted, log, ...(errno === undefined ? {} : { errno }), ...(message === undefined ? {} : { message }),
    ...(insnIndex === undefined ? {} : { insnIndex }), ...(insnsProcessed === undefined ? {} : { insnsProcessed }),
  };
}

export interface LiveMaps {
  readonly fds: number[];
  readonly info: Record<number, MapInfo>;
  close(): void;
}

export function createLiveMaps(maps: readonly MapInfo[]): LiveMaps {
  const owned = maps.map((m) => (m.frozenValue === undefined ? createMap(m.type, m.keySize, m.valueSize, m.maxEntries, m.flags ?? 0) : frozenMap(m, m.frozenValue)));
  const info: Record<number, MapInfo> = {};
  // The kernel prints the map's name in state dumps.
  owned.forEach((o, i) => { info[o.fd] = { name: maps[i]!.frozenValue === undefined ? 'tsbpf_t' : 'tsbpf_ro', ...maps[i]! }; });
  return { fds: owned.map((o) => o.fd), info, close: () => owned.forEach((o) => o.close()) };
}

/** A map with its value at key 0 written and then frozen, as libbpf loads .rodata. */
function frozenMap(m: MapInfo, value: Uint8Array): { fd: number; close(): void } {
  const map = BpfMap.create({ name: 'tsbpf_ro', type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags ?? 0 });
  map.update(new Uint8Array(4), value);
  map.freeze();
  return map;
}

/** A subprogram of a case loaded with BTF func_info: its first slot and whether it is global. */
export interface CaseFunction { readonly start: number; readonly global?: boolean; readonly scalarReturn?: boolean }

const BTF_KIND_INT = 1;
const BTF_KIND_FUNC = 12;
const BTF_KIND_FUNC_PROTO = 13;

/**
 * Raw BTF for func_info: `int`, prototypes `int (void)` and `void (void)`, and one FUNC per
 * function (f0, f1, …), static or global, returning int unless `scalarReturn` is false; function
 * i is type 4 + i.
 */
export function functionsBtf(functions: readonly CaseFunction[]): Uint8Array {
  const names = functions.map((_, i) => `f${i}`);
  const strings = `\0int\0${names.join('\0')}\0`;
  const words: number[] = [1, BTF_KIND_INT << 24, 4, (1 << 24) | 32, 0, BTF_KIND_FUNC_PROTO << 24, 1, 0, BTF_KIND_FUNC_PROTO << 24, 0];
  let off = 5;
  functions.forEach((f, i) => { words.push(off, (BTF_KIND_FUNC << 24) | (f.global === true ? 1 : 0), f.scalarReturn === false ? 3 : 2); off += names[i]!.length + 1; });
  const types = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => types.writeUInt32LE(w >>> 0, i * 4));
  const header = Buffer.alloc(24);
  header.writeUInt16LE(0xeb9f, 0); header.writeUInt8(1, 2); header.writeUInt32LE(24, 4);
  header.writeUInt32LE(0, 8); header.writeUInt32LE(types.length, 12); header.writeUInt32LE(types.length, 16); header.writeUInt32LE(strings.length, 20);
  return new Uint8Array(Buffer.concat([header, types, Buffer.from(strings, 'latin1')]));
}

export function kernelVerify(progType: string, insns: readonly Instruction[], options: { expectedAttachType?: number; gpl?: boolean; functions?: readonly CaseFunction[]; strictAlignment?: boolean } = {}): KernelVerdict {
  const code = Buffer.from(encodeInstructions(insns));
  const license = Buffer.from(options.gpl === false ? 'MIT\0' : 'GPL\0');
  const log = pointee(4 << 20);
  const functions = options.functions;
  const btf = functions === undefined ? undefined : loadBtf(functionsBtf(functions));
  try {
    const funcInfo = functions === undefined ? undefined : Buffer.alloc(functions.length * 8);
    functions?.forEach((f, i) => { funcInfo!.writeUInt32LE(f.start, i * 8); funcInfo!.writeUInt32LE(4 + i, i * 8 + 4); });
    const attr = encodeAttr(ProgLoadAttr, {
      prog_type: PROG_TYPE_NUMBER[progType]!, insn_cnt: code.length / 8, insns: pointee(code), license: pointee(license),
      log_level: 1, log_size: log.size, log_buf: log, expected_attach_type: options.expectedAttachType ?? 0,
      prog_flags: options.strictAlignment === true ? 1 /* BPF_F_STRICT_ALIGNMENT */ : 0,
      ...(btf === undefined ? {} : { prog_btf_fd: btf.fd, func_info_rec_size: 8, func_info: pointee(funcInfo!), func_info_cnt: functions!.length }),
    });
    const fd = bpfRaw(BpfCommand.PROG_LOAD, attr);
    const text = log.cString();
    if (fd >= 0) { sys.close(fd); return parseKernelLog(text, true); }
    return parseKernelLog(text, false, errnoName(-fd));
  } finally {
    btf?.close();
  }
}

/** The running kernel's BTF id of the kernel function `name` (0 stays 0: an unresolved weak kfunc). */
function kfuncId(name: string): number {
  if (name === '0') return 0;
  const id = kernelBtf().findByName(name, 'FUNC')[0];
  if (id === undefined) throw new Error(`kernel BTF has no function ${name}`);
  return id;
}

/**
 * LLVM-syntax lines as test/support/bpf-raw.ts assembles them, `call_kfunc NAME` (a kfunc call by
 * the kernel BTF id of NAME), plus `call_local +N`
 * (a bpf-to-bpf call N slots ahead, which LLVM syntax writes only with a label) and
 * `rN = func_ref(+K)` (ld_imm64 of the subprogram K + 1 slots after the ld_imm64's first slot).
 */
export function assembleCase(lines: readonly string[]): Instruction[] {
  return lines.flatMap((l) => {
    const m = /^call_local ([+-]\d+)$/.exec(l.trim());
    if (m !== null) return [{ kind: 'call', callee: 'local', imm: Number(m[1]), offset: 0 } as Instruction];
    const k = /^call_kfunc (\w+)$/.exec(l.trim());
    if (k !== null) return [{ kind: 'call', callee: 'kfunc', imm: kfuncId(k[1]!), offset: 0 } as Instruction];
    const f = /^r(\d+) = func_ref\(([+-]\d+)\)$/.exec(l.trim());
    if (f !== null) return [{ kind: 'ldImm64', dst: Number(f[1]), pseudo: 4, imm: Number(f[2]), nextImm: 0 } as Instruction];
    return assemble([l]);
  });
}

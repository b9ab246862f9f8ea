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
  raw_tracepoint: 17, cgroup_sock_addr: 18, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23, raw_tracepoint_writable: 24, cgroup_sockopt: 25, tracing: 26, struct_ops: 27,
  sk_lookup: 30, syscall: 31, netfilter: 32,
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

/** A map created with BTF for its key and value (raw BTF and the type ids), as the kernel then knows its special fields. */
export interface BtfMapInfo extends MapInfo {
  readonly btf: { readonly blob: Uint8Array; readonly keyType: number; readonly valueType: number };
}

export function createLiveMaps(maps: readonly MapInfo[]): LiveMaps {
  const owned = maps.map((m) => ('btf' in m ? btfMap(m as BtfMapInfo) : m.inner !== undefined ? mapOfMaps(m, m.inner) : m.frozenValue === undefined ? createMap(m.type, m.keySize, m.valueSize, m.maxEntries, m.flags ?? 0) : frozenMap(m, m.frozenValue)));
  const info: Record<number, MapInfo> = {};
  // The kernel prints the map's name in state dumps.
  owned.forEach((o, i) => { info[o.fd] = { name: maps[i]!.frozenValue === undefined ? 'tsbpf_t' : 'tsbpf_ro', ...maps[i]! }; });
  return { fds: owned.map((o) => o.fd), info, close: () => owned.forEach((o) => o.close()) };
}

function btfMap(m: BtfMapInfo): { fd: number; close(): void } {
  const btf = loadBtf(m.btf.blob);
  try {
    return BpfMap.create({ name: 'tsbpf_t', type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags ?? 0,
      btfFd: btf.fd, btfKeyTypeId: m.btf.keyType, btfValueTypeId: m.btf.valueType });
  } finally {
    btf.close();
  }
}

/** A map of maps created with a template of its inner map (closed with it). */
function mapOfMaps(m: MapInfo, inner: MapInfo): { fd: number; close(): void } {
  const template = BpfMap.create({ name: 'tsbpf_inner', type: inner.type, keySize: inner.keySize, valueSize: inner.valueSize, maxEntries: inner.maxEntries, flags: inner.flags ?? 0 });
  const map = BpfMap.create({ name: 'tsbpf_t', type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags ?? 0, innerMapFd: template.fd });
  return { fd: map.fd, close: () => { map.close(); template.close(); } };
}

/** A map with its value at key 0 written and then frozen, as libbpf loads .rodata. */
function frozenMap(m: MapInfo, value: Uint8Array): { fd: number; close(): void } {
  const map = BpfMap.create({ name: 'tsbpf_ro', type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags ?? 0 });
  map.update(new Uint8Array(4), value);
  map.freeze();
  return map;
}

/**
 * A parameter of a case function's prototype: `int`, `int *` (4 bytes of memory, maybe NULL),
 * `int *!` (the same tagged arg:nonnull), `long[2] *` (16 bytes), `__sk_buff *` (the tc context
 * by name), `void *ctx` (void * tagged arg:ctx), `void *` (memory of no size).
 */
export type CaseParam = 'int' | 'int *' | 'int *!' | 'long[2] *' | '__sk_buff *' | 'void *ctx' | 'void *';

/** A subprogram of a case loaded with BTF func_info: its first slot, whether it is global, its prototype (default `int (void)`). */
export interface CaseFunction { readonly start: number; readonly global?: boolean; readonly scalarReturn?: boolean; readonly params?: readonly CaseParam[] }

const BTF_KIND_INT = 1;
const BTF_KIND_PTR = 2;
const BTF_KIND_ARRAY = 3;
const BTF_KIND_STRUCT = 4;
const BTF_KIND_FUNC = 12;
const BTF_KIND_FUNC_PROTO = 13;
const BTF_KIND_DECL_TAG = 17;

/**
 * Raw BTF for func_info: `int`, prototypes `int (void)` and `void (void)`, and one FUNC per
 * function (f0, f1, …), static or global, returning int unless `scalarReturn` is false; function
 * i is type 4 + i. After them the parameter types, one prototype per function with `params`, and
 * the `arg:` decl tags.
 */
export function functionsBtf(functions: readonly CaseFunction[]): Uint8Array {
  const names = functions.map((_, i) => `f${i}`);
  const extra = ['long', '__sk_buff', 'p', 'arg:nonnull', 'arg:ctx'];
  const strings = `\0int\0${names.join('\0')}\0${extra.join('\0')}\0`;
  const str = (s: string): number => strings.indexOf(`\0${s}\0`) + 1;
  const base = 4 + functions.length;
  // base: int *, base+1: long, base+2: long[2], base+3: long[2] *, base+4: struct __sk_buff {}, base+5: its pointer, base+6: void *.
  const paramType: Record<CaseParam, number> = { 'int': 1, 'int *': base, 'int *!': base, 'long[2] *': base + 3, '__sk_buff *': base + 5, 'void *ctx': base + 6, 'void *': base + 6 };
  const words: number[] = [str('int'), BTF_KIND_INT << 24, 4, (1 << 24) | 32, 0, BTF_KIND_FUNC_PROTO << 24, 1, 0, BTF_KIND_FUNC_PROTO << 24, 0];
  let nextProto = base + 7;
  const protoOf = functions.map((f) => (f.params === undefined ? undefined : nextProto++));
  functions.forEach((f, i) => { words.push(str(names[i]!), (BTF_KIND_FUNC << 24) | (f.global === true ? 1 : 0), protoOf[i] ?? (f.scalarReturn === false ? 3 : 2)); });
  words.push(0, BTF_KIND_PTR << 24, 1);
  words.push(str('long'), BTF_KIND_INT << 24, 8, (1 << 24) | 64);
  words.push(0, BTF_KIND_ARRAY << 24, 0, base + 1, 1, 2);
  words.push(0, BTF_KIND_PTR << 24, base + 2);
  words.push(str('__sk_buff'), BTF_KIND_STRUCT << 24, 0);
  words.push(0, BTF_KIND_PTR << 24, base + 4);
  words.push(0, BTF_KIND_PTR << 24, 0);
  functions.forEach((f) => {
    if (f.params === undefined) return;
    words.push(0, (BTF_KIND_FUNC_PROTO << 24) | f.params.length, f.scalarReturn === false ? 0 : 1);
    for (const p of f.params) words.push(str('p'), paramType[p]);
  });
  functions.forEach((f, i) => f.params?.forEach((p, k) => {
    const tag = p === 'int *!' ? 'arg:nonnull' : p === 'void *ctx' ? 'arg:ctx' : undefined;
    if (tag !== undefined) words.push(str(tag), (BTF_KIND_DECL_TAG << 24), 4 + i, k);
  }));
  const types = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => types.writeUInt32LE(w >>> 0, i * 4));
  const header = Buffer.alloc(24);
  header.writeUInt16LE(0xeb9f, 0); header.writeUInt8(1, 2); header.writeUInt32LE(24, 4);
  header.writeUInt32LE(0, 8); header.writeUInt32LE(types.length, 12); header.writeUInt32LE(types.length, 16); header.writeUInt32LE(strings.length, 20);
  return new Uint8Array(Buffer.concat([header, types, Buffer.from(strings, 'latin1')]));
}

export function kernelVerify(progType: string, insns: readonly Instruction[], options: { expectedAttachType?: number; attachBtfId?: number; gpl?: boolean; functions?: readonly CaseFunction[]; strictAlignment?: boolean; sleepable?: boolean; testStateFreq?: boolean; logLevel?: number } = {}): KernelVerdict {
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
      log_level: options.logLevel ?? 1, log_size: log.size, log_buf: log, expected_attach_type: options.expectedAttachType ?? 0,
      prog_flags: (options.strictAlignment === true ? 1 /* BPF_F_STRICT_ALIGNMENT */ : 0) | (options.sleepable === true ? 16 /* BPF_F_SLEEPABLE */ : 0)
        | (options.testStateFreq === true ? 8 /* BPF_F_TEST_STATE_FREQ */ : 0),
      attach_btf_id: options.attachBtfId ?? 0,
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

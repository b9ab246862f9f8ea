// Feature probes by real loads on the running kernel: a minimal program of each type, a small
// map of each type, and a call of each helper from each program type. A program type counts as
// present when the load succeeds or when the verifier ran on it (it wrote a log), since unknown
// or compiled-out types are refused before verification with an empty log.

import { KERNEL_HELPER_NAMES } from '../isa/index.js';
import { ATTACH_PROBE_NAMES, probeAttach } from './attach-probes.js';
import { AttachType, ProgType } from './attach/kernel-enums.js';
import { OwnedFd } from './fd.js';
import { RETURN_ZERO } from './probe-program.js';
import { kernelBtf } from './kernel-btf.js';
import { loadBtf } from './btf-load.js';
import { MapType } from './map-types.js';
import {
  bpfRaw, BpfCommand, close, encodeAttr, errnoName, MapCreateAttr, MapFlag, pageSize, pointee, ProgFlag, ProgLoadAttr,
} from './sys/index.js';

export interface ProbeResult {
  readonly supported: boolean;
  /** 'ok', or the errno name and the verifier's last line. */
  readonly detail: string;
}

export interface FeatureReport {
  readonly programTypes: Record<string, boolean>;
  readonly mapTypes: Record<string, boolean>;
  /** Attachment kind → whether a minimal program attaches (kprobe, uprobe, tracepoint …). */
  readonly attach: Record<string, boolean>;
  /** Program type name → names of the helpers it may call (when helpers were probed). */
  readonly helpers?: Record<string, string[]>;
}

const lower = (o: Record<string, number>): [string, number][] => Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]);
export const PROGRAM_TYPE_NAMES: readonly [string, number][] = lower(ProgType).filter(([, v]) => v !== 0);
export const MAP_TYPE_NAMES: readonly [string, number][] = lower(MapType).filter(([, v]) => v !== 0);

interface LoadTry {
  readonly fd: number;
  readonly errno: number;
  readonly log: string;
}

function tryLoad(type: number, insns: Uint8Array, extra: { expectedAttachType?: number; flags?: number; attachBtfId?: number } = {}): LoadTry {
  const log = pointee(4096);
  const r = bpfRaw(BpfCommand.PROG_LOAD, encodeAttr(ProgLoadAttr, {
    prog_type: type, insn_cnt: insns.length / 8, insns: pointee(insns), license: pointee(Buffer.from('GPL\0')), log_level: 1,
    log_size: log.size, log_buf: log, expected_attach_type: extra.expectedAttachType ?? 0,
    prog_flags: extra.flags ?? 0, attach_btf_id: extra.attachBtfId ?? 0,
  }));
  const text = log.cString();
  if (r >= 0) {
    close(r);
    return { fd: r, errno: 0, log: text };
  }
  return { fd: -1, errno: -r, log: text };
}

function lastLine(log: string): string {
  const lines = log.trim().split('\n').filter((l) => l.trim() !== '' && !/^processed \d+ insns/.test(l));
  return lines[lines.length - 1] ?? '';
}

function funcId(name: string): number | undefined {
  try {
    return kernelBtf().findByName(name, 'FUNC')[0];
  } catch {
    return undefined;
  }
}

/** The load options that make a minimal program of `type` valid, where the type needs some. */
function loadExtras(type: number): { expectedAttachType?: number; flags?: number; attachBtfId?: number } {
  switch (type) {
    case ProgType.CGROUP_SOCKOPT: return { expectedAttachType: AttachType.CGROUP_GETSOCKOPT };
    case ProgType.CGROUP_SOCK_ADDR: return { expectedAttachType: AttachType.CGROUP_INET4_CONNECT };
    case ProgType.SK_LOOKUP: return { expectedAttachType: 36 };
    case ProgType.LIRC_MODE2: return { expectedAttachType: 16 };
    case ProgType.NETFILTER: return { expectedAttachType: 45 };
    case ProgType.SYSCALL: return { flags: ProgFlag.SLEEPABLE };
    case ProgType.TRACING: { const id = funcId('bpf_fentry_test1'); return id === undefined ? {} : { expectedAttachType: 24, attachBtfId: id }; }
    case ProgType.LSM: { const id = funcId('bpf_lsm_file_open'); return id === undefined ? {} : { expectedAttachType: 27, attachBtfId: id }; }
    default: return {};
  }
}

export function probeProgramType(type: number): ProbeResult {
  const r = tryLoad(type, RETURN_ZERO, loadExtras(type));
  if (r.errno === 0) return { supported: true, detail: 'ok' };
  // Refused after verification started (e.g. EXT and STRUCT_OPS need a target program or struct): the type exists.
  if (r.log.trim() !== '') return { supported: true, detail: `${errnoName(r.errno)}: ${lastLine(r.log)}` };
  return { supported: false, detail: errnoName(r.errno) };
}

// A BTF blob with one type, `int` (4 bytes, signed), for map types that need BTF key/value types.
function intBtf(): Uint8Array {
  const b = Buffer.alloc(24 + 16 + 5);
  b.writeUInt16LE(0xeb9f, 0); b.writeUInt8(1, 2); b.writeUInt32LE(24, 4);
  b.writeUInt32LE(0, 8); b.writeUInt32LE(16, 12); b.writeUInt32LE(16, 16); b.writeUInt32LE(5, 20);
  b.writeUInt32LE(1, 24); b.writeUInt32LE(1 << 24, 28); b.writeUInt32LE(4, 32); b.writeUInt32LE((1 << 24) | 32, 36); // INT, signed, 32 bits
  b.write('\0int\0', 40);
  return b;
}

function createMap(attr: Partial<Record<keyof typeof MapCreateAttr.fields, number | bigint>>): number {
  return bpfRaw(BpfCommand.MAP_CREATE, encodeAttr(MapCreateAttr, attr));
}

export function probeMapType(type: number): ProbeResult {
  const base = { map_type: type, key_size: 4, value_size: 4, max_entries: 1 };
  const owned: OwnedFd[] = [];
  try {
    let attr: Partial<Record<keyof typeof MapCreateAttr.fields, number | bigint>> = base;
    switch (type) {
      case MapType.LPM_TRIE: attr = { ...base, key_size: 8, value_size: 8, map_flags: MapFlag.NO_PREALLOC }; break;
      case MapType.QUEUE: case MapType.STACK: case MapType.BLOOM_FILTER: attr = { ...base, key_size: 0 }; break;
      case MapType.STACK_TRACE: attr = { ...base, value_size: 8 }; break;
      case MapType.CGROUP_STORAGE: case MapType.PERCPU_CGROUP_STORAGE: attr = { ...base, key_size: 16, value_size: 8, max_entries: 0 }; break;
      case MapType.RINGBUF: case MapType.USER_RINGBUF: attr = { ...base, key_size: 0, value_size: 0, max_entries: pageSize() }; break;
      case MapType.ARENA: attr = { ...base, key_size: 0, value_size: 0, max_entries: 1, map_flags: MapFlag.MMAPABLE }; break;
      case MapType.ARRAY_OF_MAPS: case MapType.HASH_OF_MAPS: {
        const inner = createMap({ map_type: MapType.ARRAY, key_size: 4, value_size: 4, max_entries: 1 });
        if (inner < 0) return { supported: false, detail: `inner map: ${errnoName(-inner)}` };
        owned.push(new OwnedFd(inner, 'probe inner map'));
        attr = { ...base, inner_map_fd: inner };
        break;
      }
      case MapType.SK_STORAGE: case MapType.INODE_STORAGE: case MapType.TASK_STORAGE: case MapType.CGRP_STORAGE: {
        const btf = loadBtf(intBtf());
        owned.push(btf);
        attr = { ...base, max_entries: 0, map_flags: MapFlag.NO_PREALLOC, btf_fd: btf.fd, btf_key_type_id: 1, btf_value_type_id: 1 };
        break;
      }
      // A struct_ops map needs a registered ops type; type id 1 is none, and a kernel with
      // struct_ops maps says so with ENOTSUPP (one without them says EINVAL).
      case MapType.STRUCT_OPS: attr = { ...base, btf_vmlinux_value_type_id: 1 }; break;
      default:
    }
    const fd = createMap(attr);
    if (fd >= 0) {
      close(fd);
      return { supported: true, detail: 'ok' };
    }
    if (type === MapType.STRUCT_OPS && errnoName(-fd) === 'ENOTSUPP') return { supported: true, detail: 'ENOTSUPP for a non-ops value type' };
    return { supported: false, detail: errnoName(-fd) };
  } finally {
    for (const o of owned) o.close();
  }
}

/** Whether a program of `progType` may call helper number `helper` (the verifier's verdict). */
export function probeHelper(progType: number, helper: number): ProbeResult {
  const { refusedByVerifier: _, ...result } = probeHelperCall(progType, helper);
  return result;
}

function probeHelperCall(progType: number, helper: number): ProbeResult & { readonly refusedByVerifier: boolean } {
  const call = Buffer.alloc(24);
  call.writeUInt8(0x85, 0); call.writeInt32LE(helper, 4); // call helper
  call.set(RETURN_ZERO, 8);
  const r = tryLoad(progType, call, loadExtras(progType));
  if (r.errno === 0) return { supported: true, detail: 'ok', refusedByVerifier: false };
  const last = lastLine(r.log);
  if (r.log.trim() === '') return { supported: false, detail: `${errnoName(r.errno)} (program type not loadable)`, refusedByVerifier: false };
  // The verifier's words for a helper this type may not call, or one it does not know.
  if (/unknown func|invalid func|cannot use helper|helper call is not allowed|not supported for this program type/.test(r.log)) {
    return { supported: false, detail: last, refusedByVerifier: true };
  }
  // Refused for the arguments we did not set up: the call itself was accepted.
  return { supported: true, detail: last, refusedByVerifier: false };
}

const refusedHelpers = new Map<number, boolean>();

/**
 * Whether the running kernel's verifier refuses a call of helper number `helper` from programs of
 * type `progType` (kernel builds and policies differ from the source: one build refuses
 * bpf_xdp_adjust_meta to XDP). One probe load per pair and process; false where the kernel takes
 * the call and where the probe cannot tell (the type does not load here, bpf(2) is unavailable).
 */
export function kernelRefusesHelper(progType: number, helper: number): boolean {
  const key = progType * 0x10000 + helper;
  let refused = refusedHelpers.get(key);
  if (refused === undefined) {
    try {
      refused = probeHelperCall(progType, helper).refusedByVerifier;
    } catch {
      refused = false;
    }
    refusedHelpers.set(key, refused);
  }
  return refused;
}

/** Probes every program type and map type, and optionally every helper for every loadable program type. */
export function probeKernel(options: { helpers?: boolean } = {}): FeatureReport {
  const programTypes: Record<string, boolean> = {};
  for (const [name, t] of PROGRAM_TYPE_NAMES) programTypes[name] = probeProgramType(t).supported;
  const mapTypes: Record<string, boolean> = {};
  for (const [name, t] of MAP_TYPE_NAMES) mapTypes[name] = probeMapType(t).supported;
  const attach: Record<string, boolean> = {};
  for (const name of ATTACH_PROBE_NAMES) attach[name] = probeAttach(name).supported;
  if (options.helpers !== true) return { programTypes, mapTypes, attach };
  const helpers: Record<string, string[]> = {};
  for (const [name, t] of PROGRAM_TYPE_NAMES) {
    helpers[name] = [];
    // Only types whose minimal program loads give a meaningful verdict per helper.
    if (probeProgramType(t).detail !== 'ok') continue;
    for (let h = 1; h < KERNEL_HELPER_NAMES.length; h++) if (probeHelper(t, h).supported) helpers[name].push(KERNEL_HELPER_NAMES[h]!);
  }
  return { programTypes, mapTypes, attach, helpers };
}

// Map helpers over VmMap: lookup hands the program a pointer to the value's storage (mapped into
// the run's address space once per run), update/delete/push/pop/peek copy, ring buffer and perf
// event output record, bpf_tail_call switches programs.

import { fault } from '../fault.js';
import type { HelperImpl, Machine } from '../machine.js';
import { type VmMap, VmMapType } from '../maps.js';
import { MAP_HI } from '../program.js';

/** Per-run map state the runner sets up in Machine.state. */
export interface MapRunState {
  readonly maps: readonly VmMap[];
  /** Index of each program name (prog array targets). */
  readonly programIndex: ReadonlyMap<string, number>;
  readonly valueRegions: Map<Uint8Array, number>;
  tailCalls: number;
  /** Ring buffer reservations not yet submitted or discarded, by region. */
  readonly reserved: Map<number, { map: VmMap; bytes: Uint8Array }>;
}

// Its Maps are made on first use: most runs need neither (two Maps per run were a measurable part of a short run).
class RunMaps implements MapRunState {
  tailCalls = 0;
  private regions: Map<Uint8Array, number> | undefined;
  private reservations: Map<number, { map: VmMap; bytes: Uint8Array }> | undefined;
  constructor(readonly maps: readonly VmMap[], readonly programIndex: ReadonlyMap<string, number>) {}
  get valueRegions(): Map<Uint8Array, number> { return this.regions ??= new Map(); }
  get reserved(): Map<number, { map: VmMap; bytes: Uint8Array }> { return this.reservations ??= new Map(); }
}

const NO_PROGRAMS: ReadonlyMap<string, number> = new Map();

/** Sets up a run's map state: the maps (by index) and the programs tail calls may reach. */
export function setMapState(m: Machine, maps: readonly VmMap[], programIndex: ReadonlyMap<string, number>): void {
  m.state.maps = new RunMaps(maps, programIndex);
}

export function mapState(m: Machine): MapRunState {
  let s = m.state.maps as MapRunState | undefined;
  if (s === undefined) {
    s = new RunMaps([], NO_PROGRAMS);
    m.state.maps = s;
  }
  return s;
}

function mapArg(m: Machine, v: bigint, insn: number): VmMap {
  const map = (v >> 32n) === BigInt(MAP_HI) ? mapState(m).maps[Number(v & 0xffffffffn)] : undefined;
  if (map === undefined) fault('helper', insn, `argument 1 is not a map pointer (0x${v.toString(16)})`);
  return map;
}

/** The address of a value's storage, mapping it into this run's memory on first use. */
export function valueAddress(m: Machine, map: VmMap, bytes: Uint8Array): bigint {
  const s = mapState(m);
  let hi = s.valueRegions.get(bytes);
  if (hi === undefined) {
    hi = m.mem.map(`${map.name} value`, bytes);
    s.valueRegions.set(bytes, hi);
  }
  return m.mem.base(hi);
}

const lookup: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  if (map.type === VmMapType.RINGBUF || map.type === VmMapType.QUEUE || map.type === VmMapType.STACK || map.type === VmMapType.PROG_ARRAY) {
    fault('helper', insn, `bpf_map_lookup_elem on ${map.name}, a map of type ${map.type} that has no lookup from programs`);
  }
  const key = m.mem.slice(a[1]!, map.keySize, insn, false);
  const v = map.lookup(key, m.env.cpu);
  return v === undefined ? 0n : valueAddress(m, map, v);
};

const update: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  const key = m.mem.slice(a[1]!, map.keySize, insn, false);
  const value = m.mem.slice(a[2]!, map.valueSize, insn, false);
  return BigInt(map.update(new Uint8Array(key), new Uint8Array(value), Number(a[3]! & 0xffffffffn), m.env.cpu));
};

const remove: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  return BigInt(map.delete(m.mem.slice(a[1]!, map.keySize, insn, false)));
};

const push: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  return BigInt(map.push(m.mem.slice(a[1]!, map.valueSize, insn, false), Number(a[2]! & 0xffffffffn)));
};

const popOrPeek = (remove: boolean): HelperImpl => (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  return BigInt(map.pop(m.mem.slice(a[1]!, map.valueSize, insn, true), remove));
};

const ringbufOutput: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  const size = Number(a[2]! & 0xffffffffn);
  if (size > map.maxEntries) return -11n; // -EAGAIN: no room
  map.records.push({ data: new Uint8Array(m.mem.slice(a[1]!, size, insn, false)) });
  return 0n;
};

const ringbufReserve: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[0]!, insn);
  const size = Number(a[1]! & 0xffffffffn);
  if (a[2] !== 0n || size > map.maxEntries) return 0n;
  const bytes = new Uint8Array(size);
  const hi = m.mem.map(`${map.name} record`, bytes);
  mapState(m).reserved.set(hi, { map, bytes });
  return m.mem.base(hi);
};

const ringbufCommit = (submit: boolean): HelperImpl => (m, a, insn) => {
  const hi = Number(a[0]! >> 32n);
  const r = mapState(m).reserved.get(hi);
  if (r === undefined || (a[0]! & 0xffffffffn) !== 0n) fault('helper', insn, `argument 1 is not a ring buffer reservation (0x${a[0]!.toString(16)})`);
  mapState(m).reserved.delete(hi);
  if (submit) r.map.records.push({ data: new Uint8Array(r.bytes) });
  return 0n;
};

/** bpf_perf_event_output(ctx, map, flags, data, size): the record goes to the map, tagged with the CPU. */
const perfEventOutput: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[1]!, insn);
  const size = Number(a[4]! & 0xffffffffn);
  map.records.push({ data: new Uint8Array(m.mem.slice(a[3]!, size, insn, false)), cpu: m.env.cpu });
  return 0n;
};

/** bpf_tail_call(ctx, prog_array, index): on success the program is replaced and the helper never returns. */
const tailCall: HelperImpl = (m, a, insn) => {
  const map = mapArg(m, a[1]!, insn);
  const s = mapState(m);
  const name = map.programs.get(Number(a[2]! & 0xffffffffn));
  if (name === undefined || s.tailCalls >= 33) return -2n;
  const target = s.programIndex.get(name);
  if (target === undefined) return -2n;
  s.tailCalls++;
  m.tailCall = target;
  return 0n;
};

export const mapHelpers: Record<string, HelperImpl> = {
  bpf_map_lookup_elem: lookup,
  bpf_map_update_elem: update,
  bpf_map_delete_elem: remove,
  bpf_map_push_elem: push,
  bpf_map_pop_elem: popOrPeek(true),
  bpf_map_peek_elem: popOrPeek(false),
  bpf_ringbuf_output: ringbufOutput,
  bpf_ringbuf_reserve: ringbufReserve,
  bpf_ringbuf_submit: ringbufCommit(true),
  bpf_ringbuf_discard: ringbufCommit(false),
  bpf_perf_event_output: perfEventOutput,
  bpf_tail_call: tailCall,
};

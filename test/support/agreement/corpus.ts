// The agreement corpus: programs with their program type, maps and loading details, read from
// test/data/verifier-corpus/. Expected outcomes are NOT stored: the harness measures them on the
// running kernel every time (the selftests' own annotations are 6.12's and are kept only to
// record where the live kernel differs).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MapType, type PreparedMap } from '../../../loader/index.js';
import { mapValueFields } from '../../../loader/map-value-fields.js';
import { TEST_VERIFIER_BTF, TEST_VERIFIER_VALUE_TYPE } from './test-verifier-btf.js';

export const CORPUS_DIR = join(import.meta.dirname, '../../data/verifier-corpus');

/** A map the program references: which ld_imm64 slots get its fd, and how it is created. */
export interface CorpusMap extends Omit<PreparedMap, 'frozenValue'> {
  /** For a map of maps: the inner map's shape. */
  readonly inner?: Omit<CorpusMap, 'name' | 'slots' | 'inner'>;
  /** Slots whose imm is the map's fd (ld_imm64 with src BPF_PSEUDO_MAP_FD or MAP_VALUE). */
  readonly slots: readonly number[];
  /** Set when the map needs BTF the harness cannot make: the program is not replayed. */
  readonly unsupported?: string;
  /** Created with test_verifier's BTF (test-verifier-btf.ts), key type 1 and this value type. */
  readonly btfValueType?: number;
}

export interface CorpusProgram {
  /** Unique name: `<suite>/<file>/<test>`. */
  readonly name: string;
  readonly suite: 'test_verifier' | 'fixtures' | 'generated';
  /** The area of the verifier the program exercises (docs/verifier.md's table). */
  readonly area: string;
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly progFlags: number;
  readonly license: string;
  readonly insns: Uint8Array;
  readonly maps: readonly CorpusMap[];
  /** kfunc calls whose imm is the kernel BTF id of the named function. */
  readonly kfuncs: readonly { readonly name: string; readonly insn: number }[];
  /** Tracing/LSM attach target, resolved in the kernel BTF. */
  readonly attachTo?: string;
  /** Raw BTF (header, types, strings) loaded with the program, and its func_info. */
  readonly btf?: Uint8Array;
  readonly funcInfo?: readonly { readonly insnOff: number; readonly typeId: number }[];
  /** 6.12's expectation, kept to record drift; never used as a label. */
  readonly annotation?: { readonly result?: string; readonly message?: string };
}

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

// Map shapes test_verifier creates for each fixup kind (its do_test_fixup): kind → map.
const BPF_F_NO_PREALLOC = 1;
const BPF_F_RDONLY_PROG = 0x80;
const BPF_F_WRONLY_PROG = 0x100;
type Shape = Omit<CorpusMap, 'name' | 'slots'>;
const TEST_VAL = 48; // struct test_val: an index and 11 ints
const FIXUP_MAPS: Readonly<Record<string, Shape>> = {
  map_hash_8b: { type: MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
  map_hash_48b: { type: MapType.HASH, keySize: 8, valueSize: TEST_VAL, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
  map_hash_16b: { type: MapType.HASH, keySize: 8, valueSize: 16, maxEntries: 1, flags: BPF_F_NO_PREALLOC },
  map_array_48b: { type: MapType.ARRAY, keySize: 4, valueSize: TEST_VAL, maxEntries: 1, flags: 0 },
  map_sockmap: { type: MapType.SOCKMAP, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  map_sockhash: { type: MapType.SOCKHASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  map_xskmap: { type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  map_stacktrace: { type: MapType.STACK_TRACE, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 },
  prog1: { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 },
  prog2: { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 8, flags: 0 },
  map_in_map: { type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, inner: { type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 } },
  cgroup_storage: { type: MapType.CGROUP_STORAGE, keySize: 12, valueSize: 64, maxEntries: 0, flags: 0 },
  percpu_cgroup_storage: { type: MapType.PERCPU_CGROUP_STORAGE, keySize: 12, valueSize: 64, maxEntries: 0, flags: 0 },
  map_array_ro: { type: MapType.ARRAY, keySize: 4, valueSize: TEST_VAL, maxEntries: 1, flags: BPF_F_RDONLY_PROG },
  map_array_wo: { type: MapType.ARRAY, keySize: 4, valueSize: TEST_VAL, maxEntries: 1, flags: BPF_F_WRONLY_PROG },
  map_array_small: { type: MapType.ARRAY, keySize: 4, valueSize: 1, maxEntries: 1, flags: 0 },
  map_event_output: { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  map_reuseport_array: { type: MapType.REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 },
  map_ringbuf: { type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
  // BTF-described values (spin lock, timer, kptrs, socket storage), with test_verifier's BTF.
  map_spin_lock: withTestBtf({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }, TEST_VERIFIER_VALUE_TYPE.spinLock),
  sk_storage_map: withTestBtf({ type: MapType.SK_STORAGE, keySize: 4, valueSize: 8, maxEntries: 0, flags: BPF_F_NO_PREALLOC }, TEST_VERIFIER_VALUE_TYPE.spinLock),
  map_timer: withTestBtf({ type: MapType.ARRAY, keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 }, TEST_VERIFIER_VALUE_TYPE.timer),
  map_kptr: withTestBtf({ type: MapType.ARRAY, keySize: 4, valueSize: 24, maxEntries: 1, flags: 0 }, TEST_VERIFIER_VALUE_TYPE.kptr),
};

/** A map created with test_verifier's BTF: the model learns its value's special fields from it. */
function withTestBtf(shape: Shape, valueType: number): Shape {
  return { ...shape, btfValueType: valueType, valueFieldsKnown: true, ...mapValueFields(TEST_VERIFIER_BTF, valueType) };
}

/** The verifier area a test_verifier file exercises (research notes §2.3). */
export function areaOfFile(file: string): string {
  const f = file.replace(/^.*\//, '').replace(/\.c$/, '');
  const table: readonly [RegExp, string][] = [
    [/^atomic/, 'atomics'],
    [/^(ctx|perf_event_sample_period|event_output)/, 'ctx access'],
    [/^(ld_abs|direct_value_access|wide_access)/, 'packet / memory access'],
    [/^(calls|basic_call|bpf_loop_inline|sleepable)/, 'calls / subprograms'],
    [/^(jmp32|jset|jump|dead_code|jit|scale)/, 'jumps / CFG'],
    [/^(ld_imm64|ld_dw|junk_insn|basic_instr|basic_stx_ldx|basic|bpf_st_mem)$/, 'instructions / encoding'],
    [/^(map_kptr)/, 'references / kptr'],
    [/^(precise)/, 'precision / pruning'],
  ];
  return table.find(([re]) => re.test(f))?.[1] ?? 'other';
}

interface StoredOld {
  name: string; file: string; progType: number; expectedAttachType: number; flags: number; kfunc: string | null;
  result: string | null; errstr: string | null; fixups: Record<string, number[]>; kfuncs: { name: string; insn: number }[];
  funcInfo: [number, number][]; btf: [string, string, string] | null; insns: string;
}

const F_LOAD_WITH_STRICT_ALIGNMENT = 2;
const F_NEEDS_EFFICIENT_UNALIGNED_ACCESS = 1;
const BPF_F_STRICT_ALIGNMENT = 1;

/** The old-format (test_verifier) part, converted by scripts/verifier-corpus/build-old.mjs. */
export function testVerifierCorpus(): CorpusProgram[] {
  const stored = JSON.parse(readFileSync(join(CORPUS_DIR, 'test_verifier.json'), 'utf8')) as { programs: StoredOld[] };
  return stored.programs.map((t) => {
    const maps: CorpusMap[] = Object.entries(t.fixups).map(([kind, slots]) => {
      const shape = FIXUP_MAPS[kind];
      if (shape === undefined) {
        return { name: kind, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, slots, unsupported: `unknown fixup ${kind}` };
      }
      return { name: kind, ...shape, slots };
    });
    // test_verifier's flags: strict alignment, and "needs efficient unaligned access" which x86-64
    // has (no BPF_F_ANY_ALIGNMENT needed); other bits are prog flags as they are.
    let progFlags = t.flags & ~3;
    if ((t.flags & F_LOAD_WITH_STRICT_ALIGNMENT) !== 0) progFlags |= BPF_F_STRICT_ALIGNMENT;
    void F_NEEDS_EFFICIENT_UNALIGNED_ACCESS;
    return {
      name: `test_verifier/${t.name}`,
      suite: 'test_verifier',
      area: areaOfFile(t.file),
      progType: t.progType === 0 ? 1 : t.progType,
      expectedAttachType: t.expectedAttachType,
      progFlags,
      license: 'GPL',
      insns: hexBytes(t.insns),
      maps,
      kfuncs: t.kfuncs,
      ...(t.kfunc === null ? {} : { attachTo: t.kfunc }),
      ...(t.btf === null ? {} : { btf: hexBytes(t.btf.join('')) }),
      ...(t.funcInfo.length === 0 ? {} : { funcInfo: t.funcInfo.map(([insnOff, typeId]) => ({ insnOff, typeId })) }),
      annotation: { ...(t.result === null ? {} : { result: t.result }), ...(t.errstr === null ? {} : { message: t.errstr }) },
    };
  });
}

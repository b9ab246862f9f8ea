// Hand-written programs for kptr fields of map values (part of the model's differential test,
// test/support/verifier-cases.ts). Each map is an array created with BTF for its value: a struct
// of 8-byte members, each a kptr (`__kptr_untrusted` = unref, `__kptr` = ref) to a kernel struct
// named by its target, or a plain u64. The kernel resolves the targets in its own BTF when the map
// is created; member offsets of the targets come from the running kernel's BTF. The live kernel
// labels every case when the test runs.

import { Btf, type BtfMember, type BtfType, encodeBtf } from '../../elf/index.js';
import { mapValueFields } from '../../loader/map-value-fields.js';
import { member } from './kernel-struct.js';
import type { MapInfo } from '../../verifier/index.js';
import type { ModelCase } from './verifier-cases.js';
import type { BtfMapInfo } from './verifier-live.js';

type Slot = readonly ['unref' | 'ref', string] | 'u64';
const TAGS = { unref: 'kptr_untrusted', ref: 'kptr' } as const;

/** A one-element array whose value has `slots`, 8 bytes each, in order. */
function kptrMap(slots: readonly Slot[]): BtfMapInfo {
  const types: BtfType[] = [
    { kind: 'INT', name: 'int', size: 4, encoding: 1, bitsOffset: 0, bits: 32 }, // [1] key
    { kind: 'INT', name: 'u64', size: 8, encoding: 0, bitsOffset: 0, bits: 64 }, // [2]
  ];
  const add = (t: BtfType): number => types.push(t);
  const members: BtfMember[] = slots.map((s, i) => {
    let type = 2;
    if (s !== 'u64') {
      const target = add({ kind: 'STRUCT', name: s[1], size: 0, kindFlag: false, members: [] });
      const tag = add({ kind: 'TYPE_TAG', name: TAGS[s[0]], type: target, kindFlag: false });
      type = add({ kind: 'PTR', name: '', type: tag });
    }
    return { name: `f${i}`, type, bitsOffset: i * 64, bitfieldSize: 0 };
  });
  const value = add({ kind: 'STRUCT', name: 'val', size: 8 * slots.length, kindFlag: false, members });
  const btf = Btf.fromTypes(types);
  return {
    type: 2, keySize: 4, valueSize: 8 * slots.length, maxEntries: 1, valueFieldsKnown: true, ...mapValueFields(btf, value),
    btf: { blob: encodeBtf(btf), keyType: 1, valueType: value },
  };
}

/** test_verifier's value: untrusted and referenced prog_test_ref_kfunc, referenced prog_test_member. */
const TEST_REF = kptrMap([['unref', 'prog_test_ref_kfunc'], ['ref', 'prog_test_ref_kfunc'], ['ref', 'prog_test_member']]);
/** Untrusted kptrs to a struct and to the struct nested in it. */
const NESTED = kptrMap([['unref', 'prog_test_ref_kfunc'], ['unref', 'prog_test_member']]);
const TASK = kptrMap([['ref', 'task_struct'], ['unref', 'task_struct'], 'u64']);
const PLAIN = kptrMap(['u64']);

const refKfunc = (name: string): number => member('prog_test_ref_kfunc', name).off;
const pid = member('task_struct', 'pid').off;

/** r0 = the value of map 0 (exit 0 when the lookup fails), kept in r6. */
const value = ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r6 = r0'];
const done = ['r0 = 0', 'exit'];
/** r0 = bpf_kptr_xchg(r6 + off, r2 setup). */
const xchg = (off: number, r2: string): string[] => ['r1 = r6', `r1 += ${off}`, r2, 'call 194'];
/** Exit 0 when r0 is NULL. */
const nonNull = ['if r0 != 0 goto +2', 'r0 = 0', 'exit'];

const tc = (name: string, asm: readonly string[], maps: readonly MapInfo[] = [TEST_REF]): ModelCase => ({ name: `kptr: ${name}`, type: 'sched_cls', maps, asm });
const tp = (name: string, asm: readonly string[], maps: readonly MapInfo[] = [TASK]): ModelCase => ({ name: `kptr: ${name}`, type: 'tracepoint', maps, asm });

const sleepable = (name: string, asm: readonly string[]): ModelCase => ({ name: `kptr: sleepable, ${name}`, type: 'kprobe', sleepable: true, maps: [TASK], asm });

export const kptrCases: readonly ModelCase[] = [
  // Loads.
  tc('untrusted load, null check, read a member', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +1', `r0 = *(u32 *)(r1 + ${refKfunc('b')})`, ...done]),
  tc('untrusted load read without a null check', [...value, 'r1 = *(u64 *)(r6 + 0)', 'r0 = *(u32 *)(r1 + 0)', ...done]),
  tc('referenced load, null check, read a member', [...value, 'r1 = *(u64 *)(r6 + 8)', 'if r1 == 0 goto +1', 'r0 = *(u32 *)(r1 + 0)', ...done]),
  tc('referenced load of a struct that is not RCU-protected', [...value, 'r1 = *(u64 *)(r6 + 16)', 'if r1 == 0 goto +1', 'r0 = *(u32 *)(r1 + 0)', ...done]),
  tc('untrusted load, pointer member, read through it', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', `r1 = *(u64 *)(r1 + ${refKfunc('next')})`, 'r0 = *(u32 *)(r1 + 0)', ...done]),
  tc('untrusted load, half a pointer member', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +1', `r0 = *(u32 *)(r1 + ${refKfunc('next')})`, ...done]),
  tc('untrusted load, store through it', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', 'r2 = 1', '*(u32 *)(r1 + 0) = r2', ...done]),
  tc('kptr load into a sign-extending 4-byte load', [...value, 'r1 = *(s32 *)(r6 + 0)', ...done]),
  tc('atomic add to a kptr', [...value, 'r1 = 1', 'lock *(u64 *)(r6 + 0) += r1', ...done]),
  tc('plain member next to kptrs', [...value, 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r1 = 1', '*(u64 *)(r6 + 16) = r1', 'r0 = *(u64 *)(r6 + 16)', ...done], [TASK]),
  tc('kptr map read by a helper', [...value, 'r1 = map_fd(0)', 'r2 = r10', 'r2 += -4', 'r3 = r6', 'r4 = 0', 'call 2', ...done]),
  tc('kptr map updated from the stack', ['r1 = 0', '*(u64 *)(r10 - 8) = r1', '*(u64 *)(r10 - 16) = r1', '*(u64 *)(r10 - 24) = r1', '*(u32 *)(r10 - 28) = r1',
    'r1 = map_fd(0)', 'r2 = r10', 'r2 += -28', 'r3 = r10', 'r3 += -24', 'r4 = 0', 'call 2', ...done]),
  // Stores.
  tc('BPF_ST of 0 to an untrusted kptr', [...value, '*(u64 *)(r6 + 0) = 0', ...done]),
  tc('NULL stored to an untrusted kptr', [...value, 'r1 = 0', '*(u64 *)(r6 + 0) = r1', ...done]),
  tc('scalar stored to an untrusted kptr', [...value, 'r1 = 1', '*(u64 *)(r6 + 0) = r1', ...done]),
  tc('map value pointer stored to an untrusted kptr', [...value, '*(u64 *)(r6 + 0) = r6', ...done]),
  tc('untrusted kptr copied to itself', [...value, 'r1 = *(u64 *)(r6 + 0)', '*(u64 *)(r6 + 0) = r1', ...done]),
  tc('RCU kptr stored to an untrusted kptr', [...value, 'r1 = *(u64 *)(r6 + 8)', '*(u64 *)(r6 + 0) = r1', ...done]),
  tc('kptr of another struct stored to an untrusted kptr', [...value, 'r1 = *(u64 *)(r6 + 16)', '*(u64 *)(r6 + 0) = r1', ...done]),
  tc('nested struct stored to its untrusted kptr', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', `r1 += ${refKfunc('memb')}`, '*(u64 *)(r6 + 8) = r1', ...done], [NESTED]),
  tc('struct at a wrong offset stored to an untrusted kptr', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', `r1 += ${refKfunc('memb') + 4}`, '*(u64 *)(r6 + 8) = r1', ...done], [NESTED]),
  tc('pointer with a negative offset stored to an untrusted kptr', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', 'r1 += -8', '*(u64 *)(r6 + 0) = r1', ...done]),
  tp('current task stored to an untrusted kptr', [...value, 'call 158', '*(u64 *)(r6 + 8) = r0', ...done]),
  tp('current task stored to a referenced kptr', [...value, 'call 158', '*(u64 *)(r6 + 0) = r0', ...done]),
  // bpf_kptr_xchg.
  tc('xchg out, NULL check, leaked', [...value, ...xchg(8, 'r2 = 0'), ...nonNull, ...done]),
  tc('xchg out without a NULL check, leaked', [...value, ...xchg(8, 'r2 = 0'), ...done]),
  tp('xchg out, NULL check, released', [...value, ...xchg(0, 'r2 = 0'), ...nonNull, 'r1 = r0', 'call_kfunc bpf_task_release', ...done]),
  tp('xchg out, read, released', [...value, ...xchg(0, 'r2 = 0'), ...nonNull, 'r7 = r0', `r0 = *(u32 *)(r7 + ${pid})`, 'r1 = r7', 'call_kfunc bpf_task_release', ...done]),
  tp('xchg out, released, read after release', [...value, ...xchg(0, 'r2 = 0'), ...nonNull, 'r7 = r0', 'r1 = r0', 'call_kfunc bpf_task_release', `r0 = *(u32 *)(r7 + ${pid})`, ...done]),
  tp('acquired task xchg in', [...value, 'r1 = 0', 'call_kfunc bpf_task_from_pid', ...nonNull, 'r2 = r0', 'r1 = r6', 'call 194', ...nonNull, 'r1 = r0', 'call_kfunc bpf_task_release', ...done]),
  tp('acquired task xchg in, then used', [...value, 'r1 = 0', 'call_kfunc bpf_task_from_pid', ...nonNull, 'r7 = r0', 'r2 = r0', 'r1 = r6', 'call 194', `r0 = *(u32 *)(r7 + ${pid})`, ...done]),
  tp('acquired task, possibly NULL, xchg in', [...value, 'r1 = 0', 'call_kfunc bpf_task_from_pid', 'r2 = r0', 'r1 = r6', 'call 194', ...done]),
  tp('current task xchg in', [...value, 'call 158', 'r2 = r0', 'r1 = r6', 'call 194', ...done]),
  tp('RCU task xchg in', [...value, 'r2 = *(u64 *)(r6 + 0)', 'if r2 == 0 goto +2', 'r1 = r6', 'call 194', ...done]),
  tp('untrusted task xchg in', [...value, 'r2 = *(u64 *)(r6 + 8)', 'if r2 == 0 goto +2', 'r1 = r6', 'call 194', ...done]),
  tp('xchg at an offset with no kptr', [...value, ...xchg(16, 'r2 = 0'), ...done]),
  tp('xchg into an untrusted kptr', [...value, ...xchg(8, 'r2 = 0'), ...done]),
  tp('xchg with a stack pointer', ['r1 = r10', 'r1 += -8', 'r2 = 0', 'call 194', ...done]),
  tp('xchg into a possibly NULL map value', ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r1 = r0', 'r2 = 0', 'call 194', ...done]),
  tp('xchg into a map value without kptrs', [...value, ...xchg(0, 'r2 = 0'), ...done], [PLAIN]),
  tp('xchg into a map value without BTF', [...value, ...xchg(0, 'r2 = 0'), ...done], [{ type: 2, keySize: 4, valueSize: 8, maxEntries: 1 }]),
  // RCU sections.
  tp('RCU task acquired', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +2', 'call_kfunc bpf_task_acquire', ...nonNull, 'r1 = r0', 'call_kfunc bpf_task_release', ...done]),
  tp('RCU task acquired inside a read section', [...value, 'call_kfunc bpf_rcu_read_lock', 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +4', 'call_kfunc bpf_task_acquire',
    'if r0 == 0 goto +2', 'r1 = r0', 'call_kfunc bpf_task_release', 'call_kfunc bpf_rcu_read_unlock', ...done]),
  tp('RCU task acquired after the read section ends', [...value, 'call_kfunc bpf_rcu_read_lock', 'r7 = *(u64 *)(r6 + 0)', 'call_kfunc bpf_rcu_read_unlock', 'if r7 == 0 goto +5',
    'r1 = r7', 'call_kfunc bpf_task_acquire', 'if r0 == 0 goto +2', 'r1 = r0', 'call_kfunc bpf_task_release', ...done]),
  tp('RCU task read after the read section ends', [...value, 'call_kfunc bpf_rcu_read_lock', 'r7 = *(u64 *)(r6 + 0)', 'call_kfunc bpf_rcu_read_unlock', `r0 = *(u32 *)(r7 + ${pid})`, ...done]),
  tp('untrusted task acquired', [...value, 'r1 = *(u64 *)(r6 + 8)', 'if r1 == 0 goto +2', 'call_kfunc bpf_task_acquire', ...nonNull, 'r1 = r0', 'call_kfunc bpf_task_release', ...done]),
  tp('RCU task passed to this_cpu_ptr', [...value, 'r1 = *(u64 *)(r6 + 0)', 'if r1 == 0 goto +1', 'call 154', ...done]),
  tp('NULL passed to per_cpu_ptr', ['r1 = 0', 'r2 = 0', 'call 153', ...done]),
  // A sleepable program is in an RCU read section only between bpf_rcu_read_lock and unlock.
  sleepable('referenced load outside a read section', [...value, 'r1 = *(u64 *)(r6 + 0)', 'r0 = *(u32 *)(r1 + 0)', ...done]),
  sleepable('referenced load inside a read section', [...value, 'call_kfunc bpf_rcu_read_lock', 'r1 = *(u64 *)(r6 + 0)', 'r0 = *(u32 *)(r1 + 0)', ...done]),
  sleepable('untrusted load inside a read section', [...value, 'call_kfunc bpf_rcu_read_lock', 'r1 = *(u64 *)(r6 + 8)', 'r0 = *(u32 *)(r1 + 0)', ...done]),
];

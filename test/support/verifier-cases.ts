// Hand-written programs for the verifier model's differential test: each
// exercises one rule of the kernel's verifier, in both directions where it
// matters (accepted, and rejected by one step). Expected outcomes are never
// written here: the live kernel labels them when the test runs.
// `map_fd(N)` names the Nth map of the case.

import type { MapInfo } from '../../verifier/index.js';
import type { CaseFunction } from './verifier-live.js';
import { referenceCases } from './verifier-cases-references.js';
import { inferenceCases } from './verifier-cases-inference.js';
import { kfuncCases } from './verifier-cases-kfuncs.js';
import { kptrCases } from './verifier-cases-kptr.js';
import { attachCases } from './verifier-cases-attach.js';
import { mayGotoCases } from './verifier-cases-may-goto.js';
import { capsCases } from './verifier-cases-caps.js';
import { iterCases } from './verifier-cases-iter.js';
import { globalFunctionCases } from './verifier-cases-global.js';
import { helperCases } from './verifier-cases-helpers.js';
import { dynptrCases } from './verifier-cases-dynptr.js';
import { restCases } from './verifier-cases-rest.js';
import { precisionCases } from './verifier-cases-precision.js';
import { livenessCases } from './verifier-cases-liveness.js';
import { log2Cases } from './verifier-cases-log2.js';
import { corpusCases } from './verifier-cases-corpus.js';
import { branchBoundsCases } from './verifier-cases-branch-bounds.js';

export interface ModelCase {
  readonly name: string;
  readonly type: string;
  readonly maps?: readonly MapInfo[];
  readonly asm: readonly string[];
  readonly expectedAttachType?: number;
  /** Load with BTF func_info naming these subprograms (main first at slot 0). */
  readonly functions?: readonly CaseFunction[];
  /** Loaded with BPF_F_STRICT_ALIGNMENT. */
  readonly strictAlignment?: boolean;
  /** Loaded with BPF_F_SLEEPABLE. */
  readonly sleepable?: boolean;
  /** Loaded with BPF_F_TEST_STATE_FREQ. */
  readonly testStateFreq?: boolean;
  /** The load's attach_btf_id: the running kernel's BTF type of this name and kind. */
  readonly attach?: { readonly name: string; readonly kind: 'FUNC' | 'TYPEDEF' | 'STRUCT' };
}

const HASH_4_8: MapInfo = { type: 1, keySize: 4, valueSize: 8, maxEntries: 16 };
const ARRAY_4_48: MapInfo = { type: 2, keySize: 4, valueSize: 48, maxEntries: 4 };
const ARRAY_1_48: MapInfo = { type: 2, keySize: 4, valueSize: 48, maxEntries: 1 };
const RINGBUF: MapInfo = { type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 };
const PROG_ARRAY: MapInfo = { type: 3, keySize: 4, valueSize: 4, maxEntries: 4 };

const lookup = (mapIndex = 0, key = 0): string[] => [
  `*(u32 *)(r10 - 4) = ${key}`, 'r2 = r10', 'r2 += -4', `r1 = map_fd(${mapIndex})`, 'call 1',
];

/**
 * Packet range from a comparison with data_end in each form: both operand orders, each outcome,
 * 32-bit and signed jumps (which give no range), == and !=; then reads that end at, and past, 8 bytes.
 */
function pktRangeCases(): ModelCase[] {
  const branches: readonly [string, string[]][] = [
    ['r4 > r3 goto exit', ['if r4 > r3 goto +1']], ['r3 < r4 goto exit', ['if r3 < r4 goto +1']],
    ['r3 >= r4 reads in branch', ['if r3 >= r4 goto +1', 'goto +1']], ['r4 <= r3 reads in branch', ['if r4 <= r3 goto +1', 'goto +1']],
    ['r4 >= r3 goto exit', ['if r4 >= r3 goto +1']], ['r3 > r4 reads in branch', ['if r3 > r4 goto +1', 'goto +1']],
    ['w4 > w3 goto exit', ['if w4 > w3 goto +1']], ['r4 s> r3 goto exit', ['if r4 s> r3 goto +1']],
    ['r4 == r3 goto exit', ['if r4 == r3 goto +1']], ['r4 != r3 reads in branch', ['if r4 != r3 goto +1', 'goto +1']],
  ];
  const reads = ['r0 = *(u64 *)(r2 + 0)', 'r0 = *(u32 *)(r2 + 4)', 'r0 = *(u8 *)(r2 + 8)'];
  return branches.flatMap(([name, jump]) => reads.map((read) => ({
    name: `pkt range: ${name}, ${read.slice(5)}`, type: 'xdp',
    asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 8', ...jump, read, 'r0 = 2', 'exit'],
  })));
}

export const modelCases: readonly ModelCase[] = [
  { name: 'return 0', type: 'socket_filter', asm: ['r0 = 0', 'exit'] },
  { name: 'exit without r0', type: 'socket_filter', asm: ['exit'] },
  { name: 'read uninit r2', type: 'socket_filter', asm: ['r0 = r2', 'exit'] },
  { name: 'write r10', type: 'socket_filter', asm: ['r10 = 0', 'r0 = 0', 'exit'] },
  { name: 'deref scalar', type: 'socket_filter', asm: ['r1 = 0', 'r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'stack write and read', type: 'socket_filter', asm: ['r1 = 7', '*(u64 *)(r10 - 8) = r1', 'r0 = *(u64 *)(r10 - 8)', 'exit'] },
  { name: 'stack below 512', type: 'socket_filter', asm: ['r0 = 0', '*(u64 *)(r10 - 520) = r0', 'exit'] },
  { name: 'stack at fp+0', type: 'socket_filter', asm: ['r0 = 0', '*(u64 *)(r10 + 0) = r0', 'exit'] },
  { name: 'stack straddles fp', type: 'socket_filter', asm: ['r0 = 0', '*(u32 *)(r10 - 2) = r0', 'exit'] },
  { name: 'misaligned stack', type: 'socket_filter', asm: ['r0 = 0', '*(u32 *)(r10 - 6) = r0', 'exit'] },
  { name: 'uninit stack read (root)', type: 'socket_filter', asm: ['r0 = *(u64 *)(r10 - 16)', 'exit'] },
  { name: 'spill ctx and fill', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', 'r2 = *(u64 *)(r10 - 8)', 'r0 = *(u32 *)(r2 + 0)', 'exit'] },
  { name: 'partial fill of spilled ptr', type: 'socket_filter', asm: ['*(u64 *)(r10 - 8) = r1', 'r2 = *(u32 *)(r10 - 8)', 'r0 = 0', 'exit'] },
  { name: 'narrow spill of ptr', type: 'socket_filter', asm: ['*(u32 *)(r10 - 8) = r1', 'r0 = 0', 'exit'] },
  { name: 'spill const, fill, ptr arith', type: 'socket_filter', asm: ['r1 = 4', '*(u64 *)(r10 - 8) = r1', 'r2 = *(u64 *)(r10 - 8)', 'r3 = r10', 'r3 += -16', 'r3 += r2', 'r0 = *(u32 *)(r3 + 0)', 'exit'] },
  { name: 'ctx read len', type: 'socket_filter', asm: ['r0 = *(u32 *)(r1 + 0)', 'exit'] },
  { name: 'ctx read out of range', type: 'socket_filter', asm: ['r0 = *(u32 *)(r1 + 1000)', 'exit'] },
  { name: 'ctx read data in socket filter', type: 'socket_filter', asm: ['r0 = *(u32 *)(r1 + 76)', 'exit'] },
  { name: 'ctx write cb', type: 'socket_filter', asm: ['r2 = 1', '*(u32 *)(r1 + 48) = r2', 'r0 = 0', 'exit'] },
  { name: 'ctx write mark', type: 'socket_filter', asm: ['r2 = 1', '*(u32 *)(r1 + 8) = r2', 'r0 = 0', 'exit'] },
  { name: 'ctx narrow read', type: 'socket_filter', asm: ['r0 = *(u8 *)(r1 + 1)', 'exit'] },
  { name: 'ctx 8-byte read of u32', type: 'socket_filter', asm: ['r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'ctx misaligned read', type: 'socket_filter', asm: ['r0 = *(u16 *)(r1 + 1)', 'exit'] },
  { name: 'modified ctx deref', type: 'socket_filter', asm: ['r1 += 4', 'r0 = *(u32 *)(r1 + 0)', 'exit'] },
  { name: 'ctx st imm to cb', type: 'socket_filter', asm: ['*(u32 *)(r1 + 52) = 3', 'r0 = 0', 'exit'] },
  { name: 'lookup and deref without null check', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookup(), 'r0 = *(u64 *)(r0 + 0)', 'exit'] },
  { name: 'lookup, null check, deref', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookup(), 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'] },
  { name: 'lookup, null check, off by one', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookup(), 'if r0 == 0 goto +1', 'r0 = *(u64 *)(r0 + 1)', 'r0 = 0', 'exit'] },
  { name: 'lookup, arith before null check', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookup(), 'r0 += 8', 'r0 = 0', 'exit'] },
  { name: 'lookup, null check via copy', type: 'socket_filter', maps: [HASH_4_8], asm: [...lookup(), 'r6 = r0', 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r6 + 0)', 'exit'] },
  { name: 'lookup with fp as map', type: 'socket_filter', maps: [HASH_4_8], asm: ['r2 = r10', 'r2 += -4', 'r1 = r10', 'call 1', 'r0 = 0', 'exit'] },
  { name: 'lookup key uninit (root)', type: 'socket_filter', maps: [HASH_4_8], asm: ['r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'] },
  { name: 'lookup key out of stack', type: 'socket_filter', maps: [HASH_4_8], asm: ['r2 = r10', 'r2 += -2', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'] },
  { name: 'lookup key scalar', type: 'socket_filter', maps: [HASH_4_8], asm: ['r2 = 0', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'] },
  { name: 'update elem', type: 'socket_filter', maps: [HASH_4_8], asm: ['*(u32 *)(r10 - 4) = 0', 'r1 = 0', '*(u64 *)(r10 - 16) = r1', 'r2 = r10', 'r2 += -4', 'r3 = r10', 'r3 += -16', 'r4 = 0', 'r1 = map_fd(0)', 'call 2', 'r0 = 0', 'exit'] },
  { name: 'update elem value too close to fp', type: 'socket_filter', maps: [HASH_4_8], asm: ['*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', 'r3 = r10', 'r3 += -4', 'r4 = 0', 'r1 = map_fd(0)', 'call 2', 'r0 = 0', 'exit'] },
  { name: 'array lookup constant key elides null', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(0, 1), 'r0 = *(u64 *)(r0 + 40)', 'exit'] },
  { name: 'array lookup key out of range keeps null', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(0, 9), 'r0 = *(u64 *)(r0 + 0)', 'exit'] },
  { name: 'map value bounded index', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +6', 'r6 = r0', 'call 7', 'r0 &= 31', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'map value index one too far', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +6', 'r6 = r0', 'call 7', 'r0 &= 63', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'map value unbounded index', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +5', 'r6 = r0', 'call 7', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'map value signed index', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +8', 'r6 = r0', 'call 7', 'r0 <<= 32', 'r0 s>>= 32', 'if r0 s> 40 goto +2', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'map value branch-bounded index', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +7', 'r6 = r0', 'call 7', 'if r0 > 40 goto +3', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'map value branch-bounded index off by one', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +7', 'r6 = r0', 'call 7', 'if r0 > 41 goto +3', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'map value 32-bit bounded', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +7', 'r6 = r0', 'call 7', 'if w0 > 40 goto +3', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'map value write', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +2', 'r1 = 5', '*(u64 *)(r0 + 40) = r1', 'r0 = 0', 'exit'] },
  { name: 'map value atomic add', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +2', 'r1 = 5', 'lock *(u64 *)(r0 + 8) += r1', 'r0 = 0', 'exit'] },
  { name: 'map value atomic misaligned', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +2', 'r1 = 5', 'lock *(u64 *)(r0 + 4) += r1', 'r0 = 0', 'exit'] },
  { name: 'atomic on ctx', type: 'socket_filter', asm: ['r2 = 1', 'lock *(u32 *)(r1 + 48) += r2', 'r0 = 0', 'exit'] },
  { name: 'ptr mul', type: 'socket_filter', asm: ['r1 = r10', 'r1 *= 2', 'r0 = 0', 'exit'] },
  { name: 'ptr plus ptr', type: 'socket_filter', asm: ['r2 = r10', 'r2 += r1', 'r0 = 0', 'exit'] },
  { name: 'ptr 32-bit add', type: 'socket_filter', asm: ['r2 = r10', 'w2 += 1', 'r0 = 0', 'exit'] },
  { name: 'scalar minus ptr', type: 'socket_filter', asm: ['r0 = 0', 'r0 -= r10', 'exit'] },
  { name: 'fp minus scalar reg', type: 'socket_filter', asm: ['r0 = 8', 'r2 = r10', 'r2 -= r0', 'r0 = 0', 'exit'] },
  { name: 'ptr minus ptr', type: 'socket_filter', asm: ['r2 = r10', 'r2 -= r1', 'r0 = r2', 'exit'] },
  { name: 'ptr and', type: 'socket_filter', asm: ['r2 = r10', 'r2 &= 7', 'r0 = 0', 'exit'] },
  { name: 'unbounded ptr add', type: 'socket_filter', asm: ['call 7', 'r0 <<= 32', 'r0 s>>= 32', 'r1 += r0', 'r0 = 0', 'exit'] },
  { name: 'fp var off read', type: 'socket_filter', asm: ['call 7', 'r0 &= 7', 'r2 = r10', 'r2 += -16', 'r2 += r0', 'r0 = *(u8 *)(r2 + 0)', 'exit'] },
  { name: 'fp var off read beyond', type: 'socket_filter', asm: ['call 7', 'r0 &= 15', 'r2 = r10', 'r2 += -8', 'r2 += r0', 'r0 = *(u8 *)(r2 + 0)', 'exit'] },
  { name: 'branch both, r0 set on one', type: 'socket_filter', asm: ['call 7', 'if r0 > 5 goto +1', 'r0 = 0', 'exit'] },
  { name: 'branch, uninit on one path', type: 'socket_filter', asm: ['call 7', 'if r0 > 5 goto +2', 'r3 = 1', 'goto +0', 'r0 = r3', 'exit'] },
  { name: 'known branch skips bad code', type: 'socket_filter', asm: ['r1 = 3', 'if r1 > 5 goto +2', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'bounded loop', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 100 goto -2', 'r0 = 0', 'exit'] },
  { name: 'infinite loop', type: 'socket_filter', asm: ['r0 = 0', 'goto -1', 'exit'] },
  // Found on a path just taken from the stack: the kernel's log ends with the jump that queued it.
  { name: 'infinite loop closed by a queued branch', type: 'socket_filter', asm: ['r6 = r1', 'r1 = r6', 'call_local +2', 'if r0 == 0 goto -3', 'exit', 'r0 = *(u32 *)(r1 + 8)', 'exit'] },
  { name: 'loop too long', type: 'socket_filter', asm: ['r1 = 0', 'r1 += 1', 'if r1 < 10000000 goto -2', 'r0 = 0', 'exit'] },
  { name: 'jset refinement', type: 'socket_filter', asm: ['call 7', 'r0 &= 3', 'if r0 & 4 goto +1', 'r0 = 0', 'exit'] },
  { name: 'jne constant edge', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +7', 'r6 = r0', 'call 7', 'r0 &= 41', 'if r0 == 41 goto +2', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'signed compare bounds', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +8', 'r6 = r0', 'call 7', 'if r0 s> 40 goto +4', 'if r0 s< 0 goto +3', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'linked scalars', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +7', 'r6 = r0', 'call 7', 'r1 = r0', 'if r1 > 40 goto +3', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'helper unknown id', type: 'socket_filter', asm: ['call 10000', 'r0 = 0', 'exit'] },
  { name: 'helper not for type', type: 'socket_filter', asm: ['call 14', 'r0 = 0', 'exit'] },
  { name: 'probe_read_kernel to stack', type: 'socket_filter', asm: ['r1 = r10', 'r1 += -16', 'r2 = 16', 'r3 = 0', 'call 113', 'r0 = *(u64 *)(r10 - 16)', 'exit'] },
  { name: 'probe_read_kernel size too big', type: 'socket_filter', asm: ['r1 = r10', 'r1 += -16', 'r2 = 17', 'r3 = 0', 'call 113', 'r0 = 0', 'exit'] },
  { name: 'probe_read_kernel negative size', type: 'socket_filter', asm: ['call 7', 'r2 = r0', 'r2 <<= 32', 'r2 s>>= 32', 'r1 = r10', 'r1 += -16', 'r3 = 0', 'call 113', 'r0 = 0', 'exit'] },
  { name: 'probe_read_kernel bounded size', type: 'socket_filter', asm: ['call 7', 'r2 = r0', 'r2 &= 15', 'r1 = r10', 'r1 += -16', 'r3 = 0', 'call 113', 'r0 = 0', 'exit'] },
  { name: 'probe_read_kernel scalar dst', type: 'socket_filter', asm: ['r1 = 0', 'r2 = 8', 'r3 = 0', 'call 113', 'r0 = 0', 'exit'] },
  { name: 'ringbuf reserve submit', type: 'socket_filter', maps: [RINGBUF], asm: ['r1 = map_fd(0)', 'r2 = 16', 'r3 = 0', 'call 131', 'if r0 == 0 goto +5', 'r1 = 1', '*(u64 *)(r0 + 8) = r1', 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'] },
  { name: 'ringbuf reserve leak', type: 'socket_filter', maps: [RINGBUF], asm: ['r1 = map_fd(0)', 'r2 = 16', 'r3 = 0', 'call 131', 'if r0 == 0 goto +1', 'r0 = 0', 'r0 = 0', 'exit'] },
  { name: 'ringbuf write past size', type: 'socket_filter', maps: [RINGBUF], asm: ['r1 = map_fd(0)', 'r2 = 16', 'r3 = 0', 'call 131', 'if r0 == 0 goto +5', 'r1 = 1', '*(u64 *)(r0 + 12) = r1', 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'] },
  { name: 'lookup on ringbuf', type: 'socket_filter', maps: [RINGBUF], asm: [...lookup(), 'r0 = 0', 'exit'] },
  { name: 'xdp packet read unchecked', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r0 = *(u8 *)(r2 + 0)', 'exit'] },
  { name: 'xdp packet read checked', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +2', 'r0 = *(u16 *)(r2 + 12)', 'exit', 'r0 = 2', 'exit'] },
  { name: 'xdp packet read past check', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +2', 'r0 = *(u16 *)(r2 + 13)', 'exit', 'r0 = 2', 'exit'] },
  { name: 'xdp packet write', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +2', 'r5 = 0', '*(u32 *)(r2 + 4) = r5', 'r0 = 2', 'exit'] },
  { name: 'xdp reversed compare', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 8', 'if r3 >= r4 goto +2', 'r0 = 2', 'exit', 'r0 = *(u64 *)(r2 + 0)', 'exit'] },
  { name: 'xdp variable packet offset', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r5 = *(u32 *)(r1 + 12)', 'r5 &= 15', 'r2 += r5', 'r4 = r2', 'r4 += 4', 'if r4 > r3 goto +2', 'r0 = *(u32 *)(r2 + 0)', 'exit', 'r0 = 2', 'exit'] },
  { name: 'xdp unbounded packet offset', type: 'xdp', asm: ['r2 = *(u32 *)(r1 + 0)', 'r5 = *(u32 *)(r1 + 12)', 'r5 <<= 32', 'r5 s>>= 32', 'r2 += r5', 'r0 = 2', 'exit'] },
  { name: 'xdp ctx write', type: 'xdp', asm: ['r2 = 0', '*(u32 *)(r1 + 12) = r2', 'r0 = 2', 'exit'] },
  { name: 'xdp deref pkt_end', type: 'xdp', asm: ['r3 = *(u32 *)(r1 + 4)', 'r0 = *(u8 *)(r3 + 0)', 'exit'] },
  { name: 'xdp returns pointer', type: 'xdp', asm: ['r0 = r10', 'exit'] },
  { name: 'cgroup_skb return 7', type: 'cgroup_skb', asm: ['r0 = 7', 'exit'] },
  { name: 'cgroup_skb return 1', type: 'cgroup_skb', asm: ['r0 = 1', 'exit'] },
  { name: 'cgroup_skb return unknown', type: 'cgroup_skb', asm: ['call 7', 'exit'] },
  { name: 'cgroup_skb return bounded', type: 'cgroup_skb', asm: ['call 7', 'r0 &= 1', 'exit'] },
  { name: 'tracepoint ctx read', type: 'tracepoint', asm: ['r0 = *(u64 *)(r1 + 8)', 'exit'] },
  { name: 'tracepoint ctx read header', type: 'tracepoint', asm: ['r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'tracepoint get_current_comm', type: 'tracepoint', asm: ['r1 = r10', 'r1 += -16', 'r2 = 16', 'call 16', 'r0 = 0', 'exit'] },
  { name: 'tracepoint pid_tgid', type: 'tracepoint', asm: ['call 14', 'r0 >>= 32', 'exit'] },
  { name: 'kprobe ctx read', type: 'kprobe', asm: ['r0 = *(u64 *)(r1 + 112)', 'exit'] },
  { name: 'kprobe ctx write', type: 'kprobe', asm: ['r2 = 0', '*(u64 *)(r1 + 112) = r2', 'r0 = 0', 'exit'] },
  { name: 'kprobe ctx read past end', type: 'kprobe', asm: ['r0 = *(u64 *)(r1 + 168)', 'exit'] },
  { name: 'movsx', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +6', 'r6 = r0', 'call 7', 'r0 = (s8)r0', 'r0 &= 31', 'r6 += r0', 'r0 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'] },
  { name: 'ldsx from stack', type: 'socket_filter', asm: ['r1 = -3', '*(u64 *)(r10 - 8) = r1', 'r0 = *(s8 *)(r10 - 8)', 'exit'] },
  { name: 'direct map value address, in range', type: 'socket_filter', maps: [ARRAY_1_48], asm: ['r1 = map_value(0) + 40', 'r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'direct map value address at the value size', type: 'socket_filter', maps: [ARRAY_1_48], asm: ['r1 = map_value(0) + 48', 'r0 = 0', 'exit'] },
  { name: 'direct map value address of a 4-element array', type: 'socket_filter', maps: [ARRAY_4_48], asm: ['r1 = map_value(0) + 40', 'r0 = *(u64 *)(r1 + 0)', 'exit'] },
  { name: 'direct map value offset past BPF_MAX_VAR_OFF', type: 'socket_filter', maps: [ARRAY_4_48], asm: ['r1 = map_value(0) + 536870912', 'r0 = 0', 'exit'] },
  { name: 'one load sees ctx and stack pointers', type: 'socket_filter', asm: ['r2 = r10', 'r2 += -8', 'r3 = 0', '*(u64 *)(r10 - 8) = r3', 'r0 = *(u32 *)(r1 + 0)', 'if r0 == 0 goto +1', 'r2 = r1', 'r0 = *(u32 *)(r2 + 0)', 'r0 = 0', 'exit'] },
  { name: 'call chain too deep in dead code', type: 'socket_filter', asm: ['r1 = 0', 'call_local +1', 'exit', 'if r1 == 0 goto +1', 'call_local +2', 'r0 = 0', 'exit', 'call_local +1', 'exit', 'call_local +1', 'exit', 'call_local +1', 'exit', 'call_local +1', 'exit', 'call_local +1', 'exit', 'call_local +1', 'exit', 'r0 = 0', 'exit'] },
  { name: 'subprog returns a value', type: 'socket_filter', asm: ['r1 = 5', 'call_local +2', 'r0 += 1', 'exit', 'r0 = r1', 'exit'] },
  { name: 'subprog without r0, caller reads it', type: 'socket_filter', asm: ['r1 = 5', 'call_local +2', 'r0 += 1', 'exit', 'r2 = r1', 'exit'] },
  { name: 'subprog without r0, caller ignores it', type: 'socket_filter', asm: ['r1 = 5', 'call_local +2', 'r0 = 0', 'exit', 'r2 = r1', 'exit'] },
  { name: 'caller r1 lost after call', type: 'socket_filter', asm: ['r1 = 5', 'call_local +2', 'r0 = r1', 'exit', 'r0 = 0', 'exit'] },
  { name: 'callee r6 uninit', type: 'socket_filter', asm: ['r6 = 5', 'call_local +2', 'r0 = r6', 'exit', 'r0 = r6', 'exit'] },
  { name: 'callee writes caller stack', type: 'socket_filter', asm: ['r1 = r10', 'r1 += -8', 'call_local +2', 'r0 = *(u64 *)(r10 - 8)', 'exit', 'r2 = 7', '*(u64 *)(r1 + 0) = r2', 'r0 = 0', 'exit'] },
  { name: 'callee returns its stack', type: 'socket_filter', asm: ['call_local +2', 'r0 = 0', 'exit', 'r0 = r10', 'r0 += -8', 'exit'] },
  { name: 'callee spills fp into caller stack', type: 'socket_filter', asm: ['r1 = r10', 'r1 += -8', 'call_local +2', 'r0 = 0', 'exit', '*(u64 *)(r1 + 0) = r10', 'r0 = 0', 'exit'] },
  { name: 'combined stack too large', type: 'socket_filter', asm: ['r1 = 0', '*(u64 *)(r10 - 512) = r1', 'call_local +2', 'r0 = 0', 'exit', 'r1 = 0', '*(u64 *)(r10 - 16) = r1', 'r0 = 0', 'exit'] },
  { name: 'recursion too deep', type: 'socket_filter', asm: ['call_local +2', 'r0 = 0', 'exit', 'call_local -1', 'r0 = 0', 'exit'] },
  { name: 'subprog called twice with different args', type: 'socket_filter', maps: [ARRAY_4_48], asm: [...lookup(), 'if r0 == 0 goto +9', 'r6 = r0', 'r1 = r6', 'r2 = 8', 'call_local +6', 'r1 = r6', 'r2 = 44', 'call_local +3', 'r0 = 0', 'exit', 'r0 = 0', 'exit', 'r1 += r2', 'r0 = *(u32 *)(r1 + 0)', 'exit'] },
  // Callbacks: bpf_loop (181) and bpf_for_each_map_elem (164) with a static subprogram loaded by ld_imm64 (func_info needed).
  ...[
    { name: 'bpf_loop callback', body: ['r0 = 0', 'exit'] },
    { name: 'bpf_loop callback returns 2', body: ['r0 = 2', 'exit'] },
    { name: 'bpf_loop callback returns its index', body: ['r0 = r1', 'exit'] },
    { name: 'bpf_loop callback without r0', body: ['r2 = 0', 'exit'] },
    { name: 'bpf_loop callback returns its null ctx', body: ['r0 = r2', 'exit'] },
    { name: 'bpf_loop callback returns its ctx pointer', body: ['r0 = r2', 'exit'], ctx: true },
    { name: 'bpf_loop callback reads its ctx', body: ['r0 = *(u64 *)(r2 + 0)', 'r0 = 0', 'exit'], ctx: true },
    { name: 'bpf_loop callback reads past its ctx', body: ['r0 = *(u64 *)(r2 + 8)', 'r0 = 0', 'exit'], ctx: true },
    { name: 'bpf_loop callback reads r3', body: ['r0 = r3', 'exit'] },
  ].map((c): ModelCase => ({
    name: c.name, type: 'tracepoint', functions: [{ start: 0 }, { start: c.ctx === true ? 11 : 8 }],
    asm: [...(c.ctx === true ? ['r1 = 0', '*(u64 *)(r10 - 8) = r1', 'r3 = r10', 'r3 += -8'] : ['r3 = 0']), 'r1 = 3',
      'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', ...c.body],
  })),
  { name: 'bpf_loop without func_info', type: 'tracepoint', asm: ['r3 = 0', 'r1 = 3', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 0', 'exit'] },
  { name: 'bpf_loop with a global callback', type: 'tracepoint', functions: [{ start: 0 }, { start: 8, global: true }], asm: ['r3 = 0', 'r1 = 3', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 0', 'exit'] },
  { name: 'bpf_loop with a scalar callback', type: 'tracepoint', functions: [{ start: 0 }], asm: ['r3 = 0', 'r1 = 3', 'r2 = 0', 'r4 = 0', 'call 181', 'r0 = 0', 'exit'] },
  { name: 'bpf_loop with a scalar ctx', type: 'tracepoint', functions: [{ start: 0 }, { start: 8 }], asm: ['r3 = 7', 'r1 = 3', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 0', 'exit'] },
  { name: 'bpf_loop zero iterations skip the callback', type: 'tracepoint', functions: [{ start: 0 }, { start: 8 }], asm: ['r3 = 0', 'r1 = 0', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 2', 'exit'] },
  { name: 'bpf_loop result is a scalar', type: 'tracepoint', functions: [{ start: 0 }, { start: 8 }], asm: ['r3 = 0', 'r1 = 3', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 += 1', 'exit', 'r0 = 0', 'exit'] },
  { name: 'for_each_map_elem reads the value', type: 'tracepoint', maps: [ARRAY_4_48], functions: [{ start: 0 }, { start: 9 }], asm: ['r1 = map_fd(0)', 'r2 = func_ref(+6)', 'r3 = 0', 'r4 = 0', 'call 164', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r3 + 40)', 'r0 = 0', 'exit'] },
  { name: 'for_each_map_elem reads past the value', type: 'tracepoint', maps: [ARRAY_4_48], functions: [{ start: 0 }, { start: 9 }], asm: ['r1 = map_fd(0)', 'r2 = func_ref(+6)', 'r3 = 0', 'r4 = 0', 'call 164', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r3 + 44)', 'r0 = 0', 'exit'] },
  { name: 'for_each_map_elem writes the key', type: 'tracepoint', maps: [ARRAY_4_48], functions: [{ start: 0 }, { start: 9 }], asm: ['r1 = map_fd(0)', 'r2 = func_ref(+6)', 'r3 = 0', 'r4 = 0', 'call 164', 'r0 = 0', 'exit', 'r0 = 0', '*(u32 *)(r2 + 0) = r0', 'exit'] },
  { name: 'bpf_loop callback stack adds to the caller', type: 'socket_filter', functions: [{ start: 0 }, { start: 9 }], asm: ['r3 = 0', '*(u64 *)(r10 - 384) = r3', 'r1 = 3', 'r2 = func_ref(+5)', 'r4 = 0', 'call 181', 'r0 = 0', 'exit', 'r0 = 0', '*(u64 *)(r10 - 160) = r0', 'exit'] },
  // bpf_tail_call (12): a prog array, no reference held, and at most 256 bytes of callers' stack under a subprogram that tail calls.
  { name: 'tail call', type: 'socket_filter', maps: [PROG_ARRAY], asm: ['r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'tail call r0 after a failed call', type: 'socket_filter', maps: [PROG_ARRAY], asm: ['r2 = map_fd(0)', 'r3 = 0', 'call 12', 'exit'] },
  { name: 'tail call without ctx', type: 'socket_filter', maps: [PROG_ARRAY], asm: ['r1 = 0', 'r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'tail call holding a ringbuf reference', type: 'socket_filter', maps: [RINGBUF, PROG_ARRAY], asm: ['r6 = r1', 'r1 = map_fd(0)', 'r2 = 8', 'r3 = 0', 'call 131', 'if r0 == 0 goto +6', 'r7 = r0', 'r1 = r6', 'r2 = map_fd(1)', 'r3 = 0', 'call 12', 'r1 = r7', 'r2 = 0', 'call 133', 'r0 = 0', 'exit'] },
  { name: 'subprog tail call under a small stack', type: 'socket_filter', maps: [PROG_ARRAY], functions: [{ start: 0 }, { start: 5 }], asm: ['r2 = 0', '*(u64 *)(r10 - 64) = r2', 'call_local +2', 'r0 = 0', 'exit', 'r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'subprog tail call under 256 bytes of stack', type: 'socket_filter', maps: [PROG_ARRAY], functions: [{ start: 0 }, { start: 5 }], asm: ['r2 = 0', '*(u64 *)(r10 - 256) = r2', 'call_local +2', 'r0 = 0', 'exit', 'r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'subprog tail call in a void function', type: 'socket_filter', maps: [PROG_ARRAY], functions: [{ start: 0 }, { start: 3, scalarReturn: false }], asm: ['call_local +2', 'r0 = 0', 'exit', 'r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  { name: 'subprog tail call returns what the called program returns', type: 'socket_filter', maps: [PROG_ARRAY], functions: [{ start: 0 }, { start: 5 }], asm: ['call_local +4', 'if r0 == 0 goto +1', 'r0 = r9', 'r0 = 0', 'exit', 'r2 = map_fd(0)', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'] },
  // LD_ABS in a subprogram loaded with func_info: a failed load returns 0 from the subprogram.
  { name: 'ld_abs in a subprogram exits early', type: 'socket_filter', functions: [{ start: 0 }, { start: 5 }], asm: ['call_local +4', 'if r0 != 0 goto +1', 'r0 = r9', 'r0 = 0', 'exit', 'r6 = r1', 'r0 = *(u16 *)skb[12]', 'r0 = 1', 'exit'] },
  { name: 'ld_abs in a subprogram, both paths safe', type: 'socket_filter', functions: [{ start: 0 }, { start: 3 }], asm: ['call_local +2', 'r0 = 0', 'exit', 'r6 = r1', 'r0 = *(u16 *)skb[12]', 'r0 = 1', 'exit'] },
  { name: 'ld_abs in a void subprogram', type: 'socket_filter', functions: [{ start: 0 }, { start: 3, scalarReturn: false }], asm: ['call_local +2', 'r0 = 0', 'exit', 'r6 = r1', 'r0 = *(u16 *)skb[12]', 'r0 = 1', 'exit'] },
  { name: 'ld_abs in a subprogram without func_info', type: 'socket_filter', asm: ['call_local +2', 'r0 = 0', 'exit', 'r6 = r1', 'r0 = *(u16 *)skb[12]', 'r0 = 1', 'exit'] },
  { name: 'ld_abs', type: 'socket_filter', asm: ['r6 = r1', 'r0 = *(u16 *)skb[12]', 'exit'] },
  { name: 'ld_abs without r6', type: 'socket_filter', asm: ['r0 = *(u16 *)skb[12]', 'exit'] },
  { name: 'ld_abs r6 not ctx', type: 'socket_filter', asm: ['r6 = r10', 'r0 = *(u16 *)skb[12]', 'exit'] },
  { name: 'ld_ind', type: 'socket_filter', asm: ['r6 = r1', 'r7 = 4', 'r0 = *(u32 *)skb[r7]', 'exit'] },
  { name: 'ld_abs clobbers r1', type: 'socket_filter', asm: ['r6 = r1', 'r0 = *(u8 *)skb[0]', 'r0 = r1', 'exit'] },
  { name: 'ld_abs in xdp', type: 'xdp', asm: ['r6 = r1', 'r0 = *(u8 *)skb[0]', 'exit'] },
  { name: 'tc packet read checked', type: 'sched_cls', asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +2', 'r0 = *(u16 *)(r2 + 12)', 'exit', 'r0 = 0', 'exit'] },
  { name: 'tc packet write past range', type: 'sched_cls', asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +2', 'r5 = 0', '*(u32 *)(r2 + 12) = r5', 'r0 = 0', 'exit'] },
  { name: 'tc write mark', type: 'sched_cls', asm: ['r2 = 3', '*(u32 *)(r1 + 8) = r2', 'r0 = 0', 'exit'] },
  { name: 'tc write len', type: 'sched_cls', asm: ['r2 = 3', '*(u32 *)(r1 + 0) = r2', 'r0 = 0', 'exit'] },
  { name: 'tc read family', type: 'sched_cls', asm: ['r0 = *(u32 *)(r1 + 88)', 'exit'] },
  { name: 'tc read tstamp narrow', type: 'sched_cls', asm: ['r0 = *(u32 *)(r1 + 152)', 'exit'] },
  { name: 'tc skb_load_bytes', type: 'sched_cls', asm: ['r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 8', 'call 26', 'r0 = *(u64 *)(r10 - 8)', 'exit'] },
  // ctx tables measured on the live kernel, per program type and attach type; sign-extending loads.
  { name: 'ldsx of xdp data', type: 'xdp', asm: ['r2 = *(s32 *)(r1 + 0)', 'r0 = 2', 'exit'] },
  { name: 'ldsx of tc data_end', type: 'sched_cls', asm: ['r2 = *(s32 *)(r1 + 80)', 'r0 = 0', 'exit'] },
  { name: 'ldsx of tc mark', type: 'sched_cls', asm: ['r2 = *(s32 *)(r1 + 8)', 'r0 = 0', 'exit'] },
  { name: 'ldsx narrow of socket len', type: 'socket_filter', asm: ['r0 = *(s8 *)(r1 + 1)', 'exit'] },
  { name: 'cgroup_skb data read', type: 'cgroup_skb', asm: ['r2 = *(u32 *)(r1 + 76)', 'r0 = 1', 'exit'] },
  { name: 'cgroup_skb data write', type: 'cgroup_skb', asm: ['r2 = 0', '*(u32 *)(r1 + 76) = r2', 'r0 = 1', 'exit'] },
  { name: 'sock_addr user_ip6 in connect4', type: 'cgroup_sock_addr', expectedAttachType: 10, asm: ['r2 = *(u32 *)(r1 + 8)', 'r0 = 1', 'exit'] },
  { name: 'sock_addr user_ip6 in connect6', type: 'cgroup_sock_addr', expectedAttachType: 11, asm: ['r2 = *(u32 *)(r1 + 8)', 'r0 = 1', 'exit'] },
  { name: 'sock_addr user_ip6 write in connect6', type: 'cgroup_sock_addr', expectedAttachType: 11, asm: ['*(u32 *)(r1 + 8) = 7', 'r0 = 1', 'exit'] },
  { name: 'cgroup_sock src_port in sock_create', type: 'cgroup_sock', expectedAttachType: 2, asm: ['r2 = *(u32 *)(r1 + 44)', 'r0 = 1', 'exit'] },
  { name: 'cgroup_sock src_port in post_bind4', type: 'cgroup_sock', expectedAttachType: 12, asm: ['r2 = *(u32 *)(r1 + 44)', 'r0 = 1', 'exit'] },
  { name: 'sk_lookup narrow misaligned', type: 'sk_lookup', expectedAttachType: 36, asm: ['r2 = *(u32 *)(r1 + 2)', 'r0 = 0', 'exit'] },
  { name: 'sk_lookup sk or null deref', type: 'sk_lookup', expectedAttachType: 36, asm: ['r2 = *(u64 *)(r1 + 0)', 'r0 = *(u32 *)(r2 + 4)', 'r0 = 0', 'exit'] },
  { name: 'sk_lookup sk checked read family', type: 'sk_lookup', expectedAttachType: 36, asm: ['r2 = *(u64 *)(r1 + 0)', 'if r2 == 0 goto +1', 'r0 = *(u32 *)(r2 + 4)', 'r0 = 0', 'exit'] },
  { name: 'skb sk_common read type', type: 'cgroup_skb', asm: ['r2 = *(u64 *)(r1 + 168)', 'if r2 == 0 goto +1', 'r0 = *(u32 *)(r2 + 8)', 'r0 = 1', 'exit'] },
  { name: 'skb sk_common read family', type: 'cgroup_skb', asm: ['r2 = *(u64 *)(r1 + 168)', 'if r2 == 0 goto +1', 'r0 = *(u32 *)(r2 + 4)', 'r0 = 1', 'exit'] },
  { name: 'skb sk_common write', type: 'cgroup_skb', asm: ['r2 = *(u64 *)(r1 + 168)', 'if r2 == 0 goto +2', 'r3 = 0', '*(u32 *)(r2 + 4) = r3', 'r0 = 1', 'exit'] },
  { name: 'flow keys read past end', type: 'flow_dissector', asm: ['r2 = *(u64 *)(r1 + 144)', 'r0 = *(u32 *)(r2 + 56)', 'r0 = 0', 'exit'] },
  { name: 'flow keys write', type: 'flow_dissector', asm: ['r2 = *(u64 *)(r1 + 144)', 'r3 = 0', '*(u32 *)(r2 + 52) = r3', 'r0 = 0', 'exit'] },
  { name: 'raw_tracepoint arg read', type: 'raw_tracepoint', asm: ['r0 = *(u64 *)(r1 + 88)', 'r0 = 0', 'exit'] },
  { name: 'raw_tracepoint arg read past args', type: 'raw_tracepoint', asm: ['r0 = *(u64 *)(r1 + 96)', 'r0 = 0', 'exit'] },
  { name: 'sock_ops packet pointer', type: 'sock_ops', asm: ['r2 = *(u64 *)(r1 + 192)', 'r3 = *(u64 *)(r1 + 200)', 'r4 = r2', 'r4 += 1', 'if r4 > r3 goto +1', 'r0 = *(u8 *)(r2 + 0)', 'r0 = 1', 'exit'] },
  // Unsound accept found by the agreement run (verifier_helper_packet_access test12): a packet pointer
  // is a helper's memory only for helpers whose prototype has pkt_access.
  { name: 'packet pointer to skb_load_bytes', type: 'sched_cls', asm: ['r6 = *(u32 *)(r1 + 76)', 'r7 = *(u32 *)(r1 + 80)', 'r3 = r6', 'r6 += 8', 'if r6 > r7 goto +3', 'r2 = 0', 'r4 = 4', 'call 26', 'r0 = 0', 'exit'] },
  { name: 'packet pointer as map key', type: 'sched_cls', maps: [HASH_4_8], asm: ['r6 = *(u32 *)(r1 + 76)', 'r7 = *(u32 *)(r1 + 80)', 'r2 = r6', 'r6 += 8', 'if r6 > r7 goto +2', 'r1 = map_fd(0)', 'call 1', 'r0 = 0', 'exit'] },
  { name: 'packet pointer as map key in cgroup_skb', type: 'cgroup_skb', maps: [HASH_4_8], asm: ['r6 = *(u32 *)(r1 + 76)', 'r7 = *(u32 *)(r1 + 80)', 'r2 = r6', 'r6 += 8', 'if r6 > r7 goto +2', 'r1 = map_fd(0)', 'call 1', 'r0 = 1', 'exit'] },
  { name: 'raw_tracepoint helper availability', type: 'raw_tracepoint', asm: ['call 8', 'r0 = 0', 'exit'] },
  { name: 'sk_lookup skb_load_bytes unavailable', type: 'sk_lookup', expectedAttachType: 36, asm: ['r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 8', 'call 26', 'r0 = 0', 'exit'] },
  // A narrow fill of a value that fits keeps the spilled register's id (coerce_reg_to_size keeps it).
  { name: '32-bit fill keeps the scalar id', type: 'xdp', asm: ['call 7', 'w0 &= 0x80000000', '*(u32 *)(r10 - 8) = r0', 'r1 = *(u32 *)(r10 - 8)', 'r2 = 0', 'if r1 != r2 goto +2', 'if r0 == r2 goto +1', 'r0 = *(u64 *)(r9 + 0)', 'r0 = 0', 'exit'] },
  { name: '8-bit fill of a 32-bit value drops the id', type: 'xdp', asm: ['call 7', 'w0 &= 0x80000100', '*(u32 *)(r10 - 8) = r0', 'r1 = *(u8 *)(r10 - 8)', 'r2 = 0', 'if r1 != r2 goto +2', 'if r0 == r2 goto +1', 'r0 = *(u64 *)(r9 + 0)', 'r0 = 0', 'exit'] },
  // BPF_F_STRICT_ALIGNMENT: every pointer, packets as if 2 bytes past an aligned address (NET_IP_ALIGN).
  { name: 'strict: misaligned cb read', type: 'socket_filter', strictAlignment: true, asm: ['r0 = *(u16 *)(r1 + 49)', 'exit'] },
  { name: 'strict: packet u32 at 2', type: 'sched_cls', strictAlignment: true, asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +1', 'r0 = *(u32 *)(r2 + 2)', 'r0 = 0', 'exit'] },
  { name: 'strict: packet u32 at 4', type: 'sched_cls', strictAlignment: true, asm: ['r2 = *(u32 *)(r1 + 76)', 'r3 = *(u32 *)(r1 + 80)', 'r4 = r2', 'r4 += 14', 'if r4 > r3 goto +1', 'r0 = *(u32 *)(r2 + 4)', 'r0 = 0', 'exit'] },
  { name: 'strict: packet u16 at offset 1 of a moved pointer', type: 'xdp', strictAlignment: true, asm: ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r2 += 3', 'r4 = r2', 'r4 += 8', 'if r4 > r3 goto +1', 'r0 = *(u16 *)(r2 + 1)', 'r0 = 2', 'exit'] },
  ...pktRangeCases(),
  { name: 'netfilter ctx narrow read', type: 'netfilter', expectedAttachType: 45, asm: ['r2 = *(u32 *)(r1 + 8)', 'r0 = 1', 'exit'] },
  { name: 'netfilter ctx write', type: 'netfilter', expectedAttachType: 45, asm: ['r2 = 0', '*(u64 *)(r1 + 0) = r2', 'r0 = 1', 'exit'] },
  { name: 'div by reg', type: 'socket_filter', asm: ['call 7', 'r1 = 5', 'r1 /= r0', 'r0 = r1', 'exit'] },
  // Signed ranges through the sign boundary meeting one end of the unsigned range (the fall-through writes r10 unless proven dead).
  { name: 'bounds across the sign boundary, 64-bit positive overlap', type: 'socket_filter', asm: ['call 7', 'r0 = (s8)r0', 'r1 = -256', 'if r0 > r1 goto +2', 'if r0 < 128 goto +1', 'r10 = 0', 'r0 = 0', 'exit'] },
  { name: 'bounds across the sign boundary, 64-bit negative overlap', type: 'socket_filter', asm: ['call 7', 'r0 = (s8)r0', 'if r0 < 200 goto +2', 'if r0 s> -1 goto +1', 'r10 = 0', 'r0 = 0', 'exit'] },
  { name: 'bounds across the sign boundary, 32-bit', type: 'socket_filter', asm: ['call 7', 'w0 &= -1', 'if w0 < 3 goto +3', 'if w0 s> 1 goto +2', 'if w0 s< 0 goto +1', 'r10 = 0', 'exit'] },
  { name: 'bounds across the sign boundary, 32-bit, both ends (not dead)', type: 'socket_filter', asm: ['call 7', 'w0 &= -1', 'if w0 < 3 goto +3', 'if w0 s> 5 goto +2', 'if w0 s< 0 goto +1', 'r0 = 0', 'exit'] },
  { name: 'neg of a pointer (root)', type: 'socket_filter', asm: ['r0 = r10', 'r0 = -r0', 'r0 = 0', 'exit'] },
  { name: 'bswap of a pointer (root)', type: 'socket_filter', asm: ['r0 = r1', 'r0 = bswap64 r0', 'r0 = 0', 'exit'] },
  ...referenceCases,
  ...inferenceCases,
  ...kfuncCases,
  ...kptrCases,
  ...attachCases,
  ...mayGotoCases,
  ...capsCases,
  ...iterCases,
  ...globalFunctionCases,
  ...helperCases,
  ...dynptrCases,
  ...restCases,
  ...precisionCases,
  ...livenessCases,
  ...log2Cases,
  ...corpusCases,
  ...branchBoundsCases,
];

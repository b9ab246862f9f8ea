// Generated near-miss programs for the verifier agreement corpus, deterministic by seed: each kind
// builds a small program around one rule of the verifier, either well-formed or missing it by one
// step (an offset one past a bound, a missing null check, an uninitialised register, a leaked
// reference, a wrong helper argument, a loop without a bound). Whether the kernel accepts is never
// decided here: the live kernel labels every program when the harness runs.
// Lines are LLVM syntax with `map_fd(N)` (the Nth map) and labels (`NAME:` lines, `goto NAME`),
// which `resolveLabels` turns into slot offsets.

import type { MapInfo } from '../../verifier/index.js';
import type { Rng } from './seeded-rng.js';

export interface NearMissProgram {
  readonly type: string;
  readonly maps: readonly MapInfo[];
  readonly asm: readonly string[];
  /** The generator meant to miss a rule (the kernel may still accept: it decides). */
  readonly miss: boolean;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const chance = (rng: Rng, p: number): boolean => rng() < p;

const SIZES = [['u8', 1], ['u16', 2], ['u32', 4], ['u64', 8]] as const;
const ARRAY = 2;
const HASH = 1;
const RINGBUF = 27;

/** A program under construction: its maps, type and fresh labels. */
class Builder {
  readonly maps: MapInfo[] = [];
  private labels = 0;
  constructor(readonly rng: Rng, readonly type: string) {}
  map(m: MapInfo): number {
    this.maps.push(m);
    return this.maps.length - 1;
  }
  label(): string {
    return `L${this.labels++}`;
  }
}

/** A snippet: self-contained lines that fall through at their end; r6 holds the context throughout. */
type Snippet = (b: Builder, miss: boolean) => string[];

const at = (base: string, off: number): string => `(${base} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`;
const load = (dst: string, size: string, base: string, off: number): string => `${dst} = *(${size} *)${at(base, off)}`;
const store = (size: string, base: string, off: number, src: string | number): string => `*(${size} *)${at(base, off)} = ${src}`;

function lookup(b: Builder, map: number, keySize = 4, key = 0): string[] {
  const keyStore = keySize === 8 ? store('u64', 'r10', -8, key) : store('u32', 'r10', -4, key);
  return [keyStore, 'r2 = r10', `r2 += ${keySize === 8 ? -8 : -4}`, `r1 = map_fd(${map})`, 'call 1'];
}

function valueMap(b: Builder): { index: number; valueSize: number } {
  const valueSize = pick(b.rng, [4, 8, 12, 16, 20, 48, 64]);
  return { index: b.map({ type: pick(b.rng, [ARRAY, HASH]), keySize: 4, valueSize, maxEntries: pick(b.rng, [1, 4, 16]) }), valueSize };
}

/** A size that fits in `room` bytes (u8 when nothing larger does). */
function sizeWithin(rng: Rng, room: number): readonly [string, number] {
  const fits = SIZES.filter(([, n]) => n <= room);
  return pick(rng, fits.length === 0 ? [SIZES[0]] : fits);
}

// ---- out of bounds by one ----

/** A map value accessed at its last bytes, or one past them (constant or variable offset). */
const oobMapValue: Snippet = (b, miss) => {
  const { index, valueSize } = valueMap(b);
  const end = b.label();
  const [size, n] = sizeWithin(b.rng, valueSize);
  const out = [...lookup(b, index), `if r0 == 0 goto ${end}`];
  const variant = int(b.rng, 0, 4);
  const write = chance(b.rng, 0.5);
  const access = (base: string, off: number): string => (write ? store(size, base, off, chance(b.rng, 0.5) ? 'r1' : 7) : load('r1', size, base, off));
  if (write) out.push('r1 = 1');
  if (variant === 0) {
    // Constant offset: the last n bytes, one past, or one before the start.
    const off = miss ? pick(b.rng, [valueSize - n + 1, -1, valueSize, valueSize - n + n]) : pick(b.rng, [0, valueSize - n, Math.floor((valueSize - n) / n) * n]);
    out.push(access('r0', off));
  } else if (variant === 1) {
    // The pointer moved first, then a constant offset.
    const move = int(b.rng, 1, valueSize);
    const off = (miss ? valueSize - n + 1 : valueSize - n) - move;
    out.push(`r0 += ${move}`, access('r0', off));
  } else if (variant === 2) {
    // A variable offset bounded by a mask.
    const room = valueSize - n;
    const mask = miss ? pick(b.rng, [room + 1, 2 * room + 1, 0xff]) : pick(b.rng, [0, 1, 3, 7, 15, 31, 63].filter((m) => m <= room));
    out.push('r7 = r0', 'call 7', `r0 &= ${mask}`, 'r7 += r0', access('r7', 0));
  } else if (variant === 3) {
    // A variable offset bounded by a comparison (unsigned, or signed which leaves it negative).
    const room = valueSize - n;
    const op = miss ? pick(b.rng, ['>', 's>', '>=']) : pick(b.rng, ['>', '>=']);
    const bound = op === '>=' ? room + (miss ? 2 : 1) : room + (miss && op === '>' ? 1 : 0);
    out.push('r7 = r0', 'call 7', `if r0 ${op} ${bound} goto ${end}`, 'r7 += r0', access('r7', 0));
  } else {
    // The value as a helper's memory: probe_read_kernel into it.
    const off = int(b.rng, 0, valueSize - 1);
    const len = miss ? valueSize - off + 1 : int(b.rng, 1, valueSize - off);
    out.push(`r1 = r0`, `r1 += ${off}`, `r2 = ${len}`, 'r3 = 0', 'call 113');
  }
  out.push(`${end}:`);
  return out;
};

/** The stack at its 512-byte floor, at the frame pointer, or through a pointer into it. */
const oobStack: Snippet = (b, miss) => {
  const [size, n] = pick(b.rng, SIZES);
  const variant = int(b.rng, 0, 3);
  if (variant === 0) {
    const off = miss ? pick(b.rng, [-513, -512 - n, -n + 1, 0, 8]) : pick(b.rng, [-512, -n, -n * int(b.rng, 1, Math.floor(512 / n))]);
    return [store(size, 'r10', off, 3), load('r0', size, 'r10', off)];
  }
  if (variant === 1) {
    const k = pick(b.rng, [8, 16, 64, 256, 512]);
    const off = miss ? pick(b.rng, [k - n + 1, -(512 - k) - 1, k]) : pick(b.rng, [0, k - n, -(512 - k)]);
    return ['r1 = r10', `r1 += -${k}`, store(size, 'r1', off, 5), load('r0', size, 'r1', off)];
  }
  if (variant === 2) {
    // A variable-offset write below a constant base.
    const k = pick(b.rng, [16, 32, 64]);
    const mask = miss ? pick(b.rng, [k - n + 1, k, 2 * k - 1]) : pick(b.rng, [1, 3, 7].filter((m) => m <= k - n));
    return ['call 7', `r0 &= ${mask}`, 'r1 = r10', `r1 += -${k}`, 'r1 += r0', store(size, 'r1', 0, 0)];
  }
  // A helper writing a stack buffer of k bytes.
  const k = pick(b.rng, [8, 16, 24, 40]);
  return ['r1 = r10', `r1 += -${k}`, `r2 = ${miss ? k + 1 : k}`, 'r3 = 0', 'call 113'];
};

const PACKET_CTX: Readonly<Record<string, { data: number; end: number }>> = { xdp: { data: 0, end: 4 }, sched_cls: { data: 76, end: 80 } };

/** Packet reads and writes at the end of the range a comparison with data_end proved, or one past. */
const oobPacket: Snippet = (b, miss) => {
  const ctx = PACKET_CTX[b.type] ?? PACKET_CTX.xdp!;
  const end = b.label();
  const ok = b.label();
  const range = pick(b.rng, [1, 2, 4, 8, 14, 20, 34, 54]);
  const [size, n] = sizeWithin(b.rng, range);
  const out = [load('r2', 'u32', 'r6', ctx.data), load('r3', 'u32', 'r6', ctx.end), 'r4 = r2', `r4 += ${range}`];
  const form = int(b.rng, 0, 3);
  // A near miss among the forms: a signed or 32-bit comparison, which proves no range.
  const weak = form === 3 && miss && chance(b.rng, 0.5);
  if (form === 0) out.push(`if r4 > r3 goto ${end}`);
  else if (form === 1) out.push(`if r3 < r4 goto ${end}`);
  else if (form === 2) out.push(`if r4 <= r3 goto ${ok}`, `goto ${end}`, `${ok}:`);
  else if (weak) out.push(`if ${pick(b.rng, ['r4 s> r3', 'w4 > w3'])} goto ${end}`);
  else out.push(`if r3 >= r4 goto ${ok}`, `goto ${end}`, `${ok}:`);
  const off = miss && !weak ? pick(b.rng, [range - n + 1, range, -1]) : pick(b.rng, [0, range - n]);
  if (chance(b.rng, 0.4)) out.push(store(size, 'r2', off, 0));
  else out.push(load('r0', size, 'r2', off));
  out.push(`${end}:`);
  return out;
};

// Context sizes and a few field offsets of each type's context (the kernel decides what is valid).
const CTX_OFFSETS: Readonly<Record<string, { size: number; fields: readonly number[] }>> = {
  xdp: { size: 24, fields: [0, 4, 8, 12, 16, 20] },
  sched_cls: { size: 192, fields: [0, 4, 8, 12, 16, 36, 44, 48, 64, 68, 72, 76, 80, 88, 132, 136, 140, 144, 152, 160, 164, 168, 176, 180, 184, 188] },
  socket_filter: { size: 192, fields: [0, 4, 8, 16, 48, 64, 68, 76, 80, 88, 140, 160, 168, 176, 184] },
  kprobe: { size: 168, fields: [0, 8, 16, 104, 112, 152, 160] },
  tracepoint: { size: 64, fields: [0, 8, 16, 24] },
  perf_event: { size: 184, fields: [0, 8, 168, 176] },
};

/** Context loads and stores at field boundaries, misaligned, or past the end. */
const oobCtx: Snippet = (b, miss) => {
  const ctx = CTX_OFFSETS[b.type] ?? CTX_OFFSETS.xdp!;
  const [size, n] = pick(b.rng, SIZES);
  const field = pick(b.rng, ctx.fields);
  const off = miss ? pick(b.rng, [ctx.size, ctx.size - n + 1, field + 1, field + n, -n, field + 2]) : field;
  if (chance(b.rng, 0.2)) return ['r7 = 0', store(size, 'r6', off, chance(b.rng, 0.5) ? 'r7' : 1)];
  return [load('r0', size, 'r6', off)];
};

// ---- null checks ----

const nullCheck: Snippet = (b, miss) => {
  const end = b.label();
  const variant = int(b.rng, 0, 4);
  if (variant === 4) {
    // A ring buffer record: written without (or after) its null check, then discarded.
    const rb = b.map({ type: RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
    return [`r1 = map_fd(${rb})`, 'r2 = 8', 'r3 = 0', 'call 131', ...(miss ? [] : [`if r0 == 0 goto ${end}`]), store('u64', 'r0', 0, 1), 'r1 = r0', 'r2 = 0', 'call 133', `${end}:`];
  }
  const { index, valueSize } = valueMap(b);
  const [size] = sizeWithin(b.rng, valueSize);
  const out = lookup(b, index);
  let ptr = 'r0';
  if (chance(b.rng, 0.4)) { out.push('r7 = r0'); ptr = chance(b.rng, 0.5) ? 'r7' : 'r0'; }
  const checked = chance(b.rng, 0.5) ? 'r0' : ptr;
  if (variant === 0) {
    if (!miss) out.push(`if ${checked} == 0 goto ${end}`);
  } else if (variant === 1) {
    // The check's branches the wrong way round, or a 32-bit or non-zero comparison.
    out.push(miss ? pick(b.rng, [`if ${checked} != 0 goto ${end}`, `if ${checked} == 1 goto ${end}`, `if w${checked.slice(1)} == 0 goto ${end}`]) : `if ${checked} != 0 goto +1`, ...(miss ? [] : [`goto ${end}`]));
  } else if (variant === 2) {
    // The dereference after a join where one path did not check.
    const join = b.label();
    out.push('r8 = r0', 'call 7', `if r0 > 10 goto ${join}`, miss ? 'r1 = 0' : `if r8 == 0 goto ${end}`, `${join}:`, ...(miss ? [] : [`if r8 == 0 goto ${end}`]));
    ptr = 'r8';
  } else {
    // A second lookup's result used under the first one's check.
    out.push('r7 = r0', ...lookup(b, index, 4, 1), `if ${miss ? 'r7' : 'r0'} == 0 goto ${end}`);
    ptr = 'r0';
  }
  out.push(load('r1', size, ptr, 0), `${end}:`);
  return out;
};

// ---- uninitialised registers and stack ----

const uninit: Snippet = (b, miss) => {
  const variant = int(b.rng, 0, 3);
  if (variant === 0) {
    // A register read before any write (r0, r2-r5 at entry; r7-r9 are never set before this).
    const r = pick(b.rng, [0, 2, 3, 4, 5, 7, 8, 9]);
    return [...(miss ? [] : [`r${r} = ${int(b.rng, 0, 9)}`]), `r1 = r${r}`, 'r1 += 1'];
  }
  if (variant === 1) {
    // A caller-saved register read after a helper call.
    const r = pick(b.rng, [1, 2, 3, 4, 5]);
    return [`r${r} = 4`, 'call 7', ...(miss ? [] : [`r${r} = r0`]), `r0 = r${r}`];
  }
  if (variant === 2) {
    // A stack slot read where fewer bytes (or other bytes) were written.
    const [size, n] = pick(b.rng, SIZES);
    const off = -8 * int(b.rng, 1, 8);
    if (!miss) return [store(size, 'r10', off, 1), load('r0', size, 'r10', off)];
    const smaller = SIZES.filter(([, m]) => m < n);
    // Fewer bytes written than read, or the same size written in the slot below.
    if (smaller.length > 0 && chance(b.rng, 0.5)) return [store(pick(b.rng, smaller)[0], 'r10', off, 1), load('r0', size, 'r10', off)];
    return [store(size, 'r10', off - 8, 1), load('r0', size, 'r10', off)];
  }
  // A map key of 8 bytes where only 4 were written.
  const m = b.map({ type: HASH, keySize: 8, valueSize: 8, maxEntries: 4 });
  return [store('u32', 'r10', -8, 0), ...(miss ? [] : [store('u32', 'r10', -4, 0)]), 'r2 = r10', 'r2 += -8', `r1 = map_fd(${m})`, 'call 1'];
};

// ---- leaked references ----

const leak: Snippet = (b, miss) => {
  const end = b.label();
  const variant = b.type === 'xdp' || b.type === 'sched_cls' ? int(b.rng, 0, 3) : int(b.rng, 0, 1);
  const how = pick(b.rng, ['none', 'one branch', 'twice', 'offset', 'use after']);
  const wrongs: Record<string, (release: string[], ptr: string) => string[]> = {
    'none': () => [],
    'one branch': (release) => ['call 7', 'if r0 > 5 goto +' + release.length, ...release],
    'twice': (release) => [...release, ...release],
    'offset': (release, ptr) => [`${ptr} += 8`, ...release],
    'use after': (release, ptr) => [...release, load('r0', 'u32', ptr, 0)],
  };
  let acquire: string[];
  let release: string[];
  if (variant <= 1) {
    const rb = b.map({ type: RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
    acquire = [`r1 = map_fd(${rb})`, `r2 = ${pick(b.rng, [8, 16, 64])}`, 'r3 = 0', 'call 131', `if r0 == 0 goto ${end}`, 'r7 = r0', store('u64', 'r7', 0, 0)];
    release = ['r1 = r7', 'r2 = 0', `call ${variant === 0 ? 132 : 133}`];
  } else {
    // bpf_sk_lookup_tcp/udp with a zeroed IPv4 tuple, then bpf_sk_release.
    acquire = [store('u64', 'r10', -16, 0), store('u32', 'r10', -8, 0), 'r1 = r6', 'r2 = r10', 'r2 += -16', 'r3 = 12', 'r4 = 0', 'r5 = 0',
      `call ${variant === 2 ? 84 : 85}`, `if r0 == 0 goto ${end}`, 'r7 = r0', load('r0', 'u32', 'r7', 4)];
    release = ['r1 = r7', 'call 86'];
  }
  return [...acquire, ...(miss ? wrongs[how]!(release, 'r7') : release), `${end}:`];
};

// ---- wrong helper arguments ----

const helperArg: Snippet = (b, miss) => {
  const variant = int(b.rng, 0, 4);
  const k = pick(b.rng, [8, 16, 32]);
  if (variant === 0) {
    // probe_read_kernel's size: constant, bounded by a mask, unbounded, zero or negative.
    const size = miss ? pick(b.rng, [`r2 = ${k + 1}`, 'r2 = -1', 'unbounded', `mask ${2 * k - 1}`, `mask ${k + 1}`]) : pick(b.rng, [`r2 = ${k}`, 'r2 = 0', `mask ${k - 1}`, `r2 = ${int(b.rng, 1, k)}`]);
    const setSize = size === 'unbounded' ? ['call 7', 'r2 = r0'] : size.startsWith('mask') ? ['call 7', 'r2 = r0', `r2 &= ${size.slice(5)}`] : [size];
    return [...setSize, 'r1 = r10', `r1 += -${k}`, 'r3 = 0', 'call 113'];
  }
  if (variant === 1) {
    // map_lookup_elem's key: a stack pointer, or the wrong kind of pointer.
    const { index } = valueMap(b);
    const key = miss ? pick(b.rng, ['r2 = r6', 'r2 = 0', 'r2 = r10', 'r2 = 4', `r2 = map_fd(${index})`]) : 'r2 = r10\nr2 += -4';
    return [store('u32', 'r10', -4, 0), ...key.split('\n'), `r1 = map_fd(${index})`, 'call 1'];
  }
  if (variant === 2) {
    // map_lookup_elem's map: a map, or something else.
    const { index } = valueMap(b);
    return [store('u32', 'r10', -4, 0), 'r2 = r10', 'r2 += -4', miss ? pick(b.rng, ['r1 = r10', 'r1 = r6', 'r1 = 0']) : `r1 = map_fd(${index})`, 'call 1'];
  }
  if (variant === 3) {
    // get_current_comm's buffer and size.
    return ['r1 = r10', `r1 += -${k}`, `r2 = ${miss ? pick(b.rng, [k + 1, k + 8]) : pick(b.rng, [k, k - 1, 1])}`, 'call 16'];
  }
  // map_update_elem's value: as large as the map's value, or not.
  const m = b.map({ type: HASH, keySize: 4, valueSize: k, maxEntries: 4 });
  const lines = [store('u32', 'r10', -4, 0)];
  const written = miss ? k - 8 : k;
  for (let o = 8; o <= written; o += 8) lines.push(store('u64', 'r10', -8 - o, 0));
  return [...lines, 'r2 = r10', 'r2 += -4', 'r3 = r10', `r3 += -${8 + (miss && chance(b.rng, 0.5) ? written : k)}`, 'r4 = 0', `r1 = map_fd(${m})`, 'call 2'];
};

// ---- loops ----

const loop: Snippet = (b, miss) => {
  const top = b.label();
  const variant = int(b.rng, 0, 3);
  if (variant === 0) {
    // A counted loop; the near miss forgets to count or counts the wrong register.
    const n = int(b.rng, 2, 40);
    return ['r7 = 0', `${top}:`, miss ? pick(b.rng, ['r8 = 1', 'r7 += 0', 'r1 = r7']) : `r7 += ${pick(b.rng, [1, 2, 3])}`, `if r7 < ${n} goto ${top}`];
  }
  if (variant === 1) {
    // A loop bounded by a masked unknown value; the near miss also starts from an unknown value.
    // (An unmasked bound makes both the kernel and the model walk 1M instructions: the selftests
    // have those, and here they would cost seconds each.)
    return ['call 7', 'r8 = r0', `r8 &= ${pick(b.rng, [3, 7, 15, 31])}`, ...(miss ? ['call 7', 'r7 = r0'] : ['r7 = 0']), `${top}:`, 'r7 += 1', `if r7 < r8 goto ${top}`];
  }
  if (variant === 2) {
    // A loop counting down from an unknown value.
    return ['call 7', 'r7 = r0', miss ? 'r7 |= 1' : `r7 &= ${pick(b.rng, [7, 15])}`, `${top}:`, miss ? 'r7 -= 2' : 'r7 -= 1', `if r7 ${miss ? '!=' : 's>'} 0 goto ${top}`];
  }
  // A jump back to itself or over nothing.
  return miss ? [`${top}:`, pick(b.rng, ['r0 = 0', 'r1 = r6']), `goto ${top}`] : ['r7 = 0', `${top}:`, 'r7 += 1', `if r7 != ${int(b.rng, 1, 8)} goto ${top}`];
};

// ---- scalar bounds and state pruning ----

const ALU_STEPS: readonly ((rng: Rng) => string)[] = [
  (rng) => `r1 &= ${pick(rng, [1, 3, 7, 15, 31, 63, 0xff, 0xfff, -8, 0x7fffffff])}`,
  (rng) => `w1 &= ${pick(rng, [7, 15, 63, 0xff])}`,
  (rng) => `r1 |= ${pick(rng, [1, 2, 8, 16])}`,
  (rng) => `r1 >>= ${int(rng, 1, 63)}`,
  (rng) => `w1 >>= ${int(rng, 1, 31)}`,
  (rng) => `r1 <<= ${int(rng, 1, 8)}`,
  (rng) => `r1 s>>= ${int(rng, 1, 63)}`,
  (rng) => `r1 += ${pick(rng, [1, 4, 8, -1, -4, -8, 100])}`,
  (rng) => `r1 -= ${pick(rng, [1, 4, 8, -1])}`,
  (rng) => `w1 += ${pick(rng, [1, 8, -1])}`,
  (rng) => `r1 *= ${pick(rng, [2, 3, 4, 8, -1])}`,
  (rng) => `r1 /= ${pick(rng, [2, 3, 8])}`,
  (rng) => `r1 %= ${pick(rng, [3, 8, 16, 48])}`,
  (rng) => `w1 %= ${pick(rng, [3, 8, 16])}`,
  () => 'r1 = -r1',
  () => 'w1 = w1',
  () => 'r1 = (s8)r1',
  () => 'r1 = (s32)r1',
  () => 'r1 = be16 r1',
];
const CMP = ['>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '==', '!='];

/**
 * An unknown value through a few ALU steps and comparisons (64- or 32-bit, signed or not, either
 * outcome leaving), then used as an offset into a map value: whether the kernel proves it in
 * bounds depends on every step's exact bounds. No explicit miss: about half fail.
 */
const bounds: Snippet = (b) => {
  const { index, valueSize } = valueMap(b);
  const end = b.label();
  const out = [...lookup(b, index), `if r0 == 0 goto ${end}`, 'r7 = r0', 'call 7', 'r1 = r0'];
  for (let i = int(b.rng, 1, 4); i > 0; i--) {
    if (chance(b.rng, 0.6)) out.push(pick(b.rng, ALU_STEPS)(b.rng));
    else out.push(`if ${chance(b.rng, 0.3) ? 'w1' : 'r1'} ${pick(b.rng, CMP)} ${pick(b.rng, [0, 1, 7, 8, valueSize - 1, valueSize, valueSize + 1, -1, 255])} goto ${end}`);
  }
  const [size] = sizeWithin(b.rng, pick(b.rng, [1, 4, 8]));
  out.push('r7 += r1', chance(b.rng, 0.5) ? load('r0', size, 'r7', 0) : store(size, 'r7', 0, 0), `${end}:`);
  return out;
};

/**
 * Two paths that differ in one register (a constant, a range, a spilled value) join before it is
 * used as a map value offset, a stack offset or a helper size: the kernel explores both (or proves
 * them equivalent); the second path is sometimes the unsafe one, so pruning it wrongly accepts.
 */
const pruning: Snippet = (b) => {
  const { index, valueSize } = valueMap(b);
  const end = b.label();
  const other = b.label();
  const joined = b.label();
  const value = (): string => pick(b.rng, [`r8 = ${pick(b.rng, [0, 1, 4, valueSize - 4, valueSize - 1, valueSize, valueSize + 4])}`, `r8 = r9\nr8 &= ${pick(b.rng, [3, 7, 15, valueSize - 1, valueSize])}`, 'r8 = r9']);
  const spill = chance(b.rng, 0.4);
  const out = [...lookup(b, index), `if r0 == 0 goto ${end}`, 'r7 = r0', 'call 7', 'r9 = r0', 'call 7',
    `if r0 ${pick(b.rng, ['>', '==', 's<'])} ${int(b.rng, 0, 9)} goto ${other}`, ...value().split('\n'), `goto ${joined}`, `${other}:`, ...value().split('\n'), `${joined}:`];
  if (spill) out.push(store('u64', 'r10', -16, 'r8'), 'r8 = 0', load('r8', pick(b.rng, ['u64', 'u64', 'u32']), 'r10', -16));
  const use = int(b.rng, 0, 2);
  if (use === 0) out.push('r7 += r8', load('r0', 'u8', 'r7', 0));
  else if (use === 1) out.push('r1 = r10', 'r1 += -64', 'r1 += r8', store('u8', 'r1', 0, 1));
  else out.push('r1 = r7', 'r2 = r8', 'r3 = 0', 'call 113');
  out.push(`${end}:`);
  return out;
};

/**
 * Two unknown values, each bounded a little, combined by register-register ALU operations and
 * compared with each other (both sides refined), then one used as a map value offset.
 */
const boundsPair: Snippet = (b) => {
  const { index, valueSize } = valueMap(b);
  const end = b.label();
  const r = (): string => pick(b.rng, ['r8', 'r9']);
  const w = (x: string): string => (chance(b.rng, 0.3) ? x.replace('r', 'w') : x);
  const out = [...lookup(b, index), `if r0 == 0 goto ${end}`, 'r7 = r0', 'call 7', 'r8 = r0', 'call 7', 'r9 = r0'];
  for (const x of ['r8', 'r9']) out.push(`${x} &= ${pick(b.rng, [1, 3, 7, 15, valueSize - 1, 2 * valueSize - 1])}`);
  for (let i = int(b.rng, 1, 5); i > 0; i--) {
    const k = b.rng();
    const [d, src] = chance(b.rng, 0.5) ? ['r8', 'r9'] : ['r9', 'r8'];
    if (k < 0.4) {
      const reg = w(d);
      out.push(`${reg} ${pick(b.rng, ['+=', '-=', '&=', '|=', '^=', '>>=', '='])} ${reg.startsWith('w') ? src.replace('r', 'w') : src}`);
    } else {
      const reg = w(d);
      out.push(`if ${reg} ${pick(b.rng, CMP)} ${reg.startsWith('w') ? src.replace('r', 'w') : src} goto ${end}`);
    }
  }
  const [size] = sizeWithin(b.rng, pick(b.rng, [1, 4, 8]));
  out.push(`r7 += ${r()}`, chance(b.rng, 0.5) ? load('r0', size, 'r7', 0) : store(size, 'r7', 0, 0), `${end}:`);
  return out;
};

// ---- spills, stale packet pointers, subprograms ----

/**
 * A pointer or a bounded scalar spilled to the stack, the slot partly overwritten (or not), filled
 * back with the same or another size, then used: a pointer survives only a whole-slot fill of an
 * untouched slot, a scalar's bounds only an exact fill.
 */
const spill: Snippet = (b, miss) => {
  const { index, valueSize } = valueMap(b);
  const end = b.label();
  const slot = -8 * int(b.rng, 2, 6);
  const what = pick(b.rng, ['map value', 'or null', 'scalar', 'ctx']);
  const out = [...lookup(b, index)];
  if (what === 'map value') out.push(`if r0 == 0 goto ${end}`, store('u64', 'r10', slot, 'r0'));
  else if (what === 'or null') out.push(store('u64', 'r10', slot, 'r0'), `if r0 == 0 goto ${end}`);
  else if (what === 'ctx') out.push(store('u64', 'r10', slot, 'r6'));
  else out.push(`if r0 == 0 goto ${end}`, 'r7 = r0', 'call 7', `r0 &= ${valueSize - 1}`, store('u64', 'r10', slot, 'r0'), 'r0 = r7');
  if (miss) {
    out.push(chance(b.rng, 0.5) ? store('u8', 'r10', slot + int(b.rng, 0, 7), 0) : store('u32', 'r10', slot + pick(b.rng, [0, 4]), 1));
  }
  const fillSize = miss && chance(b.rng, 0.5) ? pick(b.rng, ['u32', 'u16', 'u8']) : 'u64';
  out.push(load('r8', fillSize, 'r10', slot));
  if (what === 'scalar') out.push('r0 += r8', load('r1', 'u8', 'r0', 0));
  else if (what === 'ctx') out.push(load('r1', 'u32', 'r8', 0));
  else out.push(load('r1', sizeWithin(b.rng, valueSize)[0], 'r8', 0));
  out.push(`${end}:`);
  return out;
};

/** A packet pointer used after a helper that may move the packet (xdp_adjust_head, skb_pull_data), or re-derived. */
const stalePacket: Snippet = (b, miss) => {
  const ctx = PACKET_CTX[b.type] ?? PACKET_CTX.xdp!;
  const end = b.label();
  const check = (): string[] => [load('r2', 'u32', 'r6', ctx.data), load('r3', 'u32', 'r6', ctx.end), 'r4 = r2', 'r4 += 8'];
  const helper = b.type === 'xdp' ? ['r1 = r6', `r2 = ${pick(b.rng, [0, 4, -4])}`, 'call 44'] : ['r1 = r6', `r2 = ${pick(b.rng, [0, 8, 14])}`, 'call 39'];
  const out = [...check(), `if r4 > r3 goto ${end}`, 'r7 = r2', ...helper];
  if (!miss) out.push(...check(), `if r4 > r3 goto ${end}`, 'r7 = r2');
  out.push(load('r0', pick(b.rng, ['u8', 'u32', 'u64']), 'r7', 0), `${end}:`);
  return out;
};

/** The kinds of near miss, each an area of the agreement table, with the program types they use. */
export const NEAR_MISS_KINDS: Readonly<Record<string, { readonly area: string; readonly types: readonly string[]; readonly snippet: Snippet }>> = {
  'oob-map-value': { area: 'near miss: out of bounds (map value)', types: ['socket_filter', 'xdp', 'sched_cls', 'kprobe', 'tracepoint'], snippet: oobMapValue },
  'oob-stack': { area: 'near miss: out of bounds (stack)', types: ['socket_filter', 'xdp', 'kprobe'], snippet: oobStack },
  'oob-packet': { area: 'near miss: out of bounds (packet)', types: ['xdp', 'sched_cls'], snippet: oobPacket },
  'oob-ctx': { area: 'near miss: out of bounds (ctx)', types: ['xdp', 'sched_cls', 'socket_filter', 'kprobe', 'tracepoint', 'perf_event'], snippet: oobCtx },
  'null-check': { area: 'near miss: missing null check', types: ['socket_filter', 'xdp', 'kprobe'], snippet: nullCheck },
  'uninit': { area: 'near miss: uninitialised register / stack', types: ['socket_filter', 'xdp', 'kprobe'], snippet: uninit },
  'leak': { area: 'near miss: leaked reference', types: ['xdp', 'sched_cls', 'kprobe'], snippet: leak },
  'helper-arg': { area: 'near miss: wrong helper argument', types: ['kprobe', 'tracepoint', 'socket_filter'], snippet: helperArg },
  'loop': { area: 'near miss: unbounded loop', types: ['socket_filter', 'xdp', 'kprobe'], snippet: loop },
  'bounds': { area: 'near miss: scalar bounds', types: ['socket_filter', 'xdp', 'kprobe'], snippet: bounds },
  'pruning': { area: 'near miss: paths joined (pruning)', types: ['socket_filter', 'xdp', 'kprobe'], snippet: pruning },
  'spill': { area: 'near miss: spill and fill', types: ['socket_filter', 'xdp', 'kprobe'], snippet: spill },
  'stale-packet': { area: 'near miss: stale packet pointer', types: ['xdp', 'sched_cls'], snippet: stalePacket },
  'bounds-pair': { area: 'near miss: scalar bounds', types: ['socket_filter', 'xdp', 'kprobe'], snippet: boundsPair },
};

function finish(b: Builder, body: string[], miss: boolean): NearMissProgram {
  return { type: b.type, maps: b.maps, asm: resolveLabels(['r6 = r1', ...body, 'r0 = 0', 'exit']), miss };
}

/** One near-miss program of `kind`: the rule missed in about 60 % of them. */
export function nearMissProgram(kind: string, rng: Rng): NearMissProgram {
  const k = NEAR_MISS_KINDS[kind];
  if (k === undefined) throw new Error(`no near-miss kind ${kind}`);
  const b = new Builder(rng, pick(rng, k.types));
  const miss = chance(rng, 0.6);
  const body: string[] = [];
  // Sometimes a well-formed snippet before the one that may miss.
  if (chance(rng, 0.3)) body.push(...pick(rng, compatible(b.type))(b, false));
  body.push(...k.snippet(b, miss));
  return finish(b, body, miss);
}

/** The snippets with a well-formed form (bounds and pruning have none) for a program type. */
function compatible(type: string): Snippet[] {
  return Object.values(NEAR_MISS_KINDS).filter((k) => k.types.includes(type) && k.snippet !== bounds && k.snippet !== boundsPair && k.snippet !== pruning && k.snippet !== spill && k.snippet !== stalePacket).map((k) => k.snippet);
}

/** Two to five snippets of any kind, each missing its rule with probability 0.3. */
export function mixedProgram(rng: Rng): NearMissProgram {
  const b = new Builder(rng, pick(rng, ['socket_filter', 'xdp', 'sched_cls', 'kprobe']));
  const kinds = Object.values(NEAR_MISS_KINDS).filter((k) => k.types.includes(b.type));
  const body: string[] = [];
  let miss = false;
  for (let i = int(rng, 2, 5); i > 0; i--) {
    const m = chance(rng, 0.3);
    miss ||= m;
    body.push(...pick(rng, kinds).snippet(b, m));
  }
  return finish(b, body, miss);
}

/** A program of two to four well-formed snippets, likely accepted. */
export function wellFormedProgram(rng: Rng): NearMissProgram {
  const b = new Builder(rng, pick(rng, ['socket_filter', 'xdp', 'sched_cls', 'kprobe']));
  const body: string[] = [];
  const n = int(rng, 2, 4);
  for (let i = 0; i < n; i++) body.push(...pick(rng, compatible(b.type))(b, false));
  return finish(b, body, false);
}

const SLOTS_2 = /map_(fd|value)\(|func_ref\(| ll$/;

/** `NAME:` lines become positions, `goto NAME` a slot offset from the next instruction. */
export function resolveLabels(lines: readonly string[]): string[] {
  const at = new Map<string, number>();
  const insns: string[] = [];
  let slot = 0;
  const slotOf: number[] = [];
  for (const l of lines) {
    const m = /^(L\d+):$/.exec(l);
    if (m !== null) { at.set(m[1]!, slot); continue; }
    insns.push(l);
    slotOf.push(slot);
    slot += SLOTS_2.test(l) ? 2 : 1;
  }
  return insns.map((l, i) => l.replace(/goto (L\d+)$/, (_, name: string) => {
    const target = at.get(name);
    if (target === undefined) throw new Error(`no label ${name}`);
    const off = target - (slotOf[i]! + 1);
    return `goto ${off < 0 ? '-' : '+'}${Math.abs(off)}`;
  }));
}

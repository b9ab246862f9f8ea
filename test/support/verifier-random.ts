// Random programs for the verifier model's differential test: a prologue that
// gives registers each kind of value (ctx, a map value or null, a bounded
// scalar, a stack pointer), then a body of random ALU operations, loads,
// stores, helper calls and forward branches, mostly well-formed, with near
// misses (offsets one past a bound, a missing null check, an uninitialised
// register) arising naturally from the random choices.

import type { MapInfo } from '../../verifier/index.js';
import type { Rng } from './seeded-rng.js';

export interface RandomProgram {
  readonly type: string;
  readonly maps: readonly MapInfo[];
  readonly asm: readonly string[];
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

const ALU = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>=', '=', '/=', '%='];
const JMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];
const SIZES = ['u8', 'u16', 'u32', 'u64'] as const;
const SIZE_BYTES: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };

/** One random body instruction (or a few that belong together); `left` is how many slots follow. */
function bodyInsn(rng: Rng, left: number, valueSize: number, type: string): string[] {
  // Mostly the scalar registers (r0-r5, r8), sometimes any register.
  const r = (): number => (rng() < 0.85 ? pick(rng, [0, 1, 2, 3, 4, 5, 8]) : int(rng, 0, 9));
  const reg = (): string => `r${r()}`;
  const k = rng();
  if (k < 0.3) {
    const op = pick(rng, ALU);
    const w = rng() < 0.25 ? 'w' : 'r';
    const d = r();
    if (rng() < 0.5) {
      let imm = pick(rng, [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 48, 63, 64, 255, -1, -8, 0x7fffffff, int(rng, -100, 100)]);
      if (op === '<<=' || op === '>>=' || op === 's>>=') imm = int(rng, 0, w === 'w' ? 31 : 63);
      if ((op === '/=' || op === '%=') && imm === 0) imm = 3;
      return [`${w}${d} ${op} ${imm}`];
    }
    return [`${w}${d} ${op} ${w}${r()}`];
  }
  if (k < 0.45) {
    const size = pick(rng, SIZES);
    const base = pick(rng, [6, 7, 9, 10, r()]);
    const off = base === 10 ? -8 * int(rng, 1, 8) + pick(rng, [0, 0, 0, SIZE_BYTES[size]! % 8]) : pick(rng, [0, 4, 8, valueSize - SIZE_BYTES[size]!, valueSize - SIZE_BYTES[size]! + 1, int(rng, -4, 64)]);
    return [`r${r()} = *(${size} *)(r${base} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`];
  }
  if (k < 0.6) {
    const size = pick(rng, SIZES);
    const base = pick(rng, [7, 9, 10, 10, 6, r()]);
    const off = base === 10 ? -8 * int(rng, 1, 8) : pick(rng, [0, 4, 8, valueSize - SIZE_BYTES[size]!, valueSize - SIZE_BYTES[size]! + 1, 48]);
    const at = `*(${size} *)(r${base} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`;
    return [rng() < 0.7 ? `${at} = r${r()}` : `${at} = ${int(rng, -2, 9)}`];
  }
  if (k < 0.8 && left > 2) {
    const w = rng() < 0.25 ? 'w' : 'r';
    const op = pick(rng, JMP);
    const off = int(rng, 0, Math.min(4, left - 2));
    const rhs = rng() < 0.6 ? String(pick(rng, [0, 1, 4, 8, 40, 47, 48, 255, int(rng, -5, 64)])) : `${w}${r()}`;
    return [`if ${w}${r()} ${op} ${rhs} goto +${off}`];
  }
  if (k < 0.85) return [`${reg()} = r${pick(rng, [6, 7, 8, 9, 10])}`];
  if (k < 0.9) return ['call 7'];
  if (k < 0.92 && type !== 'xdp') {
    return ['r1 = r10', `r1 += ${-8 * int(rng, 1, 4)}`, `r2 = ${pick(rng, [8, 16, 32, 33, 0])}`, 'r3 = 0', 'call 113'];
  }
  return [`r7 += ${pick(rng, [0, 8, valueSize, valueSize - 8, -8])}`];
}

export function randomProgram(rng: Rng): RandomProgram {
  const type = pick(rng, ['socket_filter', 'socket_filter', 'xdp']);
  const valueSize = pick(rng, [8, 16, 48]);
  const map: MapInfo = { type: pick(rng, [1, 2]), keySize: 4, valueSize, maxEntries: 4 };
  const asm: string[] = ['r6 = r1'];
  // A map value (or null) in r7.
  asm.push(`*(u32 *)(r10 - 4) = ${int(rng, 0, 5)}`, 'r2 = r10', 'r2 += -4', 'r1 = map_fd(0)', 'call 1', 'r7 = r0');
  if (rng() < 0.8) asm.push('if r7 == 0 goto +LAST');
  asm.push('call 7', `r8 = r0`, `r8 &= ${pick(rng, [7, 15, 63, 255, 0xffff])}`, 'r9 = r10', `r9 += ${-8 * int(rng, 2, 8)}`);
  for (let i = 0; i <= 5; i++) asm.push(`r${i} = ${pick(rng, [0, 1, 8, 40, int(rng, -9, 70)])}`);
  if (type === 'xdp') asm.push('r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = r2', `r4 += ${int(rng, 1, 20)}`, 'if r4 > r3 goto +LAST');
  const n = int(rng, 3, 14);
  const body: string[] = [];
  while (body.length < n) body.push(...bodyInsn(rng, n - body.length + 2, valueSize, type));
  asm.push(...body);
  asm.push(rng() < 0.9 ? 'r0 = 0' : 'r0 = r8', 'exit');
  // Early exits jump to the final `r0 = 0; exit`.
  const last = asm.length - 2;
  const out = asm.map((l, i) => l.replace('+LAST', `+${last - i - 1}`));
  return { type, maps: [map], asm: out };
}

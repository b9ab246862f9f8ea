// A scalar as the kernel's verifier log prints it (print_scalar_ranges and the scalar case of
// print_reg_state in kernel/bpf/log.c): a constant as a number, otherwise
// `scalar(smin=…,smax=umax=…,var_off=(v; m))` with the unbounded fields left out and equal
// values named together.

import { asS64, asU64, S32_MAX, S32_MIN, S64_MAX, S64_MIN, type Scalar, U32_MAX, U64_MAX } from './scalar.js';
import { formatTnum, tnumIsConst, tnumIsUnknown } from './tnum.js';

/** Unsigned values up to U16_MAX print in decimal, signed ones within S16; the rest in hex. */
const isUnsignedDecimal = (u: bigint): boolean => u <= 0xffffn;
const isSignedDecimal = (v: bigint): boolean => v >= -0x8000n && v <= 0x7fffn;

export function formatUnsigned(x: bigint): string {
  const u = asU64(x);
  return isUnsignedDecimal(u) ? u.toString() : `0x${u.toString(16)}`;
}

export function formatSigned(x: bigint): string {
  const v = asS64(x);
  return isSignedDecimal(v) ? v.toString() : `0x${asU64(v).toString(16)}`;
}

/** How a 32-bit signed bound is held for printing: sign-extended when it prints in decimal, else its 32 bits. */
const signed32Field = (v: bigint): bigint => (isSignedDecimal(v) ? v : BigInt.asUintN(32, v));

export function formatScalarRanges(s: Scalar): string[] {
  // Values as 64-bit patterns, compared as such when equal fields are named together.
  const fields = [
    { name: 'smin', value: asU64(s.smin), omit: s.smin === S64_MIN },
    { name: 'smax', value: asU64(s.smax), omit: s.smax === S64_MAX },
    { name: 'umin', value: s.umin, omit: s.umin === 0n },
    { name: 'umax', value: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', value: asU64(signed32Field(s.s32min)), omit: s.s32min === S32_MIN },
    { name: 'smax32', value: asU64(signed32Field(s.s32max)), omit: s.s32max === S32_MAX },
    { name: 'umin32', value: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', value: s.u32max, omit: s.u32max === U32_MAX },
  ];
  const negative = (f: { name: string; value: bigint }): boolean => f.name.startsWith('s') && asS64(f.value) < 0n;
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.omit) continue;
    let names = `${f.name}=`;
    // Fields two apart are the same kind (min or max); equal values of the same sign share one number.
    for (let j = i + 2; j < fields.length; j += 2) {
      const g = fields[j]!;
      if (g.omit || g.value !== f.value || negative(g) !== negative(f)) continue;
      g.omit = true;
      names += `${g.name}=`;
    }
    out.push(`${names}${f.name.startsWith('s') ? formatSigned(f.value) : formatUnsigned(f.value)}`);
  }
  return out;
}

export function formatScalar(s: Scalar): string {
  if (tnumIsConst(s.varOff)) return formatSigned(s.varOff.value);
  const parts = formatScalarRanges(s);
  if (!tnumIsUnknown(s.varOff)) parts.push(`var_off=${formatTnum(s.varOff)}`);
  return `scalar(${parts.join(',')})`;
}

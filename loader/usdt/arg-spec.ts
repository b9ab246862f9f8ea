// USDT argument strings (`-4@%edx 8@-8(%rbp) -4@$42`) and the spec record libbpf's usdt.bpf.h
// reads from its `__bpf_usdt_specs` map. Each argument is SIZE@LOCATION: a negative size is a
// signed value; the location is a constant ($N), a register (%reg) or memory at a register plus a
// displacement (N(%reg)). The register becomes its offset in the kernel's struct pt_regs; the
// size becomes the shift usdt.bpf.h uses to cut the 8 bytes it reads down to the argument's width.
// x86-64 (AT&T syntax, as gcc and clang write it) and arm64 (`[sp, 8]`, `x0`) are understood.

import { ByteWriter } from '../../isa/index.js';
import { UsdtError } from './notes.js';

export const USDT_MAX_ARGS = 12;
/** sizeof(struct __bpf_usdt_spec): 12 × 16-byte arg specs, u64 cookie, short arg count, padding. */
export const USDT_SPEC_SIZE = 208;

export type UsdtArgKind = 'const' | 'reg' | 'reg_deref';
const KIND_NUMBER: Readonly<Record<UsdtArgKind, number>> = { const: 0, reg: 1, reg_deref: 2 };

export interface UsdtArgSpec {
  readonly kind: UsdtArgKind;
  /** The constant, or the displacement of a memory operand. */
  readonly value: bigint;
  /** Offset of the register in struct pt_regs (0 for a constant). */
  readonly regOffset: number;
  readonly signed: boolean;
  /** Bytes: 1, 2, 4 or 8. */
  readonly size: number;
}

// struct pt_regs on x86-64: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss.
const X86_SLOTS = ['r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp'];
const X86_REGS = new Map<string, number>();
for (const [slot, names] of Object.entries({
  ax: ['rax', 'eax', 'ax', 'al'], bx: ['rbx', 'ebx', 'bx', 'bl'], cx: ['rcx', 'ecx', 'cx', 'cl'], dx: ['rdx', 'edx', 'dx', 'dl'],
  si: ['rsi', 'esi', 'si', 'sil'], di: ['rdi', 'edi', 'di', 'dil'], bp: ['rbp', 'ebp', 'bp', 'bpl'], sp: ['rsp', 'esp', 'sp', 'spl'],
  ip: ['rip'],
})) for (const n of names) X86_REGS.set(n, X86_SLOTS.indexOf(slot) * 8);
for (let r = 8; r <= 15; r++) for (const sfx of ['', 'd', 'w', 'b']) X86_REGS.set(`r${r}${sfx}`, X86_SLOTS.indexOf(`r${r}`) * 8);

// struct user_pt_regs on arm64: x0..x30, sp, pc.
function arm64Reg(name: string): number | undefined {
  if (name === 'sp') return 31 * 8;
  const m = /^[xw](\d+)$/.exec(name);
  return m !== null && Number(m[1]) <= 30 ? Number(m[1]) * 8 : undefined;
}

export type UsdtArch = 'x64' | 'arm64';

function parseOne(text: string, arch: UsdtArch, where: string): UsdtArgSpec {
  const at = /^(-?)(1|2|4|8)@(.+)$/.exec(text);
  if (at === null) throw new UsdtError(`${where}: argument ${JSON.stringify(text)} is not SIZE@LOCATION with SIZE ±1, ±2, ±4 or ±8`);
  const signed = at[1] === '-';
  const size = Number(at[2]);
  const loc = at[3]!;
  const reg = (name: string): number => {
    const off = arch === 'x64' ? X86_REGS.get(name) : arm64Reg(name);
    if (off === undefined) throw new UsdtError(`${where}: argument ${JSON.stringify(text)}: unknown ${arch} register ${name}`);
    return off;
  };
  const num = (s: string): bigint => BigInt(s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s));
  let m: RegExpExecArray | null;
  if (arch === 'x64') {
    if ((m = /^\$(-?(?:0x[0-9a-fA-F]+|\d+))$/.exec(loc)) !== null) return { kind: 'const', value: num(m[1]!), regOffset: 0, signed, size };
    if ((m = /^%([a-z0-9]+)$/.exec(loc)) !== null) return { kind: 'reg', value: 0n, regOffset: reg(m[1]!), signed, size };
    if ((m = /^(-?(?:0x[0-9a-fA-F]+|\d+))?\(%([a-z0-9]+)\)$/.exec(loc)) !== null) {
      return { kind: 'reg_deref', value: num(m[1] ?? '0'), regOffset: reg(m[2]!), signed, size };
    }
  } else {
    if ((m = /^(-?(?:0x[0-9a-fA-F]+|\d+))$/.exec(loc)) !== null) return { kind: 'const', value: num(m[1]!), regOffset: 0, signed, size };
    if ((m = /^([a-z0-9]+)$/.exec(loc)) !== null) return { kind: 'reg', value: 0n, regOffset: reg(m[1]!), signed, size };
    if ((m = /^\[([a-z0-9]+)(?:\s*,\s*(-?(?:0x[0-9a-fA-F]+|\d+)))?\]$/.exec(loc)) !== null) {
      return { kind: 'reg_deref', value: num(m[2] ?? '0'), regOffset: reg(m[1]!), signed, size };
    }
  }
  throw new UsdtError(`${where}: argument ${JSON.stringify(text)}: location ${JSON.stringify(loc)} is not a constant, a register or register plus displacement`);
}

/** The argument specs of a probe's argument string (empty string: no arguments). */
export function parseUsdtArgs(args: string, arch: UsdtArch = 'x64', where = 'USDT probe'): UsdtArgSpec[] {
  // arm64 memory operands contain a space after the comma ("[sp, 8]"): split outside brackets only.
  const parts = args.trim() === '' ? [] : args.trim().split(/\s+(?![^[]*\])/);
  if (parts.length > USDT_MAX_ARGS) throw new UsdtError(`${where}: ${parts.length} arguments, more than usdt.bpf.h's ${USDT_MAX_ARGS}`);
  return parts.map((p) => parseOne(p, arch, where));
}

/** struct __bpf_usdt_spec for these arguments and the user's cookie (little-endian). */
export function encodeUsdtSpec(args: readonly UsdtArgSpec[], cookie: bigint = 0n): Uint8Array {
  const w = new ByteWriter('le', USDT_SPEC_SIZE);
  for (const a of args) w.u64(BigInt.asUintN(64, a.value)).u32(KIND_NUMBER[a.kind]).i16(a.regOffset).u8(a.signed ? 1 : 0).i8(64 - a.size * 8);
  w.zeros(192 - w.length).u64(BigInt.asUintN(64, cookie)).i16(args.length);
  w.zeros(USDT_SPEC_SIZE - w.length);
  return w.finish();
}

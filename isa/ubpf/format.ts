// Printer of the bpf_conformance / uBPF syntax: the inverse of assembleUbpf
// for every instruction the syntax can spell, so that
// assembleUbpf(formatUbpf(x)) deep-equals [x].

import type { Instruction, Register } from '../instruction.js';
import { ldImm64Value } from '../instruction.js';
import { ENDIAN_PREFIX, SIZE_SUFFIX } from './mnemonics.js';

const r = (n: Register): string => `%r${n}`;
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (base: Register, offset: number): string => (offset === 0 ? `[${r(base)}]` : `[${r(base)}${signed(offset)}]`);
const w32 = (width: 32 | 64): string => (width === 32 ? '32' : '');

/** Why an instruction has no spelling in this syntax, or undefined when it has one. */
export function ubpfUnsupportedReason(insn: Instruction): string | undefined {
  switch (insn.kind) {
    case 'addrSpaceCast': return 'addr_space_cast has no spelling in the bpf_conformance syntax';
    case 'mayGoto': return 'may_goto has no spelling in the bpf_conformance syntax';
    case 'ldImm64':
      return insn.pseudo !== 0 ? `lddw has no spelling for pseudo source ${insn.pseudo}` : undefined;
    case 'call':
      return insn.offset !== 0 ? `call runtime has no spelling for a non-zero offset (${insn.offset})` : undefined;
    case 'atomic':
      return insn.op === 'loadAcquire' || insn.op === 'storeRelease'
        ? `${insn.op} has no spelling in the bpf_conformance syntax`
        : insn.size !== 4 && insn.size !== 8 ? `lock has no spelling for size ${insn.size}` : undefined;
    default:
      return undefined;
  }
}

/**
 * One instruction in the bpf_conformance syntax. Jump targets are printed as
 * signed slot offsets (`+3`, `-1`), immediates in decimal, lddw values as
 * unsigned hex. Throws an Error for forms the syntax cannot express
 * (see ubpfUnsupportedReason).
 */
export function formatUbpf(insn: Instruction): string {
  const unsupported = ubpfUnsupportedReason(insn);
  if (unsupported !== undefined) throw new Error(`formatUbpf: ${unsupported}`);
  switch (insn.kind) {
    case 'alu':
      return `${insn.op}${w32(insn.width)} ${r(insn.dst)}, ${insn.src.kind === 'reg' ? r(insn.src.reg) : insn.src.value}`;
    case 'neg':
      return `neg${w32(insn.width)} ${r(insn.dst)}`;
    case 'movsx':
      return `movsx${insn.bits}${insn.width} ${r(insn.dst)}, ${r(insn.src)}`;
    case 'endian':
      return `${ENDIAN_PREFIX[insn.order]}${insn.bits} ${r(insn.dst)}`;
    case 'ja':
      return `ja ${signed(insn.offset)}`;
    case 'gotol':
      return `ja32 ${signed(insn.imm)}`;
    case 'jump': {
      const src = insn.src.kind === 'reg' ? r(insn.src.reg) : `${insn.src.value}`;
      return `${insn.op}${w32(insn.width)} ${r(insn.dst)}, ${src}, ${signed(insn.offset)}`;
    }
    case 'call':
      return insn.callee === 'helper' ? `call ${insn.imm}`
        : insn.callee === 'local' ? `call local ${signed(insn.imm)}`
          : `call runtime ${insn.imm}`;
    case 'callx':
      return `call ${r(insn.dst)}`;
    case 'exit':
      return 'exit';
    case 'ldImm64':
      return `lddw ${r(insn.dst)}, 0x${ldImm64Value(insn).toString(16)}`;
    case 'ldx':
      return `ldx${insn.signed ? 's' : ''}${SIZE_SUFFIX[insn.size]} ${r(insn.dst)}, ${mem(insn.src, insn.offset)}`;
    case 'st':
      return `st${SIZE_SUFFIX[insn.size]} ${mem(insn.dst, insn.offset)}, ${insn.imm}`;
    case 'stx':
      return `stx${SIZE_SUFFIX[insn.size]} ${mem(insn.dst, insn.offset)}, ${r(insn.src)}`;
    case 'atomic': {
      const fetch = insn.fetch && insn.op !== 'xchg' && insn.op !== 'cmpxchg' ? 'fetch ' : '';
      return `lock ${fetch}${insn.op}${insn.size === 4 ? '32' : ''} ${mem(insn.dst, insn.offset)}, ${r(insn.src)}`;
    }
    case 'ldAbs':
      return `ldabs${SIZE_SUFFIX[insn.size]} ${insn.imm}`;
    case 'ldInd':
      return `ldind${SIZE_SUFFIX[insn.size]} ${r(insn.src)}, ${insn.imm}`;
    case 'addrSpaceCast':
    case 'mayGoto':
      throw new Error('unreachable');
  }
}

/** A whole program, one instruction per line (jump targets as slot offsets). */
export function formatUbpfProgram(insns: readonly Instruction[]): string {
  return insns.map((insn) => `${formatUbpf(insn)}\n`).join('');
}

// The kernel's text form of an instruction, as the Linux 6.18 verifier log
// and `bpftool prog dump xlated` print it: `(07) r1 += 7`, `(15) if r1 == 0x5
// goto pc+1`, `(85) call bpf_get_prandom_u32#7`. Every form here was compared
// with the verifier log of programs loaded on 6.18 (test/disasm-kernel.test.ts).
// Conventions of that format: decimal ALU and store immediates, unsigned 32-bit
// hex jump immediates, `%+d` memory offsets, `r` registers for every load,
// store and atomic, unsigned 64-bit hex for ld_imm64.

import type { Instruction, Size } from '../instruction.js';
import { toRawSlot } from '../encode.js';
import { JUMP_TOKENS as JMP, UNSIGNED_TYPES as U } from '../operator-tokens.js';
import { isRegisterOp, registerOpText } from '../register-op-text.js';
import { HEX_BYTE, hex64 } from './hex.js';
import { KERNEL_HELPER_NAMES } from './kernel-helpers.js';

export interface KernelFormatOptions {
  /** Name of a helper id (the part before `#`); defaults to the 6.18 table, then `unknown`. */
  readonly helperName?: (id: number) => string | undefined;
  /**
   * Name of a kfunc by BTF id and fd_array index. The kernel resolves kfuncs
   * through BTF, which a file does not carry; unresolved ones print as
   * `kfunc#ID` (`kfunc#ID@OFF` for a module BTF), a spelling of ours.
   */
  readonly kfuncName?: (btfId: number, offset: number) => string | undefined;
}

const S: Record<Size, string> = { 1: 's8', 2: 's16', 4: 's32', 8: 's64' };

const pcRel = (n: number): string => (n < 0 ? `pc${n}` : `pc+${n}`);
const memAt = (reg: number, off: number): string => (off < 0 ? `(r${reg} ${off})` : `(r${reg} +${off})`);

function body(insn: Instruction, options: KernelFormatOptions): string {
  if (isRegisterOp(insn)) return registerOpText(insn);
  switch (insn.kind) {
    case 'ja':
      return `goto ${pcRel(insn.offset)}`;
    case 'gotol':
      return `gotol ${pcRel(insn.imm)}`;
    case 'mayGoto':
      return `may_goto ${pcRel(insn.offset)}`;
    case 'jump': {
      const p = insn.width === 64 ? 'r' : 'w';
      const src = insn.src.kind === 'reg' ? `${p}${insn.src.reg}` : `0x${(insn.src.value >>> 0).toString(16)}`;
      return `if ${p}${insn.dst} ${JMP[insn.op]} ${src} goto ${pcRel(insn.offset)}`;
    }
    case 'call':
      if (insn.callee === 'local') return `call ${pcRel(insn.imm)}`;
      if (insn.callee === 'kfunc') {
        const name = options.kfuncName?.(insn.imm, insn.offset);
        if (name !== undefined) return `call ${name}#${insn.imm}`;
        return insn.offset === 0 ? `call kfunc#${insn.imm}` : `call kfunc#${insn.imm}@${insn.offset}`;
      }
      return `call ${options.helperName?.(insn.imm) ?? KERNEL_HELPER_NAMES[insn.imm] ?? 'unknown'}#${insn.imm}`;
    case 'callx':
      // Not loadable on 6.18 (`unknown opcode 8d`), so never printed by the kernel.
      return `callx r${insn.dst}`;
    case 'exit':
      return 'exit';
    case 'ldImm64':
      // Pseudo sources print the raw value: their map/BTF names need the
      // kernel's state (`map[id:N]`), which a file does not have.
      return `r${insn.dst} = ${hex64(insn.nextImm, insn.imm)}`;
    case 'ldx':
      return `r${insn.dst} = *(${insn.signed ? S[insn.size] : U[insn.size]} *)${memAt(insn.src, insn.offset)}`;
    case 'st':
      return `*(${U[insn.size]} *)${memAt(insn.dst, insn.offset)} = ${insn.imm}`;
    case 'stx':
      return `*(${U[insn.size]} *)${memAt(insn.dst, insn.offset)} = r${insn.src}`;
    case 'atomic': {
      const ptr = `(${U[insn.size]} *)${memAt(insn.dst, insn.offset)}`;
      const fn = insn.size === 8 ? 'atomic64_' : 'atomic_';
      const s = `r${insn.src}`;
      switch (insn.op) {
        case 'loadAcquire': return `r${insn.dst} = load_acquire((${U[insn.size]} *)${memAt(insn.src, insn.offset)})`;
        case 'storeRelease': return `store_release(${ptr}, ${s})`;
        case 'xchg': return `${s} = ${fn}xchg(${ptr}, ${s})`;
        case 'cmpxchg': return `r0 = ${fn}cmpxchg(${ptr}, r0, ${s})`;
        default: {
          if (insn.fetch) return `${s} = ${fn}fetch_${insn.op}(${ptr}, ${s})`;
          const sym = insn.op === 'add' ? '+=' : insn.op === 'or' ? '|=' : insn.op === 'and' ? '&=' : '^=';
          return `lock *${ptr} ${sym} ${s}`;
        }
      }
    }
    case 'ldAbs':
      return `r0 = *(${U[insn.size]} *)skb[${insn.imm}]`;
    case 'ldInd':
      return `r0 = *(${U[insn.size]} *)skb[r${insn.src} + ${insn.imm}]`;
  }
}

/**
 * The kernel text of one instruction: `(b7) r0 = 0`, or with an index
 * `3: (b7) r0 = 0` as in the verifier log.
 */
export function formatInstructionKernel(insn: Instruction, index?: number, options: KernelFormatOptions = {}): string {
  const text = `(${HEX_BYTE[toRawSlot(insn).opcode]}) ${body(insn, options)}`;
  return index === undefined ? text : `${index}: ${text}`;
}

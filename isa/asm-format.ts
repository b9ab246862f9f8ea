// A small printer of single instructions in the syntax llvm-mc-19 accepts,
// with decimal immediates — the inverse of parseInstructionLlvm for the
// forms LLVM 19 can express (see `llvmExpressible`).

import type { Instruction } from './instruction.js';
import { JUMP_TOKENS, UNSIGNED_TYPES as U } from './operator-tokens.js';
import { isRegisterOp, registerOpText } from './register-op-text.js';

const rel = (n: number): string => (n < 0 ? `-${-n}` : `+${n}`);
const mem = (reg: number, off: number): string => `r${reg} ${off < 0 ? '-' : '+'} ${Math.abs(off)}`;

/**
 * Why LLVM 19 cannot write this instruction as one line of assembly, or null
 * when it can: local calls exist only as `call label`, kfunc calls not at all,
 * a `gotol` literal is limited to 16 bits, `skb[rN]` always has imm 0, and
 * load-acquire/store-release arrived after LLVM 19.
 */
export function llvmExpressible(insn: Instruction): string | null {
  switch (insn.kind) {
    case 'call':
      if (insn.callee === 'local') return 'a local call is only written `call label`';
      if (insn.callee === 'kfunc') return 'kfunc calls have no LLVM 19 syntax';
      if (insn.offset !== 0) return 'a helper call with a non-zero offset has no syntax';
      return null;
    case 'gotol':
      return insn.imm >= -0x8000 && insn.imm <= 0x7fff ? null : 'a gotol literal is limited to 16 bits';
    case 'ldInd':
      return insn.imm === 0 ? null : 'skb[rN] always encodes imm 0';
    case 'atomic':
      return insn.op === 'loadAcquire' || insn.op === 'storeRelease' ? 'load-acquire/store-release came after LLVM 19' : null;
    default:
      return null;
  }
}

/** LLVM-syntax text of one instruction. Throws for the forms `llvmExpressible` rejects. */
export function formatAsmLlvm(insn: Instruction): string {
  const why = llvmExpressible(insn);
  if (why !== null) throw new Error(`not expressible in LLVM 19 assembly: ${why}`);
  if (isRegisterOp(insn)) return registerOpText(insn);
  switch (insn.kind) {
    case 'ja':
      return `goto ${rel(insn.offset)}`;
    case 'gotol':
      return `gotol ${rel(insn.imm)}`;
    case 'jump': {
      const p = insn.width === 64 ? 'r' : 'w';
      const src = insn.src.kind === 'reg' ? `${p}${insn.src.reg}` : String(insn.src.value);
      return `if ${p}${insn.dst} ${JUMP_TOKENS[insn.op]} ${src} goto ${rel(insn.offset)}`;
    }
    case 'call':
      return `call ${insn.imm}`;
    case 'callx':
      return `callx r${insn.dst}`;
    case 'exit':
      return 'exit';
    case 'mayGoto':
      return `may_goto ${rel(insn.offset)}`;
    case 'ldImm64': {
      const value = (BigInt(insn.nextImm) << 32n) | BigInt(insn.imm >>> 0);
      if (insn.pseudo === 0) return `r${insn.dst} = ${BigInt.asIntN(64, value)} ll`;
      // llvm-mc puts bits 32..63 of ld_pseudo's second operand into the next imm.
      const src = (BigInt(insn.nextImm) << 32n) | BigInt(insn.pseudo);
      return `ld_pseudo r${insn.dst}, ${src}, ${insn.imm}`;
    }
    case 'ldx':
      return `r${insn.dst} = *(${insn.signed ? 's' : 'u'}${insn.size * 8} *)(${mem(insn.src, insn.offset)})`;
    case 'st':
      return `*(${U[insn.size]} *)(${mem(insn.dst, insn.offset)}) = ${insn.imm}`;
    case 'stx':
      return `*(${U[insn.size]} *)(${mem(insn.dst, insn.offset)}) = r${insn.src}`;
    case 'atomic': {
      const p = insn.size === 8 ? 'r' : 'w';
      const m = mem(insn.dst, insn.offset);
      switch (insn.op) {
        case 'add': case 'or': case 'and': case 'xor': {
          if (!insn.fetch) {
            const tok = { add: '+', or: '|', and: '&', xor: '^' }[insn.op];
            return `lock *(${U[insn.size]} *)(${m}) ${tok}= ${p}${insn.src}`;
          }
          return `${p}${insn.src} = atomic_fetch_${insn.op}((${U[insn.size]} *)(${m}), ${p}${insn.src})`;
        }
        case 'xchg':
          return `${p}${insn.src} = ${insn.size === 8 ? 'xchg_64' : 'xchg32_32'}(${m}, ${p}${insn.src})`;
        case 'cmpxchg':
          return `${p}0 = ${insn.size === 8 ? 'cmpxchg_64' : 'cmpxchg32_32'}(${m}, ${p}0, ${p}${insn.src})`;
        default:
          throw new Error(`not expressible in LLVM 19 assembly: atomic ${insn.op}`);
      }
    }
    case 'ldAbs':
      return `r0 = *(${U[insn.size]} *)skb[${insn.imm}]`;
    case 'ldInd':
      return `r0 = *(${U[insn.size]} *)skb[r${insn.src}]`;
  }
}

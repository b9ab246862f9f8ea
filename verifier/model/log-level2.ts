// The kernel's log at level 2 (every processed instruction with register states), built only
// when that log is asked for. The kernel prints an instruction's effect lazily: it marks the
// registers and stack slots each check touches ("scratched"), and before the next instruction
// (or right after a conditional jump) prints the marked ones of the current frame — appended to
// the instruction's own line after a `;` when nothing came between, else on a line `N:` of its
// own. A path taken from the stack starts with `from A to B:` and the whole state; a pruned path
// ends with `B: safe`. (print_insn_state, print_verifier_state, do_check.)

import type { Btf } from '../../elf/index.js';
import type { Instruction } from '../../isa/index.js';
import { logInsnText } from './log-insn.js';
import type { PrecisionLog } from './precision.js';
import { formatFrameState } from './state-format.js';
import { SLOT_BYTES, type VerifierState } from './state.js';

/** fmt_reg_mask and fmt_stack_mask: `r1,r6` and `-8,-24`. */
function regList(mask: number): string {
  const out: string[] = [];
  for (let r = 0; r < 32; r++) if ((mask & (1 << r)) !== 0) out.push(`r${r}`);
  return out.join(',');
}

function slotList(mask: bigint): string {
  const out: string[] = [];
  for (let spi = 0; spi < 64; spi++) if ((mask & (1n << BigInt(spi))) !== 0n) out.push(String(-(spi + 1) * SLOT_BYTES));
  return out.join(',');
}

const ALL_REGS = (1 << 11) - 1;
const ALL_SLOTS = (1n << 64n) - 1n;

/** vlog_alignment: the padding before `;` that puts it at a multiple of 8 columns, at least 40. */
function alignment(printed: number): number {
  return Math.ceil(Math.max(printed + 4, 40) / 8) * 8 - printed - 1;
}

export class LevelTwoLog {
  private regs = 0;
  private slots = 0n;
  /** The line of the instruction printed last, while nothing has been printed after it. */
  private insnLine = -1;
  /** The path now walked was taken from the stack and has not printed its first line yet. */
  private popped = false;

  constructor(private readonly lines: string[], private readonly btf: Btf | undefined) {}

  /** The start of a walk, after the header (live-regs.ts): every register of the initial state prints before the first instruction. */
  begin(header: { readonly lines: readonly string[] }): void {
    this.lines.push(...header.lines);
    this.scratchAll();
  }

  /** A loop visit's line (`SCC enter (1)`, scc-visits.ts). */
  sccLine(line: string): void {
    this.lines.push(line);
  }

  private scratchAll(): void {
    this.regs = ALL_REGS;
    this.slots = ALL_SLOTS;
  }

  private scratchReg(r: number): void {
    this.regs |= 1 << r;
  }

  /** print_insn_state: the scratched registers and slots of the current frame, then no more marks. */
  insnState(idx: number, state: VerifierState): void {
    const text = formatFrameState(state, state.frames[state.frames.length - 1]!, { regs: this.regs, slots: this.slots });
    const last = this.lines.length - 1;
    if (this.insnLine >= 0 && this.insnLine === last) {
      const printed = this.lines[last]!.length + 1;
      this.lines[last] += `${' '.repeat(alignment(printed))};${text}`;
    } else this.lines.push(`${idx}:${text}`);
    this.insnLine = -1;
    this.regs = 0;
    this.slots = 0n;
  }

  /** is_state_visited pruned the path at `idx`. */
  safe(idx: number, prev: number): void {
    if (this.popped) this.lines.push('', `from ${prev} to ${idx}: safe`);
    else this.lines.push(`${idx}: safe`);
    this.insnLine = -1;
    this.popped = false;
  }

  /** A path ended (exit or pruned): the next one, if any, is taken from the stack. */
  pathEnd(): void {
    this.scratchAll();
    this.popped = true;
  }

  /** Precision backtracking's lines (mark_precise:, propagating), for the walk's precision context. */
  precisionLog(insns: readonly (Instruction | undefined)[]): PrecisionLog {
    const lines = this.lines;
    return {
      chain: (frame, last, first, subseq) => { lines.push(`mark_precise: frame${frame}: last_idx ${last} first_idx ${first} subseq_idx ${subseq} `); },
      before: (frame, regs, slots, idx) => {
        const insn = insns[idx];
        lines.push(`mark_precise: frame${frame}: regs=${regList(regs)} stack=${slotList(slots)} before ${insn === undefined ? `${idx}: ` : logInsnText(insn, idx, this.btf)}`);
      },
      parent: (fr, regs, slots, st) => {
        lines.push(`mark_precise: frame${fr}: parent state regs=${regList(regs)} stack=${slotList(slots)}: ${formatFrameState(st, st.frames[fr]!)}`);
      },
      fallback: (frame) => { lines.push(`mark_precise: frame${frame}: falling back to forcing all scalars precise`); },
      propagating: (fr, items) => { if (items.length > 0) lines.push(`frame ${fr}: propagating ${items.join(',')}`); },
    };
  }

  /** A bpf-to-bpf call entered its callee: both frames print whole, and the callee's first instruction prints every register. */
  entered(state: VerifierState): void {
    const n = state.frames.length;
    this.lines.push('caller:', formatFrameState(state, state.frames[n - 2]!), 'callee:', formatFrameState(state, state.frames[n - 1]!));
    this.insnLine = -1;
    this.scratchAll();
  }

  /** The callee's frame as it exits (`frameText` before the frame is left). */
  frameText(state: VerifierState): string {
    return formatFrameState(state, state.frames[state.frames.length - 1]!);
  }

  /** A subprogram returned to `at` in its caller: both frames print, and the caller goes on as a path taken from the stack. */
  returned(callee: string, at: number, state: VerifierState): void {
    this.lines.push('returning from callee:', callee, `to caller at ${at}:`, formatFrameState(state, state.frames[state.frames.length - 1]!));
    this.insnLine = -1;
    this.popped = true;
  }

  /** Before instruction `idx` is checked, in `state` (registers as the instruction finds them). */
  insn(idx: number, prev: number, state: VerifierState, insn: Instruction): void {
    const frame = state.frames[state.frames.length - 1]!;
    if (this.popped) {
      this.lines.push('', `from ${prev} to ${idx}:${formatFrameState(state, frame)}`);
      this.popped = false;
    }
    if (this.regs !== 0 || this.slots !== 0n) this.insnState(idx, state);
    this.lines.push(logInsnText(insn, idx, this.btf));
    this.insnLine = this.lines.length - 1;
    this.scratchInsn(state, insn);
  }

  /** What the instruction's checks will mark (check_reg_arg for each register operand, the stack slots it accesses). */
  private scratchInsn(state: VerifierState, insn: Instruction): void {
    switch (insn.kind) {
      case 'alu':
        this.scratchReg(insn.dst);
        if (insn.src.kind === 'reg') this.scratchReg(insn.src.reg);
        break;
      case 'neg': case 'endian': case 'ldImm64':
        this.scratchReg(insn.dst);
        break;
      case 'movsx': case 'addrSpaceCast':
        this.scratchReg(insn.dst);
        this.scratchReg(insn.src);
        break;
      case 'jump':
        this.scratchReg(insn.dst);
        if (insn.src.kind === 'reg') this.scratchReg(insn.src.reg);
        break;
      case 'ldx':
        this.scratchReg(insn.dst);
        this.scratchReg(insn.src);
        this.scratchStack(state, insn.src, insn.offset, insn.size);
        break;
      case 'stx': case 'atomic':
        this.scratchReg(insn.dst);
        this.scratchReg(insn.src);
        if (insn.kind === 'atomic' && insn.op === 'cmpxchg') this.scratchReg(0);
        this.scratchStack(state, insn.dst, insn.offset, insn.size);
        break;
      case 'st':
        this.scratchReg(insn.dst);
        this.scratchStack(state, insn.dst, insn.offset, insn.size);
        break;
      case 'call':
        // The argument registers are checked and then cleared (NOT_INIT prints nothing); R0 is set.
        for (let r = 0; r <= 5; r++) this.scratchReg(r);
        break;
      case 'ldAbs': case 'ldInd':
        for (let r = 0; r <= 6; r++) this.scratchReg(r);
        break;
      default:
        break;
    }
  }

  /** The slots an access of `size` bytes at `off` from a stack pointer in `reg` covers (constant offsets only). */
  private scratchStack(state: VerifierState, reg: number, off: number, size: number): void {
    const r = state.frames[state.frames.length - 1]!.regs[reg]!;
    if (r.type !== 'stack') return;
    // A variable offset marks every slot it may reach (check_stack_write_var_off, mark_reg_stack_read).
    const lo = r.s.varOff.mask === 0n ? BigInt.asIntN(64, r.s.varOff.value) : r.s.smin;
    const hi = r.s.varOff.mask === 0n ? lo : r.s.smax;
    const base = BigInt(r.off + off);
    const start = lo + base < -512n ? -512 : Number(lo + base);
    const end = hi + base + BigInt(size) > 0n ? 0 : Number(hi + base) + size;
    for (let b = start; b < end; b++) {
      this.slots |= 1n << BigInt(Math.floor((-b - 1) / SLOT_BYTES));
    }
  }
}

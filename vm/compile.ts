// The fast engine: each program is translated once into the source of one JavaScript function
// (registers as int32 local pairs, one switch case per basic block) that V8 compiles to machine
// code. Semantics follow the reference interpreter (interpreter.ts), which tests hold it to.

import type { AluOp, Instruction, JumpOp, Register } from '../isa/index.js';
import { fault, FaultSignal } from './fault.js';
import { type EngineResult, type Frame, interpret } from './interpreter.js';
import { arsh64, bswap32, divmod64, lsh64, mul64, OUT, rsh64 } from './int64.js';
import { FRAME_SIZE, type Machine, MAX_FRAMES, MAY_GOTO_BUDGET } from './machine.js';
import { CODE_HI, type PreparedProgram } from './program.js';

type Compiled = (m: Machine, entry: number, args: Int32Array, depth: number) => number;

const H = (r: Register): string => `h${r}`;
const L = (r: Register): string => `l${r}`;

/** Basic-block starts: the entry, jump targets, call targets and returns, callback entries. */
function blockStarts(prog: PreparedProgram): Set<number> {
  const starts = new Set<number>([0]);
  prog.slots.forEach((insn, pc) => {
    if (insn === undefined) return;
    const next = pc + (insn.kind === 'ldImm64' ? 2 : 1);
    switch (insn.kind) {
      case 'ja': starts.add(next + insn.offset); starts.add(next); break;
      case 'gotol': starts.add(next + insn.imm); starts.add(next); break;
      case 'jump': case 'mayGoto': starts.add(next + insn.offset); starts.add(next); break;
      case 'call': if (insn.callee === 'local') starts.add(next + insn.imm); starts.add(next); break;
      case 'callx': case 'exit': case 'ldAbs': case 'ldInd': starts.add(next); break;
      case 'ldImm64': if (insn.pseudo === 4) starts.add(pc + 1 + insn.imm); break;
    }
  });
  return starts;
}

/** `dst = src + off` as (hi, lo) expressions into the temporaries ah, al. */
function address(base: Register, off: number): string {
  if (off === 0) return `ah = ${H(base)}; al = ${L(base)};`;
  return `t = (${L(base)} >>> 0) + ${off}; al = t | 0; ah = (${H(base)} + ((t - (t >>> 0)) / 4294967296)) | 0;`;
}

function alu64(op: AluOp, d: Register, bh: string, bl: string, immShift: number | undefined): string {
  const dh = H(d), dl = L(d);
  switch (op) {
    case 'mov': return `${dl} = ${bl}; ${dh} = ${bh};`;
    case 'add': return `t = (${dl} >>> 0) + (${bl} >>> 0); ${dh} = (${dh} + ${bh} + (t > 4294967295 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case 'sub': return `t = (${dl} >>> 0) - (${bl} >>> 0); ${dh} = (${dh} - ${bh} - (t < 0 ? 1 : 0)) | 0; ${dl} = t | 0;`;
    case 'and': return `${dl} &= ${bl}; ${dh} &= ${bh};`;
    case 'or': return `${dl} |= ${bl}; ${dh} |= ${bh};`;
    case 'xor': return `${dl} ^= ${bl}; ${dh} ^= ${bh};`;
    case 'mul': return `mul64(${dh}, ${dl}, ${bh}, ${bl}); ${dl} = O[0]; ${dh} = O[1];`;
    case 'div': case 'sdiv': case 'mod': case 'smod':
      return `divmod64('${op}', ${dh}, ${dl}, ${bh}, ${bl}); ${dl} = O[0]; ${dh} = O[1];`;
    case 'lsh': case 'rsh': case 'arsh': {
      if (immShift !== undefined) {
        const s = immShift & 63;
        if (s === 0) return '';
        if (op === 'lsh') return s < 32 ? `${dh} = (${dh} << ${s}) | (${dl} >>> ${32 - s}); ${dl} = ${dl} << ${s};` : `${dh} = ${dl} << ${s - 32}; ${dl} = 0;`;
        if (op === 'rsh') return s < 32 ? `${dl} = (${dl} >>> ${s}) | (${dh} << ${32 - s}); ${dh} = ${dh} >>> ${s};` : `${dl} = (${dh} >>> ${s - 32}) | 0; ${dh} = 0;`;
        return s < 32 ? `${dl} = (${dl} >>> ${s}) | (${dh} << ${32 - s}); ${dh} = ${dh} >> ${s};` : `${dl} = ${dh} >> ${s - 32}; ${dh} = ${dh} >> 31;`;
      }
      return `${op}64(${dh}, ${dl}, ${bl}); ${dl} = O[0]; ${dh} = O[1];`;
    }
  }
}

function alu32(op: AluOp, d: Register, b: string): string {
  const dl = L(d);
  const set = (e: string): string => `${dl} = ${e}; h${d} = 0;`;
  switch (op) {
    case 'mov': return set(b);
    case 'add': return set(`(${dl} + ${b}) | 0`);
    case 'sub': return set(`(${dl} - ${b}) | 0`);
    case 'mul': return set(`Math.imul(${dl}, ${b})`);
    case 'and': return set(`${dl} & ${b}`);
    case 'or': return set(`${dl} | ${b}`);
    case 'xor': return set(`${dl} ^ ${b}`);
    case 'lsh': return set(`${dl} << ${b}`);
    // `| 0`: registers hold int32 halves; a bare >>> leaves a uint32 that later ops misread (found by the differential campaign).
    case 'rsh': return set(`(${dl} >>> ${b}) | 0`);
    case 'arsh': return set(`${dl} >> ${b}`);
    case 'div': return `t = ${b}; ${set(`t === 0 ? 0 : ((${dl} >>> 0) / (t >>> 0)) | 0`)}`;
    case 'mod': return `t = ${b}; ${set(`t === 0 ? ${dl} : ((${dl} >>> 0) % (t >>> 0)) | 0`)}`;
    // INT_MIN / -1 overflows to INT_MIN, as (a / b) | 0 gives; the remainder's sign follows the dividend.
    case 'sdiv': return `t = ${b}; ${set(`t === 0 ? 0 : (${dl} / t) | 0`)}`;
    case 'smod': return `t = ${b}; ${set(`t === 0 ? ${dl} : (${dl} % t) | 0`)}`;
  }
}

function cond64(op: JumpOp, d: Register, bh: string, bl: string): string {
  const dh = H(d), dl = L(d);
  const ult = (x: string, y: string, xl: string, yl: string, cmp: string): string =>
    `((${x} >>> 0) ${cmp[0]} (${y} >>> 0) || (${x} === ${y} && (${xl} >>> 0) ${cmp} (${yl} >>> 0)))`;
  const slt = (x: string, y: string, xl: string, yl: string, cmp: string): string =>
    `(${x} ${cmp[0]} ${y} || (${x} === ${y} && (${xl} >>> 0) ${cmp} (${yl} >>> 0)))`;
  switch (op) {
    case 'jeq': return `(${dl} === ${bl} && ${dh} === ${bh})`;
    case 'jne': return `(${dl} !== ${bl} || ${dh} !== ${bh})`;
    case 'jset': return `((${dl} & ${bl}) !== 0 || (${dh} & ${bh}) !== 0)`;
    case 'jgt': return ult(dh, bh, dl, bl, '>');
    case 'jge': return ult(dh, bh, dl, bl, '>=');
    case 'jlt': return ult(dh, bh, dl, bl, '<');
    case 'jle': return ult(dh, bh, dl, bl, '<=');
    case 'jsgt': return slt(dh, bh, dl, bl, '>');
    case 'jsge': return slt(dh, bh, dl, bl, '>=');
    case 'jslt': return slt(dh, bh, dl, bl, '<');
    case 'jsle': return slt(dh, bh, dl, bl, '<=');
  }
}

function cond32(op: JumpOp, d: Register, b: string): string {
  const a = L(d);
  const cmp: Record<JumpOp, string> = {
    jeq: `${a} === ${b}`, jne: `${a} !== ${b}`, jset: `(${a} & ${b}) !== 0`,
    jgt: `(${a} >>> 0) > (${b} >>> 0)`, jge: `(${a} >>> 0) >= (${b} >>> 0)`, jlt: `(${a} >>> 0) < (${b} >>> 0)`, jle: `(${a} >>> 0) <= (${b} >>> 0)`,
    jsgt: `${a} > ${b}`, jsge: `${a} >= ${b}`, jslt: `${a} < ${b}`, jsle: `${a} <= ${b}`,
  };
  return `(${cmp[op]})`;
}

/** data, data_end, data_meta of xdp_md (0, 4, 8) and __sk_buff (76, 80, 140). */
const CTX_POINTER_OFFSETS = new Set([0, 4, 8, 76, 80, 140]);

const i32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

function generate(prog: PreparedProgram): string {
  const starts = blockStarts(prog);
  const slots = prog.slots;
  const out: string[] = [];
  // rem[pc]: instructions of pc's block after pc (counted on block entry, not yet executed).
  const rem: number[] = new Array<number>(slots.length).fill(0);
  const blockLen = new Map<number, number>();
  let blockStart = 0;
  const blockInsns: number[] = [];
  const closeBlock = (): void => {
    blockLen.set(blockStart, blockInsns.length);
    blockInsns.forEach((pc, i) => { rem[pc] = blockInsns.length - 1 - i; });
    blockInsns.length = 0;
  };
  slots.forEach((insn, pc) => {
    if (insn === undefined) return;
    if (starts.has(pc) && pc !== 0) { closeBlock(); blockStart = pc; }
    blockInsns.push(pc);
  });
  closeBlock();

  const jumpTo = (target: number): string => `pc = ${target}; continue;`;
  slots.forEach((insn, pc) => {
    if (insn === undefined) return;
    const next = pc + (insn.kind === 'ldImm64' ? 2 : 1);
    if (starts.has(pc)) {
      out.push(`case ${pc}: n += ${blockLen.get(pc)}; if (n > lim) { n -= ${blockLen.get(pc)!}; m.count += n; n = 0; return resume(m, ${pc}, depth, fp, frames, mayGoto, [h0, l0, h1, l1, h2, l2, h3, l3, h4, l4, h5, l5, h6, l6, h7, l7, h8, l8, h9, l9, h10, l10]); }`);
    }
    out.push(instruction(insn, pc, next, rem[pc]!, jumpTo, prog));
  });
  out.push(`pc = ${slots.length}; default: badPc(pc, n);`);
  const regs = Array.from({ length: 11 }, (_, i) => `h${i} = 0, l${i} = 0`).join(', ');
  return `
const rem = ${JSON.stringify(rem)};
return function run(m, entry, a, depth) {
  let ${regs};
  let t = 0, ah = 0, al = 0, n = 0, pc = entry, fp = 0, mayGoto = ${MAY_GOTO_BUDGET};
  let lim = m.maxInsns - m.count;
  // Allocated at the first bpf-to-bpf call: most programs make none, and an allocation per run costs more than a short run.
  let frames = EMPTY_FRAMES;
  l1 = a[0]; h1 = a[1]; l2 = a[2]; h2 = a[3]; l3 = a[4]; h3 = a[5]; l4 = a[6]; h4 = a[7]; l5 = a[8]; h5 = a[9];
  h10 = m.stackHi; l10 = ${FRAME_SIZE} * (${MAX_FRAMES} - depth);
  try {
    for (;;) {
      switch (pc) {
${out.join('\n')}
      }
    }
  } catch (e) {
    if (e instanceof FaultSignal && !e.counted) { m.count += n - (rem[e.fault.insn] ?? 0); e.counted = true; }
    throw e;
  }
  function badPc(pc, cnt) {
    m.count += cnt;
    n = 0;
    const f = new FaultSignal({ kind: 'instruction', insn: pc, message: pc >= slots.length ? 'execution ran off the end of the program' : 'jump into the middle of an ld_imm64' });
    f.counted = true;
    throw f;
  }
};`;
}

function instruction(insn: Instruction, pc: number, next: number, rem: number, jumpTo: (t: number) => string, prog: PreparedProgram): string {
  switch (insn.kind) {
    case 'alu': {
      const d = insn.dst;
      if (insn.width === 64) {
        if (insn.src.kind === 'imm') {
          const v = insn.src.value | 0;
          return alu64(insn.op, d, v < 0 ? '-1' : '0', String(v), v);
        }
        const s = insn.src.reg;
        if (s === d && (insn.op === 'sub' || insn.op === 'xor')) return `${L(d)} = 0; ${H(d)} = 0;`;
        return alu64(insn.op, d, H(s), L(s), undefined);
      }
      if (insn.src.kind === 'imm') {
        const v = insn.src.value | 0;
        return alu32(insn.op, d, insn.op === 'lsh' || insn.op === 'rsh' || insn.op === 'arsh' ? String(v & 31) : `(${v})`);
      }
      const s = L(insn.src.reg);
      return alu32(insn.op, d, insn.op === 'lsh' || insn.op === 'rsh' || insn.op === 'arsh' ? `(${s} & 31)` : s);
    }
    case 'neg':
      return insn.width === 64
        ? `${H(insn.dst)} = (~${H(insn.dst)} + (${L(insn.dst)} === 0 ? 1 : 0)) | 0; ${L(insn.dst)} = -${L(insn.dst)} | 0;`
        : `${L(insn.dst)} = -${L(insn.dst)} | 0; ${H(insn.dst)} = 0;`;
    case 'movsx': {
      const s = L(insn.src);
      const v = insn.bits === 32 ? s : `((${s} << ${32 - insn.bits}) >> ${32 - insn.bits})`;
      return `${L(insn.dst)} = ${v}; ${H(insn.dst)} = ${insn.width === 64 ? `${L(insn.dst)} >> 31` : '0'};`;
    }
    case 'addrSpaceCast':
      return insn.dstAddrSpace === 1
        ? `${L(insn.dst)} = ${L(insn.src)}; ${H(insn.dst)} = 0;`
        : `${L(insn.dst)} = ${L(insn.src)}; ${H(insn.dst)} = ${L(insn.src)} === 0 ? 0 : m.arenaHi;`;
    case 'endian': {
      const d = insn.dst, dl = L(d), dh = H(d);
      if (insn.order === 'le') return insn.bits === 16 ? `${dl} &= 0xffff; ${dh} = 0;` : insn.bits === 32 ? `${dh} = 0;` : '';
      if (insn.bits === 16) return `${dl} = ((${dl} & 0xff) << 8) | ((${dl} >>> 8) & 0xff); ${dh} = 0;`;
      if (insn.bits === 32) return `${dl} = bswap32(${dl}); ${dh} = 0;`;
      return `t = ${dl}; ${dl} = bswap32(${dh}); ${dh} = bswap32(t);`;
    }
    case 'ja': return jumpTo(next + insn.offset);
    case 'gotol': return jumpTo(next + insn.imm);
    case 'jump': {
      const d = insn.dst;
      let c: string;
      if (insn.width === 64) {
        if (insn.src.kind === 'imm') { const v = insn.src.value | 0; c = cond64(insn.op, d, v < 0 ? '(-1)' : '0', `(${v})`); } else c = cond64(insn.op, d, H(insn.src.reg), L(insn.src.reg));
      } else c = cond32(insn.op, d, insn.src.kind === 'imm' ? `(${insn.src.value | 0})` : L(insn.src.reg));
      return `if ${c} { ${jumpTo(next + insn.offset)} }`; // else fall through into the next block
    }
    case 'mayGoto': return `if (mayGoto === 0) { ${jumpTo(next + insn.offset)} } mayGoto--;`;
    case 'call':
    case 'callx': {
      if (insn.kind === 'call' && insn.callee === 'local') {
        return `if (depth + fp + 1 >= ${MAX_FRAMES}) callFault(${pc});
if (fp === 0 && frames.length === 0) frames = new Int32Array(${MAX_FRAMES * 12});
t = fp * 12; frames[t] = ${next}; frames[t + 1] = mayGoto; frames[t + 2] = h6; frames[t + 3] = l6; frames[t + 4] = h7; frames[t + 5] = l7;
frames[t + 6] = h8; frames[t + 7] = l8; frames[t + 8] = h9; frames[t + 9] = l9; frames[t + 10] = h10; frames[t + 11] = l10; fp++;
l10 = (l10 - ${FRAME_SIZE}) | 0; mayGoto = ${MAY_GOTO_BUDGET}; ${jumpTo(next + insn.imm)}`;
      }
      if (insn.kind === 'call' && insn.callee === 'kfunc') return `kfuncFault(${pc}, ${insn.imm});`;
      const id = insn.kind === 'call' ? String(insn.imm) : `(${L(insn.dst)} >>> 0)`;
      return `m.count += n - ${rem}; n = ${rem};
helper(m, ${id}, ${pc}, depth + fp, h1, l1, h2, l2, h3, l3, h4, l4, h5, l5); l0 = O[0]; h0 = O[1];
if (m.tailCall !== undefined) { m.count += n - ${rem}; return 1; }
lim = m.maxInsns - m.count;`;
    }
    case 'exit':
      return `if (fp === 0) { m.count += n; O[0] = l0; O[1] = h0; return 0; }
fp--; t = fp * 12; pc = frames[t]; mayGoto = frames[t + 1]; h6 = frames[t + 2]; l6 = frames[t + 3]; h7 = frames[t + 4]; l7 = frames[t + 5];
h8 = frames[t + 6]; l8 = frames[t + 7]; h9 = frames[t + 8]; l9 = frames[t + 9]; h10 = frames[t + 10]; l10 = frames[t + 11]; continue;`;
    case 'ldImm64': {
      const v = prog.imm64.get(pc)!;
      return `${L(insn.dst)} = ${i32(v)}; ${H(insn.dst)} = ${i32(v >> 32n)};`;
    }
    case 'ldx': {
      const d = insn.dst;
      const a = address(insn.src, insn.offset);
      if (insn.size === 8) return `${a} ld8(ah, al, ${pc}); ${L(d)} = O[0]; ${H(d)} = O[1];`;
      const load = `ld${insn.size}(ah, al, ${pc})`;
      // 4-byte loads at the offsets of context pointer fields may yield a 64-bit pointer.
      if (insn.size === 4 && !insn.signed && CTX_POINTER_OFFSETS.has(insn.offset)) return `${a} ${L(d)} = ld4x(ah, al, ${pc}); ${H(d)} = O[1];`;
      if (!insn.signed) return `${a} ${L(d)} = ${load}; ${H(d)} = 0;`;
      const v = insn.size === 4 ? load : `((${load} << ${32 - insn.size * 8}) >> ${32 - insn.size * 8})`;
      return `${a} ${L(d)} = ${v}; ${H(d)} = ${L(d)} >> 31;`;
    }
    case 'st': {
      const a = address(insn.dst, insn.offset);
      const v = insn.imm | 0;
      return insn.size === 8 ? `${a} st8(ah, al, ${v}, ${v < 0 ? -1 : 0}, ${pc});` : `${a} st${insn.size}(ah, al, ${v}, ${pc});`;
    }
    case 'stx': {
      const a = address(insn.dst, insn.offset);
      const s = insn.src;
      return insn.size === 8 ? `${a} st8(ah, al, ${L(s)}, ${H(s)}, ${pc});` : `${a} st${insn.size}(ah, al, ${L(s)}, ${pc});`;
    }
    case 'atomic': {
      if (insn.op === 'loadAcquire') {
        const a = address(insn.src, insn.offset);
        return insn.size === 8 ? `${a} ld8(ah, al, ${pc}); ${L(insn.dst)} = O[0]; ${H(insn.dst)} = O[1];`
          : `${a} ${L(insn.dst)} = ld${insn.size}(ah, al, ${pc}); ${H(insn.dst)} = 0;`;
      }
      const a = address(insn.dst, insn.offset);
      const s = insn.src;
      if (insn.op === 'storeRelease') {
        return insn.size === 8 ? `${a} st8(ah, al, ${L(s)}, ${H(s)}, ${pc});` : `${a} st${insn.size}(ah, al, ${L(s)}, ${pc});`;
      }
      return `${a} atomic(m, '${insn.op}', ${insn.size}, ah, al, h${s}, l${s}, h0, l0, ${pc});${insn.op === 'cmpxchg' ? ` l0 = O[0]; h0 = O[1];` : insn.fetch ? ` ${L(s)} = O[0]; ${H(s)} = O[1];` : ''}`;
    }
    case 'ldAbs':
    case 'ldInd': {
      const off = insn.kind === 'ldAbs' ? String(insn.imm | 0) : `((${L(insn.src)} + ${insn.imm | 0}) | 0)`;
      return `if (!ldAbs(m, ${off}, ${insn.size})) { m.count += n - ${rem}; O[0] = 0; O[1] = 0; return 0; } l0 = O[0]; h0 = O[1];`;
    }
  }
}

// --- the runtime the generated code calls --------------------------------------------------

/** The plain region holding the access, or undefined for the slow path (Memory: hooks and faults). */
function region(m: Machine, hi: number, lo: number, size: number, write: boolean): { bytes: Uint8Array; view: DataView } | undefined {
  const r = hi > 0 ? m.mem.regions[hi] : undefined;
  return r !== undefined && (lo >>> 0) + size <= r.bytes.length && (!write || r.writable) ? r : undefined;
}

const runtime = {
  O: OUT, FaultSignal, mul64, divmod64, lsh64, rsh64, arsh64, bswap32,
  callFault: (pc: number): never => fault('call', pc, `call depth exceeds ${MAX_FRAMES - 1} frames`),
  kfuncFault: (pc: number, id: number): never => fault('helper', pc, `kfunc calls (BTF id ${id}) are not supported by the vm`),
  helper(m: Machine, id: number, pc: number, depth: number, h1: number, l1: number, h2: number, l2: number, h3: number, l3: number, h4: number, l4: number, h5: number, l5: number): void {
    const big = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
    const r = BigInt.asUintN(64, m.callHelper(id, [big(h1, l1), big(h2, l2), big(h3, l3), big(h4, l4), big(h5, l5)], pc, depth));
    OUT[0] = Number(BigInt.asIntN(32, r));
    OUT[1] = Number(BigInt.asIntN(32, r >> 32n));
  },
  atomic(m: Machine, op: string, size: 4 | 8, ah: number, al: number, sh: number, sl: number, h0: number, l0: number, pc: number): void {
    const addr = (BigInt(ah >>> 0) << 32n) | BigInt(al >>> 0);
    const w = size * 8;
    const old = m.mem.loadBig(addr, size, pc);
    const v = BigInt.asUintN(w, (BigInt(sh >>> 0) << 32n) | BigInt(sl >>> 0));
    let r = old;
    switch (op) {
      case 'add': m.mem.storeBig(addr, size, BigInt.asUintN(w, old + v), pc); break;
      case 'or': m.mem.storeBig(addr, size, old | v, pc); break;
      case 'and': m.mem.storeBig(addr, size, old & v, pc); break;
      case 'xor': m.mem.storeBig(addr, size, old ^ v, pc); break;
      case 'xchg': m.mem.storeBig(addr, size, v, pc); break;
      case 'cmpxchg': {
        const r0 = BigInt.asUintN(w, (BigInt(h0 >>> 0) << 32n) | BigInt(l0 >>> 0));
        if (old === r0) m.mem.storeBig(addr, size, v, pc);
        r = old;
        break;
      }
    }
    OUT[0] = Number(BigInt.asIntN(32, r));
    OUT[1] = Number(BigInt.asIntN(32, r >> 32n));
  },
  ldAbs(m: Machine, off: number, size: 1 | 2 | 4): boolean {
    const v = m.ldAbs(off, size);
    if (v === undefined) return false;
    OUT[0] = Number(BigInt.asIntN(32, v));
    OUT[1] = 0;
    return true;
  },
};

const FACTORY_PARAMS = ['slots', 'O', 'FaultSignal', 'mul64', 'divmod64', 'lsh64', 'rsh64', 'arsh64', 'bswap32', 'callFault', 'kfuncFault', 'helper', 'atomic', 'ldAbs', 'ld1', 'ld2', 'ld4', 'ld8', 'st1', 'st2', 'st4', 'st8', 'mref', 'resume', 'ld4x', 'EMPTY_FRAMES'];

/**
 * The last steps before the instruction limit run in the interpreter, which stops at exactly the
 * limit's instruction (a block may end in a fault before it), from the compiled engine's state.
 */
function resumeIn(prog: PreparedProgram) {
  return (m: Machine, pc: number, depth: number, fp: number, f: Int32Array, mayGoto: number, hl: number[]): number => {
    const big = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
    const regs = Array.from({ length: 11 }, (_, i) => big(hl[2 * i]!, hl[2 * i + 1]!));
    const frames: Frame[] = [];
    for (let k = 0; k < fp; k++) {
      const t = k * 12;
      frames.push({ ret: f[t]!, mayGoto: f[t + 1]!, saved: [0, 1, 2, 3, 4].map((i) => big(f[t + 2 + 2 * i]!, f[t + 3 + 2 * i]!)) });
    }
    const r = interpret(prog, m, pc, [], depth, { regs, frames, mayGoto });
    OUT[0] = Number(BigInt.asIntN(32, r.r0));
    OUT[1] = Number(BigInt.asIntN(32, r.r0 >> 32n));
    return r.tail ? 1 : 0;
  };
}

const cache = new WeakMap<PreparedProgram, Compiled>();

/** The JavaScript source generated for a program (for inspection and the docs). */
export function compiledSource(prog: PreparedProgram): string {
  return generate(prog);
}

function compile(prog: PreparedProgram): Compiled {
  const hit = cache.get(prog);
  if (hit !== undefined) return hit;
  // Memory accessors close over a per-compilation reference to the running machine (set per run),
  // so that the generated code passes only (hi, lo, pc).
  const mref: { m: Machine | undefined } = { m: undefined };
  const ld1 = (hi: number, lo: number, pc: number): number => {
    const r = region(mref.m!, hi, lo, 1, false);
    return r !== undefined ? r.bytes[lo >>> 0]! : mref.m!.mem.load(hi, lo, 1, pc);
  };
  const ld2 = (hi: number, lo: number, pc: number): number => {
    const r = region(mref.m!, hi, lo, 2, false);
    return r !== undefined ? r.view.getUint16(lo >>> 0, true) : mref.m!.mem.load(hi, lo, 2, pc);
  };
  const ld4 = (hi: number, lo: number, pc: number): number => {
    const r = region(mref.m!, hi, lo, 4, false);
    return r !== undefined ? r.view.getInt32(lo >>> 0, true) : mref.m!.mem.load(hi, lo, 4, pc);
  };
  const ld4x = (hi: number, lo: number, pc: number): number => {
    const r = region(mref.m!, hi, lo, 4, false);
    if (r !== undefined) { OUT[1] = 0; return r.view.getInt32(lo >>> 0, true); }
    const hook = hi > 0 ? mref.m!.mem.regions[hi]?.hook : undefined;
    const at = hook?.pointerAt?.(lo >>> 0) ?? -1;
    if (at >= 0) { OUT[1] = hook!.pointerHi!; return at; }
    const v = mref.m!.mem.loadWide(hi, lo, pc);
    OUT[1] = Number(BigInt.asIntN(32, v >> 32n));
    return Number(BigInt.asIntN(32, v));
  };
  const ld8 = (hi: number, lo: number, pc: number): void => {
    const r = region(mref.m!, hi, lo, 8, false);
    if (r === undefined) { const t = mref.m!.mem; t.load64(hi, lo, pc); OUT[0] = t.t[0]!; OUT[1] = t.t[1]!; return; }
    OUT[0] = r.view.getInt32(lo >>> 0, true);
    OUT[1] = r.view.getInt32((lo >>> 0) + 4, true);
  };
  const st1 = (hi: number, lo: number, x: number, pc: number): void => {
    const r = region(mref.m!, hi, lo, 1, true);
    if (r !== undefined) r.bytes[lo >>> 0] = x; else mref.m!.mem.store(hi, lo, 1, x & 0xff, pc);
  };
  const st2 = (hi: number, lo: number, x: number, pc: number): void => {
    const r = region(mref.m!, hi, lo, 2, true);
    if (r !== undefined) r.view.setUint16(lo >>> 0, x & 0xffff, true); else mref.m!.mem.store(hi, lo, 2, x & 0xffff, pc);
  };
  const st4 = (hi: number, lo: number, x: number, pc: number): void => {
    const r = region(mref.m!, hi, lo, 4, true);
    if (r !== undefined) r.view.setInt32(lo >>> 0, x, true); else mref.m!.mem.store(hi, lo, 4, x, pc);
  };
  const st8 = (hi: number, lo: number, xl: number, xh: number, pc: number): void => {
    const r = region(mref.m!, hi, lo, 8, true);
    if (r === undefined) { mref.m!.mem.store64(hi, lo, xl, xh, pc); return; }
    r.view.setInt32(lo >>> 0, xl, true);
    r.view.setInt32((lo >>> 0) + 4, xh, true);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point of this engine
  const factory = new Function(...FACTORY_PARAMS, generate(prog)) as (...a: unknown[]) => Compiled;
  const inner = factory(prog.slots, runtime.O, runtime.FaultSignal, runtime.mul64, runtime.divmod64, runtime.lsh64, runtime.rsh64, runtime.arsh64,
    runtime.bswap32, runtime.callFault, runtime.kfuncFault, runtime.helper, runtime.atomic, runtime.ldAbs, ld1, ld2, ld4, ld8, st1, st2, st4, st8, mref, resumeIn(prog), ld4x, new Int32Array(0));
  const fn: Compiled = (m, entry, args, depth) => {
    const saved = mref.m;
    mref.m = m;
    try {
      return inner(m, entry, args, depth);
    } finally {
      mref.m = saved;
    }
  };
  cache.set(prog, fn);
  return fn;
}

const ARGS = new Int32Array(10);

/** The compiled engine, with the interpreter's interface. */
export function compiledEngine(prog: PreparedProgram, m: Machine, entry: number, args: readonly bigint[], depth: number): EngineResult {
  const fn = compile(prog);
  // The generated function copies the arguments into locals before anything can re-enter it.
  const a = ARGS;
  a.fill(0);
  for (let i = 0; i < 5 && i < args.length; i++) {
    const v = BigInt.asUintN(64, args[i]!);
    a[i * 2] = Number(BigInt.asIntN(32, v));
    a[i * 2 + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
  const status = fn(m, entry, a, depth);
  const r0 = (BigInt(OUT[1]! >>> 0) << 32n) | BigInt(OUT[0]! >>> 0);
  return { r0, tail: status === 1 };
}

export { CODE_HI };

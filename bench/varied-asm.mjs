// The assembler/disassembler bench input: `count` instructions drawn at random (seeded, so every
// run assembles the same file) from every instruction form llvm-mc-19 accepts for -mcpu=v4 — ALU
// and JMP in both widths with register and immediate sources, loads and stores of every size and
// mode (sign-extending, legacy packet access), atomics of both widths with and without fetch,
// ld_imm64 with a number, a local label and an extern symbol, helper calls, local calls, extern
// calls, callx, may_goto — with labels every few instructions that jumps reach forwards and
// backwards, and relocations (extern symbols in ld_imm64 and call).

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    // xorshift32: fast, deterministic, good enough to spread the forms
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

const ALU_OPS = ['+=', '-=', '*=', '/=', '%=', '|=', '&=', '<<=', '>>=', 's>>=', '^=', '=', 's/=', 's%='];
const JMP_OPS = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];
const SIZES = ['u8', 'u16', 'u32', 'u64'];
const ATOMIC_OPS = ['+=', '|=', '&=', '^='];
const FETCH_OPS = ['add', 'or', 'and', 'xor'];

/** The source text: one function `prog` of `count` instructions (ld_imm64 counts as one). */
export function variedSource(count, seed = 1) {
  const next = rng(seed);
  const pick = (xs) => xs[next() % xs.length];
  const reg = () => next() % 10; // r0..r9
  const imm = () => {
    const k = next() % 4;
    return k === 0 ? next() % 16 : k === 1 ? -(next() % 4096) : k === 2 ? (next() | 0) : next() % 65536;
  };
  const shift = (w) => next() % (w ? 32 : 64);
  const LABEL_EVERY = 16;
  const labels = Math.ceil(count / LABEL_EVERY) + 1;
  // A jump target: a label within ±8 of this one (forwards or backwards), never out of range.
  const target = (here) => `.L${Math.min(labels - 1, Math.max(0, here + (next() % 17) - 8))}`;
  const forms = [
    // ALU64 and ALU32, immediate and register sources
    (l) => { const o = pick(ALU_OPS); return `r${reg()} ${o} ${o.includes('<') || o.includes('>') ? shift(false) : imm()}`; },
    (l) => `r${reg()} ${pick(ALU_OPS)} r${reg()}`,
    (l) => { const o = pick(ALU_OPS); return `w${reg()} ${o} ${o.includes('<') || o.includes('>') ? shift(true) : imm()}`; },
    (l) => `w${reg()} ${pick(ALU_OPS)} w${reg()}`,
    (l) => { const r = reg(); return next() % 2 ? `r${r} = -r${r}` : `w${r} = -w${r}`; },
    (l) => next() % 2 ? `r${reg()} = (${pick(['s8', 's16', 's32'])})r${reg()}` : `w${reg()} = (${pick(['s8', 's16'])})w${reg()}`,
    (l) => { const r = reg(); return `r${r} = ${pick(['le16', 'le32', 'le64', 'be16', 'be32', 'be64', 'bswap16', 'bswap32', 'bswap64'])} r${r}`; },
    // JMP and JMP32, immediate and register, to labels
    (l) => `if r${reg()} ${pick(JMP_OPS)} ${imm()} goto ${target(l)}`,
    (l) => `if r${reg()} ${pick(JMP_OPS)} r${reg()} goto ${target(l)}`,
    (l) => `if w${reg()} ${pick(JMP_OPS)} ${imm()} goto ${target(l)}`,
    (l) => `if w${reg()} ${pick(JMP_OPS)} w${reg()} goto ${target(l)}`,
    (l) => `goto ${target(l)}`,
    (l) => `gotol ${target(l)}`,
    (l) => `may_goto ${target(l)}`,
    // loads: every size, zero- and sign-extending, 32-bit destination, legacy packet access
    (l) => `r${reg()} = *(${pick(SIZES)} *)(r${reg()} ${next() % 2 ? '+' : '-'} ${next() % 256})`,
    (l) => `w${reg()} = *(${pick(['u8', 'u16', 'u32'])} *)(r${reg()} + ${next() % 256})`,
    (l) => `r${reg()} = *(${pick(['s8', 's16', 's32'])} *)(r${reg()} ${next() % 2 ? '+' : '-'} ${next() % 256})`,
    (l) => `r0 = *(${pick(['u8', 'u16', 'u32'])} *)skb[${next() % 2 ? next() % 64 : `r${1 + (next() % 9)}`}]`,
    // stores: register (both widths) and immediate, every size
    (l) => `*(${pick(SIZES)} *)(r${reg()} ${next() % 2 ? '+' : '-'} ${next() % 256}) = r${reg()}`,
    (l) => `*(${pick(['u8', 'u16', 'u32'])} *)(r${reg()} + ${next() % 256}) = w${reg()}`,
    (l) => `*(${pick(SIZES)} *)(r10 - ${8 + (next() % 64)}) = ${imm()}`,
    // atomics, 32 and 64 bits, with and without fetch
    (l) => `lock *(u64 *)(r${reg()} + ${next() % 64}) ${pick(ATOMIC_OPS)} r${reg()}`,
    (l) => `lock *(u32 *)(r${reg()} + ${next() % 64}) ${pick(ATOMIC_OPS)} w${reg()}`,
    (l) => { const r = reg(); return `r${r} = atomic_fetch_${pick(FETCH_OPS)}((u64 *)(r${reg()} + ${next() % 64}), r${r})`; },
    (l) => { const r = reg(); return `w${r} = atomic_fetch_${pick(FETCH_OPS)}((u32 *)(r${reg()} + ${next() % 64}), w${r})`; },
    (l) => { const r = reg(); return next() % 2 ? `r${r} = xchg_64(r${reg()} + ${next() % 64}, r${r})` : `w${r} = xchg32_32(r${reg()} + ${next() % 64}, w${r})`; },
    (l) => next() % 2 ? `r0 = cmpxchg_64(r${reg()} + ${next() % 64}, r0, r${1 + (next() % 9)})` : `w0 = cmpxchg32_32(r${reg()} + ${next() % 64}, w0, w${1 + (next() % 9)})`,
    // ld_imm64: a number, an extern symbol (relocation), a local label
    (l) => `r${reg()} = ${(BigInt(next()) << 32n) | BigInt(next())} ll`,
    (l) => `r${reg()} = ext_map${next() % 8} ll`,
    // calls: helper, local function, extern function (relocation), callx
    (l) => `call ${1 + (next() % 200)}`,
    (l) => 'call sub',
    (l) => `call ext_fn${next() % 4}`,
    (l) => `callx r${reg()}`,
    (l) => 'r0 = 0',
  ];
  const lines = ['\t.text', '\t.globl\tprog', '\t.type\tprog,@function', 'prog:', '.L0:'];
  let label = 0;
  for (let i = 0; i < count - 2; i++) {
    if (i % LABEL_EVERY === LABEL_EVERY - 1) lines.push(`.L${++label}:`);
    lines.push(`\t${forms[next() % forms.length](label)}`);
  }
  while (label < labels - 1) lines.push(`.L${++label}:`);
  lines.push('\texit', 'sub:', '\texit', '');
  return lines.join('\n');
}

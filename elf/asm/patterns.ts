// Instruction patterns as token sequences, and the trie they compile into.
//
// llvm-mc's BPF parser does not parse instructions by grammar: it splits a
// statement into a flat list of operands — punctuation tokens (two-character
// operators such as `==`, `>=`, `<<` split into single characters), keyword
// tokens (`goto`, `ll`, `u32`, ...), registers and immediate expressions;
// commas are dropped — and then looks for an instruction whose asm string
// tokenizes to exactly that list. So `r1 > > = 7` is `r1 >>= 7`, and
// `ld_pseudo r1 1 3` is `ld_pseudo r1, 1, 3`. We do the same: each pattern
// below is such a list, the operand scanner walks the trie as it goes.
//
// Pattern words: `R`/`W` an r/w register (r0..r11, w0..w11), `R0`/`W0` a
// register that must be r0/w0, `#x` an immediate of class x (see
// statements.ts), anything else a literal token.

/** Operand keys. Literal tokens get keys from FIRST_TOKEN_KEY up. */
export const KEY_R = 0;
export const KEY_W = 1;
export const KEY_IMM = 2;
/** A keyword in the wrong case (`GOTO`): llvm-mc takes it as a token that matches nothing. */
export const KEY_BAD = 3;
const FIRST_TOKEN_KEY = 4;

/** Keywords llvm-mc 19 takes as tokens after the first operand (compared case-insensitively). */
export const MIDDLE_KEYWORDS = [
  'goto', 'gotol', 'll', 'skb', 's',
  'be16', 'be32', 'be64', 'le16', 'le32', 'le64', 'bswap16', 'bswap32', 'bswap64',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32',
  'atomic_fetch_add', 'atomic_fetch_and', 'atomic_fetch_or', 'atomic_fetch_xor',
  'xchg_64', 'xchg32_32', 'cmpxchg_64', 'cmpxchg32_32', 'addr_space_cast',
] as const;

/** Names that may start an instruction besides a register (compared after lowering case). */
export const START_KEYWORDS = ['lock', '*', 'if', 'call', 'callx', 'goto', 'gotol', 'may_goto', 'exit', 'ld_pseudo'] as const;

const PUNCT = ['=', '!', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '(', ')', '[', ']'] as const;

const tokenKeys = new Map<string, number>();
const keyNames: string[] = ['an r register', 'a w register', 'an immediate', '?'];
for (const t of [...PUNCT, ...MIDDLE_KEYWORDS, ...START_KEYWORDS]) {
  if (!tokenKeys.has(t)) {
    tokenKeys.set(t, FIRST_TOKEN_KEY + tokenKeys.size);
    keyNames.push(`'${t}'`);
  }
}
export const KEY_COUNT = FIRST_TOKEN_KEY + tokenKeys.size;

/** Key of a literal token, or undefined when no pattern uses it. */
export function tokenKey(t: string): number | undefined {
  return tokenKeys.get(t);
}

export const middleKeywordKeys = new Map<string, number>(MIDDLE_KEYWORDS.map((k) => [k, tokenKeys.get(k)!]));
export const middleKeywordsLower = new Set<string>(MIDDLE_KEYWORDS);
export const startKeywordKeys = new Map<string, number>(START_KEYWORDS.map((k) => [k, tokenKeys.get(k)!]));

export function describeKey(key: number): string {
  return keyNames[key] ?? '?';
}

/** What a completed pattern stands for; `T` is the statement builder type. */
export interface PatternEntry<T> {
  readonly pattern: string;
  /** Immediate classes in order of appearance. */
  readonly immClasses: string;
  /** For each register operand in order: the register it must be ('r0'/'w0'), or null for any. */
  readonly regZero: readonly (string | null)[];
  /** Some register operand is fixed to r0/w0. */
  readonly hasZero: boolean;
  readonly value: T;
}

/**
 * The patterns as a deterministic automaton in one flat table (compact, so
 * the hot lookups stay in cache): state s goes to `next[s * KEY_COUNT + key]`
 * on an operand with that key, -1 when no pattern continues that way. State
 * 0 is the start; `entries[s]` is the pattern completed in state s, if any.
 */
export class PatternAutomaton<T> {
  constructor(readonly next: Int32Array, readonly entries: readonly (PatternEntry<T> | null)[]) {}

  step(state: number, key: number): number {
    return this.next[state * KEY_COUNT + key]!;
  }
}

export function compilePatterns<T>(list: readonly (readonly [string, T])[]): PatternAutomaton<T> {
  // One flat table, grown as states are added (-1: no transition).
  let next = new Int32Array(256 * KEY_COUNT).fill(-1);
  const entries: (PatternEntry<T> | null)[] = [null];
  for (const [pattern, value] of list) {
    let state = 0;
    let immClasses = '';
    const regZero: (string | null)[] = [];
    for (const word of pattern.split(' ')) {
      let key: number;
      if (word === 'R' || word === 'R0') { key = KEY_R; regZero.push(word === 'R0' ? 'r0' : null); }
      else if (word === 'W' || word === 'W0') { key = KEY_W; regZero.push(word === 'W0' ? 'w0' : null); }
      else if (word.startsWith('#')) { key = KEY_IMM; immClasses += word.slice(1); }
      else {
        const k = tokenKeys.get(word);
        if (k === undefined) throw new Error(`pattern ${pattern}: unknown token ${word}`);
        key = k;
      }
      let child = next[state * KEY_COUNT + key]!;
      if (child < 0) {
        child = entries.length;
        entries.push(null);
        if ((child + 1) * KEY_COUNT > next.length) {
          const grown = new Int32Array(next.length * 2).fill(-1);
          grown.set(next);
          next = grown;
        }
        next[state * KEY_COUNT + key] = child;
      }
      state = child;
    }
    if (entries[state] !== null) throw new Error(`duplicate pattern ${pattern}`);
    entries[state] = { pattern, immClasses, regZero, hasZero: regZero.some((z) => z !== null), value };
  }
  return new PatternAutomaton(next.slice(0, entries.length * KEY_COUNT), entries);
}

/** Human list of what may follow a partial match. */
export function expectedAfter<T>(a: PatternAutomaton<T>, state: number): string {
  const names: string[] = [];
  for (let k = 0; k < KEY_COUNT; k++) if (a.step(state, k) >= 0) names.push(describeKey(k));
  if (a.entries[state] !== null) names.push('end of statement');
  if (names.length === 0) return 'nothing';
  if (names.length > 8) return `${names.slice(0, 8).join(', ')}, ...`;
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

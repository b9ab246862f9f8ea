// Hand-written programs for what the verifier infers from comparisons and from the program's
// context (labelled live by the kernel in test/verifier-model.test.ts).

import type { ModelCase } from './verifier-cases.js';

/**
 * r6 = skb->sk (checked), r7 = sk_fullsock(r6) unchecked with a copy in r8, r0 = sk_fullsock(r6)
 * (NULL-checked when `checkR0`), then `tail`, whose instruction `end` is where the checks go.
 */
function twoFullsocks(checkR0: boolean, tail: readonly string[], end: number): string[] {
  const head = ['r6 = *(u64 *)(r1 + 168)', 'if r6 == 0 goto +X', 'r1 = r6', 'call 95', 'r7 = r0', 'r8 = r0', 'r1 = r6', 'call 95'];
  if (checkR0) head.push('if r0 == 0 goto +Y');
  const target = head.length + end;
  return [...head.map((l) => l.replace('+X', `+${target - 2}`).replace('+Y', `+${target - 9}`)), ...tail];
}
const jne = (reg: string): string[] => ['if r0 != r7 goto +1', `r0 = *(u32 *)(${reg} + 8)`, 'r0 = 1', 'exit'];
const jeq = (reg: string): string[] => ['if r0 == r7 goto +1', 'goto +1', `r0 = *(u32 *)(${reg} + 8)`, 'r0 = 1', 'exit'];

export const inferenceCases: readonly ModelCase[] = [
  // jeq/jne between two pointers: a maybe-NULL one equal to a not-NULL one is not NULL either.
  { name: 'jne false branch: or_null equal to not-null', type: 'cgroup_skb', asm: twoFullsocks(true, jne('r7'), 2) },
  { name: 'jeq true branch: or_null equal to not-null', type: 'cgroup_skb', asm: twoFullsocks(true, jeq('r7'), 3) },
  { name: 'jeq true branch: the copy stays or_null', type: 'cgroup_skb', asm: twoFullsocks(true, jeq('r8'), 3) },
  { name: 'jne false branch: both or_null', type: 'cgroup_skb', asm: twoFullsocks(false, jne('r7'), 2) },
];

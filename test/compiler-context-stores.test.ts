// Stores into the context outside struct_ops: __sk_buff's mark, priority, tc_index and
// tc_classid in tc, mark and priority in cgroup_skb (read-only fields and other kinds refused at
// their line, by tsc and by the compiler). Against clang-19 on the same C: the same instructions
// modulo register choice and order; on the running kernel (BPF_PROG_TEST_RUN with a __sk_buff
// in and out) both objects leave the same mark and priority, the ones the program computes.

import { afterAll, describe, expect, it } from 'vitest';
import { loadObject, testRun } from '../loader/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { ipv4Frame } from './support/lang-frames.js';
import { shapes, slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-ctx-stores-');
afterAll(() => twins.remove());
const clangOk = requireReferences('clang-19');

const TS_SOURCE = `import { cgroupSkb, tc, TC_ACT_OK } from 'tsbpf/lang';
export const classify = tc((pkt) => {
  pkt.mark = pkt.mark + 1;
  pkt.priority = 7;
  pkt.tcClassid = 0x10002;
  pkt.tcIndex = pkt.ifindex;
  return TC_ACT_OK;
});
export const tag = cgroupSkb('egress', (pkt) => {
  pkt.mark = 0x2a;
  pkt.priority = pkt.priority | 4;
  return 1;
});
`;
const C_SOURCE = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("tc") int classify(struct __sk_buff *skb) {
  skb->mark = skb->mark + 1;
  skb->priority = 7;
  skb->tc_classid = 0x10002;
  skb->tc_index = skb->ifindex;
  return 0;
}
SEC("cgroup_skb/egress") int tag(struct __sk_buff *skb) {
  skb->mark = 0x2a;
  skb->priority = skb->priority | 4;
  return 1;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(!clangOk)('context stores against clang-19', () => {
  it('the same loads and stores (modulo registers and order), no more instructions', () => {
    const ours = twins.ts('skb', TS_SOURCE), theirs = twins.c('skb', C_SOURCE);
    const a = slots(ours), b = slots(theirs);
    console.info(`context stores: tsbpf ${JSON.stringify(a)}, clang-19 -O2 ${JSON.stringify(b)}`);
    for (const p of ['classify', 'tag']) {
      expect(shapes(ours, p)).toEqual(shapes(theirs, p));
      expect(a[p]).toBeLessThanOrEqual(b[p]!);
    }
  });
});

/** struct __sk_buff (linux/bpf.h, 192 bytes here): mark at 8, priority at 32, ifindex at 40. */
const SKB_SIZE = 192;
const skb = (mark: number, priority: number): Uint8Array => { const b = Buffer.alloc(SKB_SIZE); b.writeUInt32LE(mark, 8); b.writeUInt32LE(priority, 32); return b; };
const markPriority = (out: Uint8Array | undefined): [number, number] => { const b = Buffer.from(out!); return [b.readUInt32LE(8), b.readUInt32LE(32)]; };

describe.skipIf(!requireRoot() || !clangOk)('context stores on the running kernel (BPF_PROG_TEST_RUN, __sk_buff in and out)', () => {
  it('tc: mark + 1 and priority 7; cgroup_skb: mark 42 and priority | 4 — tsbpf\'s object and clang\'s alike', () => {
    const frame = ipv4Frame({ proto: 17, dport: 53 });
    const results = [twins.ts('skb', TS_SOURCE), twins.c('skb', C_SOURCE)].map((o, i) => {
      const c = loadObject(o, { name: `skb${i}` });
      try {
        const t = testRun(c.programs.get('classify')!, { data: frame, ctx: skb(41, 1) });
        const g = testRun(c.programs.get('tag')!, { data: frame, ctx: skb(5, 3) });
        return { tc: [t.retval, ...markPriority(t.ctxOut)], cg: [g.retval, ...markPriority(g.ctxOut)] };
      } finally { c.close(); }
    });
    expect(results[0]).toEqual({ tc: [0, 42, 7], cg: [1, 42, 7] });
    expect(results[1]).toEqual(results[0]);
  });
});

describe('context stores: mistakes at the TypeScript line', () => {
  const HEAD = "import { cgroupSkb, socketFilter, tc, xdp, XDP_PASS } from 'tsbpf/lang';\n";
  const cases: [string, string, number, RegExp][] = [
    ['a read-only field in tc', 'export const p = tc((pkt) => {\n  pkt.ifindex = 1;\n  return 0;\n});', 3, /skb->ifindex is read-only in tc programs \(writable: mark, priority, tcIndex, tcClassid\)/],
    ['tc_classid in cgroup_skb', "export const p = cgroupSkb('egress', (pkt) => {\n  pkt.tcClassid = 1;\n  return 1;\n});", 3, /skb->tc_classid is not readable in cgroup_skb programs/],
    ['tc_index written in cgroup_skb', "export const p = cgroupSkb('ingress', (pkt) => {\n  pkt.tcIndex = 1;\n  return 1;\n});", 3, /skb->tc_index is read-only in cgroup_skb programs \(writable: mark, priority\)/],
    ['mark written in a socket filter', 'export const p = socketFilter((pkt) => {\n  pkt.mark++;\n  return 0;\n});', 3, /skb->mark is read-only in socket filter programs/],
    ['mark in XDP', 'export const p = xdp((pkt) => {\n  pkt.mark = 1;\n  return XDP_PASS;\n});', 3, /an XDP program's context \(struct xdp_md\) has no mark/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
  it('tsc: a read-only field, a field the kind does not have', () => {
    const a = tscError(twins.dir, `${HEAD}export const p = tc((pkt) => {\n  pkt.hash = 1;\n  return 0;\n});\n`);
    expect([a.location.line, a.reason]).toEqual([3, "Cannot assign to 'hash' because it is a read-only property."]);
    const b = tscError(twins.dir, `${HEAD}export const p = xdp((pkt) => {\n  pkt.mark = 1;\n  return XDP_PASS;\n});\n`);
    expect([b.location.line, b.reason]).toEqual([3, "Property 'mark' does not exist on type 'Packet'."]);
    const c = tscError(twins.dir, `${HEAD}export const p = cgroupSkb('egress', (pkt) => {\n  pkt.tcClassid = 1;\n  return 1;\n});\n`);
    expect([c.location.line, c.reason]).toEqual([3, "Property 'tcClassid' does not exist on type 'SkbPacket'."]);
  });
});

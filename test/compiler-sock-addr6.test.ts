// tsbpf/lang cgroup sock_addr programs for IPv6 (connect6 … getsockname6) and the other new hooks
// (recvmsg, getpeername, getsockname): the context's user_ip6[4] / msg_src_ip6[4] as Arr<u32, 4>
// read and written by constant index, as clang-19 compiles the same C (the same loads and stores,
// at most clang -O2 + 10 % instructions); on the running kernel both objects, attached to a new
// cgroup, refuse, redirect and rewrite the UDP connects over ::1 of a process in it; the mistakes
// (another family's field, a variable index into the context, a return other than 1 where the
// kernel wants 1) are errors at their line.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readObject } from '../elf/index.js';
import { attachOptionsForSection, attachProgram, loadObject } from '../loader/index.js';
import { compileError, tscError } from './support/lang-errors.js';
import { shapes, slots, twinsDir } from './support/lang-twins.js';
import { requireReferences, requireRoot } from './support/references.js';

const twins = twinsDir('tsbpf-sock-addr6-');
afterAll(() => twins.remove());
const clangOk = requireReferences('clang-19');

const TS_SOURCE = `import { arrayMap, cgroupSockAddr, htonl, htons, type u64 } from 'tsbpf/lang';
export const refused = arrayMap<u64>({ maxEntries: 1 });
export const redirect6 = cgroupSockAddr('connect6', (ctx) => {
  if (ctx.userPort === htons(9999) && ctx.protocol === 17) {
    refused.increment(0);
    return 0;
  }
  if (ctx.userIp6[0] === 0 && ctx.userIp6[1] === 0 && ctx.userIp6[2] === 0 && ctx.userIp6[3] === htonl(2)) {
    ctx.userIp6[3] = htonl(1);
    ctx.userPort = htons(9997);
  }
  return 1;
});
export const peer6 = cgroupSockAddr('getpeername6', (ctx) => {
  if (ctx.userPort === htons(9997)) ctx.userPort = htons(9996);
  return 1;
});
`;
const C_SOURCE = `#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } refused SEC(".maps");
SEC("cgroup/connect6") int redirect6(struct bpf_sock_addr *ctx) {
  if (ctx->user_port == bpf_htons(9999) && ctx->protocol == IPPROTO_UDP) {
    __u32 k = 0;
    __u64 *n = bpf_map_lookup_elem(&refused, &k);
    if (n) __sync_fetch_and_add(n, 1);
    return 0;
  }
  if (ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 && ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == bpf_htonl(2)) {
    ctx->user_ip6[3] = bpf_htonl(1);
    ctx->user_port = bpf_htons(9997);
  }
  return 1;
}
SEC("cgroup/getpeername6") int peer6(struct bpf_sock_addr *ctx) {
  if (ctx->user_port == bpf_htons(9997)) ctx->user_port = bpf_htons(9996);
  return 1;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Context loads and stores of a program: `ldx SIZE +OFF` / `stx SIZE +OFF` on R1's copy (the others are the stack and the map value). */
const ctxAccesses = (object: Uint8Array, program: string): string[] => shapes(object, program).filter((s) => /^(ldx|stx) size=4 (signed=false )?offset=(8|12|16|20|24|36)$/.test(s));

describe.skipIf(!clangOk)('IPv6 sock_addr against clang-19', () => {
  it('the same context accesses (user_ip6[0..3], user_port, protocol) and at most clang -O2 + 10 % instructions', () => {
    const ours = twins.ts('sa6', TS_SOURCE), theirs = twins.c('sa6', C_SOURCE);
    const a = slots(ours), b = slots(theirs);
    console.info(`sock_addr6: tsbpf ${JSON.stringify(a)}, clang-19 -O2 ${JSON.stringify(b)}`);
    for (const p of ['redirect6', 'peer6']) {
      expect(a[p]).toBeLessThanOrEqual(Math.floor(b[p]! * 1.1));
      expect(ctxAccesses(ours, p)).toEqual(ctxAccesses(theirs, p));
    }
    expect(shapes(ours, 'peer6')).toEqual(shapes(theirs, 'peer6'));
    expect(readObject(ours).programs.map((p) => p.section)).toEqual(['cgroup/connect6', 'cgroup/getpeername6']);
  });
});

describe.skipIf(!requireRoot() || !clangOk)('IPv6 sock_addr on the running kernel', () => {
  // Per connect: the error code, or the peer address and port getpeername() reports.
  const WORKLOAD = `const dgram=require('dgram');const to=[['::1',9999],['::2',7777],['::1',5353],['::1',9999]];const out=[];
const next=(i)=>{if(i===to.length){console.log(JSON.stringify(out));return;}const s=dgram.createSocket('udp6');let done=false;
const fin=(v)=>{if(done)return;done=true;out.push(v);s.close();next(i+1);};s.on('error',(e)=>fin(e.code));
s.connect(to[i][1],to[i][0],(e)=>{if(e)return fin(e.code);const r=s.remoteAddress();fin(r.address+' '+r.port);});};next(0);`;
  for (const side of ['tsbpf', 'clang'] as const) {
    it(`${side}: connect6 refuses UDP to 9999 (EPERM, counted), sends ::2 to [::1]:9997, and getpeername6 reports 9997 as 9996`, () => {
      const cg = `/sys/fs/cgroup/unified/tsbpf_sa6_${side}_${process.pid}`;
      mkdirSync(cg);
      const c = loadObject(side === 'tsbpf' ? twins.ts('sa6', TS_SOURCE) : twins.c('sa6', C_SOURCE), { name: `sa6_${side}` });
      try {
        const links = ['redirect6', 'peer6'].map((n) => { const p = c.programs.get(n)!; return attachProgram(p, attachOptionsForSection(p.section, { cgroup: cg })); });
        try {
          const out = execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" -e "$1"`, process.execPath, WORKLOAD], { encoding: 'utf8' });
          expect(JSON.parse(out)).toEqual(['EPERM', '::1 9996', '::1 5353', 'EPERM']);
          expect(Buffer.from(c.maps.get('refused')!.lookup(new Uint8Array(4))!).readBigUInt64LE(0)).toBe(2n);
        } finally { for (const l of links) l.close(); }
      } finally { c.close(); rmdirSync(cg); }
    });
  }
});

describe('sock_addr mistakes: errors at the TypeScript line', () => {
  const HEAD = "import { cgroupSockAddr, htonl, type u32 } from 'tsbpf/lang';\n";
  const cases: [string, string, number, RegExp][] = [
    ['user_ip4 in an IPv6 hook', "export const p = cgroupSockAddr('connect6', (ctx) => {\n  if (ctx.userIp4 === 0) return 0;\n  return 1;\n});", 3, /struct SockAddr6 has no field 'userIp4'/],
    ['user_ip6 in an IPv4 hook', "export const p = cgroupSockAddr('bind4', (ctx) => {\n  const a = ctx.userIp6[0];\n  return 1;\n});", 3, /struct SockAddr has no field 'userIp6'/],
    ['msg_src_ip6 outside sendmsg6', "export const p = cgroupSockAddr('connect6', (ctx) => {\n  ctx.msgSrcIp6[0] = 0;\n  return 1;\n});", 3, /struct SockAddr6 has no field 'msgSrcIp6'/],
    ['a variable index into user_ip6', "export const p = cgroupSockAddr('connect6', (ctx) => {\n  let i: u32 = 3;\n  ctx.userIp6[i] = htonl(1);\n  return 1;\n});", 4, /an array in the context is indexed by a constant/],
    ['getpeername6 returning 0', "export const p = cgroupSockAddr('getpeername6', (ctx) => {\n  if (ctx.userPort === 0) return 0;\n  return 1;\n});", 3, /a getpeername6 program only rewrites the address: it returns 1 on every path \(this one returns 0/],
    ['a hook that does not exist', "export const p = cgroupSockAddr('accept6', (ctx) => 1);", 2, /a cgroup sock_addr program attaches to 'connect4', .*'getsockname6', not 'accept6'/],
  ];
  for (const [what, prog, line, msg] of cases) {
    it(what, () => {
      const e = compileError(`${HEAD}${prog}\n`);
      expect(e.message).toMatch(msg);
      expect(e.location.line).toBe(line);
    });
  }
  it('tsc: another family\'s field, a write of a read-only field, msgSrcIp4 outside sendmsg4', () => {
    const a = tscError(twins.dir, `${HEAD}export const p = cgroupSockAddr('connect6', (ctx) => {\n  if (ctx.userIp4 === 0) return 0;\n  return 1;\n});\n`);
    expect([a.location.line, a.reason]).toEqual([3, "Property 'userIp4' does not exist on type 'SockAddr6'. Did you mean 'userIp6'?"]);
    const b = tscError(twins.dir, `${HEAD}export const p = cgroupSockAddr('sendmsg6', (ctx) => {\n  ctx.family = 2;\n  return 1;\n});\n`);
    expect([b.location.line, b.reason]).toEqual([3, "Cannot assign to 'family' because it is a read-only property."]);
    const c = tscError(twins.dir, `${HEAD}export const p = cgroupSockAddr('connect4', (ctx) => {\n  ctx.msgSrcIp4 = 1;\n  return 1;\n});\n`);
    expect([c.location.line, c.reason]).toEqual([3, "Property 'msgSrcIp4' does not exist on type 'SockAddr'."]);
  });
});

// Stores through BTF pointers in tcp_congestion_ops programs (bpf_tcp_ca_btf_struct_access): only
// into a tcp_sock, and only into the congestion-control fields a CC may set (pacing, the CA's
// private area, the ack-pending flags, cwnd and ssthresh state), each within its member.

import { type Btf, resolveTypeSize } from '../../elf/index.js';
import { resolvedType } from './btf-types.js';
import { structId } from './btf-walk.js';
import { notModelled, reject } from './outcome.js';

interface Span { readonly off: number; readonly end: number; readonly range?: boolean }

/** Byte offset and end of a member reached by `path` from struct `name`. */
function memberSpan(btf: Btf, name: string, path: readonly string[]): Span {
  const id = structId(btf, name);
  let t = id === undefined ? undefined : btf.type(id);
  let off = 0;
  for (const [i, field] of path.entries()) {
    if (t?.kind !== 'STRUCT' && t?.kind !== 'UNION') return notModelled(`struct ${name} member ${path.join('.')} in the kernel BTF`);
    const m = t.members.find((x) => x.name === field);
    if (m === undefined || m.bitfieldSize !== 0) return notModelled(`struct ${name} member ${path.join('.')} in the kernel BTF`);
    off += m.bitsOffset / 8;
    if (i === path.length - 1) {
      const size = resolveTypeSize((x) => btf.type(x), m.type);
      if (size === undefined) return notModelled(`the size of ${name}.${path.join('.')}`);
      return { off, end: off + size };
    }
    t = resolvedType(btf, m.type);
  }
  return notModelled('an empty member path');
}

/** The writable members, by the kernel's case order (a sock, inet_connection_sock or tcp_sock member, all at the same offset in tcp_sock). */
function writableSpans(btf: Btf): Span[] {
  return [
    memberSpan(btf, 'sock', ['sk_pacing_rate']),
    memberSpan(btf, 'sock', ['sk_pacing_status']),
    { ...memberSpan(btf, 'inet_connection_sock', ['icsk_ca_priv']), range: true },
    memberSpan(btf, 'inet_connection_sock', ['icsk_ack', 'pending']),
    ...['snd_cwnd', 'snd_cwnd_cnt', 'snd_cwnd_stamp', 'snd_ssthresh', 'ecn_flags', 'app_limited'].map((f) => memberSpan(btf, 'tcp_sock', [f])),
  ];
}

const cache = new WeakMap<Btf, Span[]>();

/** A store of `size` bytes at `off` into the struct `struct` through a trusted BTF pointer. */
export function checkTcpCaStore(btf: Btf, struct: string, off: number, size: number): void {
  if (struct !== 'tcp_sock') reject('EACCES', 'only read is supported');
  let spans = cache.get(btf);
  if (spans === undefined) cache.set(btf, (spans = writableSpans(btf)));
  const span = spans.find((s) => (s.range === true ? off >= s.off && off < s.end : off === s.off));
  if (span === undefined) reject('EACCES', `no write support to tcp_sock at off ${off}`);
  if (off + size > span.end) reject('EACCES', `write access at off ${off} with size ${size} beyond the member of tcp_sock ended at ${span.end}`);
}

// One entry point for every attach kind, and the mapping from libbpf-style ELF section names
// ("tracepoint/syscalls/sys_enter_execve", "xdp", "tcx/ingress" …) to attach options, which
// `tsbpf load --attach` and generated skeletons use.

import { attachCgroup } from './cgroup.js';
import { attachKprobe } from './kprobe.js';
import { AttachError, type Link, type ProgramHandle } from './link.js';
import { attachRawTracepoint } from './raw-tracepoint.js';
import { attachSocketFilter } from './socket-filter.js';
import { attachTcx, type TcDirection } from './tc.js';
import { attachTracepoint } from './tracepoint.js';
import { attachUprobe } from './uprobe.js';
import { attachXdp, type XdpModeName } from './xdp.js';
import type { BpfMap } from '../maps.js';
import { attachUsdt, USDT_SPECS_MAP } from '../usdt/attach.js';

export type AttachOptions =
  | { readonly kind: 'tracepoint'; readonly category: string; readonly name: string }
  | { readonly kind: 'raw_tracepoint'; readonly name: string; readonly btf?: boolean }
  | { readonly kind: 'uprobe'; readonly binary: string; readonly symbol?: string; readonly offset?: number; readonly retprobe?: boolean; readonly pid?: number }
  | { readonly kind: 'kprobe'; readonly function: string; readonly offset?: number; readonly retprobe?: boolean }
  | { readonly kind: 'xdp'; readonly interface: string | number; readonly mode?: XdpModeName }
  | { readonly kind: 'tcx'; readonly interface: string | number; readonly direction: TcDirection }
  | { readonly kind: 'cgroup'; readonly cgroup: string; readonly attachType: string }
  | { readonly kind: 'socket_filter'; readonly socketFd: number }
  | { readonly kind: 'usdt'; readonly binary: string; readonly provider: string; readonly name: string; readonly specs: BpfMap; readonly pid?: number; readonly cookie?: bigint };

export function attachProgram(program: ProgramHandle, options: AttachOptions): Link {
  switch (options.kind) {
    case 'tracepoint': return attachTracepoint(program, options.category, options.name);
    case 'raw_tracepoint': return attachRawTracepoint(program, options.name, options.btf === true);
    case 'uprobe': return attachUprobe(program, options);
    case 'kprobe': return attachKprobe(program, options);
    case 'xdp': return attachXdp(program, options.interface, options.mode);
    case 'tcx': return attachTcx(program, options.interface, options.direction);
    case 'cgroup': return attachCgroup(program, options.cgroup, options.attachType);
    case 'socket_filter': return attachSocketFilter(program, options.socketFd);
    case 'usdt': return attachUsdt(program, options.specs, options);
  }
}

/** What a section name leaves open: the interface for xdp/tc, the cgroup path, the socket. */
export interface AttachContext {
  readonly interface?: string | number;
  readonly cgroup?: string;
  readonly socketFd?: number;
  /** The loaded object's maps by name (a `usdt/…` program's `__bpf_usdt_specs`). */
  readonly maps?: (name: string) => BpfMap | undefined;
}

const CGROUP_SECTIONS: Readonly<Record<string, string>> = {
  'cgroup_skb/ingress': 'inet_ingress', 'cgroup_skb/egress': 'inet_egress', 'cgroup/skb': 'inet_ingress',
  'cgroup/sock': 'inet_sock_create', 'cgroup/sock_create': 'inet_sock_create', 'cgroup/sock_release': 'inet_sock_release',
  'cgroup/post_bind4': 'inet4_post_bind', 'cgroup/post_bind6': 'inet6_post_bind', 'cgroup/bind4': 'inet4_bind',
  'cgroup/bind6': 'inet6_bind', 'cgroup/connect4': 'inet4_connect', 'cgroup/connect6': 'inet6_connect',
  'cgroup/sendmsg4': 'udp4_sendmsg', 'cgroup/sendmsg6': 'udp6_sendmsg', 'cgroup/recvmsg4': 'udp4_recvmsg',
  'cgroup/recvmsg6': 'udp6_recvmsg', 'cgroup/getpeername4': 'inet4_getpeername', 'cgroup/getpeername6': 'inet6_getpeername',
  'cgroup/getsockname4': 'inet4_getsockname', 'cgroup/getsockname6': 'inet6_getsockname', 'cgroup/sysctl': 'sysctl', 'cgroup/getsockopt': 'getsockopt',
  'cgroup/setsockopt': 'setsockopt', 'cgroup/dev': 'device', sockops: 'sock_ops',
};

/**
 * Attach options for a program from its ELF section name (libbpf's conventions), or an
 * AttachError saying what is missing. `uprobe/PATH:FUNC`, `uretprobe/PATH:FUNC`, `kprobe/FUNC`,
 * `tracepoint/CAT/NAME` (`tp/`), `raw_tracepoint/NAME` (`raw_tp/`), `tp_btf/NAME`, `xdp`, `tc`/`tcx/ingress|egress`,
 * `cgroup_skb/ingress|egress` and the other cgroup sections, `socket`, `usdt/PATH:PROVIDER:NAME`
 * (with the object's maps in the context).
 */
export function attachOptionsForSection(section: string, context: AttachContext = {}): AttachOptions {
  const [head = '', ...rest] = section.split('/');
  const tail = rest.join('/');
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new AttachError(`section ${section} needs ${what}`, 'tracepoint', section);
    return v;
  };
  switch (head) {
    case 'tracepoint': case 'tp': {
      const [category, name] = rest;
      if (category === undefined || name === undefined || rest.length !== 2) throw new AttachError('expected tracepoint/CATEGORY/NAME', 'tracepoint', section);
      return { kind: 'tracepoint', category, name };
    }
    case 'raw_tracepoint': case 'raw_tp':
      if (tail === '') throw new AttachError('expected raw_tracepoint/NAME', 'raw_tracepoint', section);
      return { kind: 'raw_tracepoint', name: tail };
    case 'tp_btf':
      if (tail === '') throw new AttachError('expected tp_btf/NAME', 'raw_tracepoint', section);
      return { kind: 'raw_tracepoint', name: tail, btf: true };
    case 'uprobe': case 'uretprobe': {
      const m = /^(.+):([\w.@]+)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(tail);
      if (m === null) throw new AttachError('expected uprobe/PATH:FUNCTION[+OFFSET]', 'uprobe', section);
      return { kind: 'uprobe', binary: m[1]!, symbol: m[2]!, retprobe: head === 'uretprobe', ...(m[3] !== undefined ? { offset: Number(m[3]) } : {}) };
    }
    case 'kprobe': case 'kretprobe':
      if (tail === '') throw new AttachError('expected kprobe/FUNCTION', 'kprobe', section);
      return { kind: 'kprobe', function: tail, retprobe: head === 'kretprobe' };
    case 'xdp':
      return { kind: 'xdp', interface: need(context.interface, 'an interface (--iface)') };
    case 'tc': case 'tcx': case 'classifier':
      return { kind: 'tcx', interface: need(context.interface, 'an interface (--iface)'), direction: tail === 'egress' ? 'egress' : 'ingress' };
    case 'socket':
      return { kind: 'socket_filter', socketFd: need(context.socketFd, 'a socket') };
    case 'usdt': {
      const m = /^(.+):([^:/]+):([^:/]+)$/.exec(tail);
      if (m === null) throw new AttachError('expected usdt/PATH:PROVIDER:NAME', 'usdt', section);
      const specs = need(context.maps?.(USDT_SPECS_MAP), `the object's ${USDT_SPECS_MAP} map (include <bpf/usdt.bpf.h>)`);
      return { kind: 'usdt', binary: m[1]!, provider: m[2]!, name: m[3]!, specs };
    }
    default: {
      const cg = CGROUP_SECTIONS[section];
      if (cg !== undefined) return { kind: 'cgroup', cgroup: need(context.cgroup, 'a cgroup path (--cgroup)'), attachType: cg };
      throw new AttachError('tsbpf does not know how to attach a program from this section', 'tracepoint', section);
    }
  }
}

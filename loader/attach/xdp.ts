// XDP on an interface through a bpf_link (BPF_LINK_CREATE, attach type BPF_XDP).

import { OwnedFd } from '../fd.js';
import { bpf, BpfCommand, encodeAttr, LinkCreateAttr } from '../sys/index.js';
import { AttachType } from './kernel-enums.js';
import { attachStep, Link, type ProgramHandle, programFd } from './link.js';
import { interfaceIndex } from './netdev.js';

/** XDP_FLAGS_* mode bits (include/uapi/linux/if_link.h). */
export const XdpMode = { skb: 1 << 1, driver: 1 << 2, hw: 1 << 3 } as const;
export type XdpModeName = keyof typeof XdpMode;

export function attachXdp(program: ProgramHandle, iface: string | number, mode?: XdpModeName): Link {
  const target = String(iface);
  const ifindex = interfaceIndex(iface, 'xdp');
  const fd = attachStep('xdp', target, 'BPF_LINK_CREATE', () =>
    bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, {
      prog_fd: programFd(program), target_ifindex: ifindex, attach_type: AttachType.XDP, flags: mode === undefined ? 0 : XdpMode[mode],
    })));
  return new Link('xdp', target, new OwnedFd(fd, `xdp link on ${target}`));
}

// tc programs (BPF_PROG_TYPE_SCHED_CLS) through tcx links (Linux ≥ 6.6): no qdisc needed, and
// the link detaches on close like every other bpf_link.

import { OwnedFd } from '../fd.js';
import { bpf, BpfCommand, encodeAttr, LinkCreateAttr } from '../sys/index.js';
import { AttachType } from './kernel-enums.js';
import { attachStep, Link, type ProgramHandle, programFd } from './link.js';
import { interfaceIndex } from './netdev.js';

export type TcDirection = 'ingress' | 'egress';

export function attachTcx(program: ProgramHandle, iface: string | number, direction: TcDirection): Link {
  const target = `${String(iface)}/${direction}`;
  const ifindex = interfaceIndex(iface, 'tcx');
  const fd = attachStep('tcx', target, 'BPF_LINK_CREATE', () =>
    bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, {
      prog_fd: programFd(program), target_ifindex: ifindex,
      attach_type: direction === 'ingress' ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS,
    })));
  return new Link('tcx', target, new OwnedFd(fd, `tcx link on ${target}`));
}

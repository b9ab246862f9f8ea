// cgroup programs through bpf_links on a cgroup v2 directory. The directory fd is only needed
// while the link is created.

import { closeSync, openSync } from 'node:fs';
import { OwnedFd } from '../fd.js';
import { bpf, BpfCommand, encodeAttr, LinkCreateAttr } from '../sys/index.js';
import { AttachType } from './kernel-enums.js';
import { AttachError, attachStep, Link, type ProgramHandle, programFd } from './link.js';

/** Lower-case BPF_CGROUP_* attach type without the prefix: 'inet_ingress', 'inet_egress', 'inet4_connect' … */
export type CgroupAttachName = string;

/** 'inet_ingress' → BPF_CGROUP_INET_INGRESS. */
export function cgroupAttachType(name: string): number | undefined {
  return (AttachType as Record<string, number>)[`CGROUP_${name.toUpperCase()}`];
}

export function attachCgroup(program: ProgramHandle, cgroupPath: string, attach: CgroupAttachName | number): Link {
  const type = typeof attach === 'number' ? attach : cgroupAttachType(attach);
  if (type === undefined) throw new AttachError(`unknown cgroup attach type ${String(attach)}`, 'cgroup', cgroupPath);
  let dirFd: number;
  try {
    dirFd = openSync(cgroupPath, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AttachError(`cannot open the cgroup directory: ${code}`, 'cgroup', cgroupPath, code);
  }
  try {
    const fd = attachStep('cgroup', cgroupPath, 'BPF_LINK_CREATE', () =>
      bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, { prog_fd: programFd(program), target_fd: dirFd, attach_type: type })));
    return new Link('cgroup', cgroupPath, new OwnedFd(fd, `cgroup link on ${cgroupPath}`));
  } finally {
    closeSync(dirFd);
  }
}

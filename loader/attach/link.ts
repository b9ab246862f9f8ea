// A Link is one attachment of a program: it owns every descriptor the attachment needs (the
// bpf_link fd, a perf event fd) and undoes the attachment on close(). Kernel bpf_links can be
// pinned in bpffs, which keeps the attachment after the process closes its descriptors.

import { unlinkSync } from 'node:fs';
import { OwnedFd } from '../fd.js';
import { pointee, bpf, BpfCommand, encodeAttr, ObjAttr, SyscallError } from '../sys/index.js';
import { TsbpfError } from '../../isa/index.js';

/** Anything with a program fd: a loaded program, an OwnedFd, or a plain descriptor holder. */
export interface ProgramHandle {
  readonly fd: number | { readonly fd: number };
  readonly name?: string;
}

/** The descriptor number of a program handle (loadObject's programs hold an OwnedFd). */
export function programFd(program: ProgramHandle): number {
  return typeof program.fd === 'number' ? program.fd : program.fd.fd;
}

export type LinkKind =
  | 'tracepoint' | 'raw_tracepoint' | 'uprobe' | 'uretprobe' | 'kprobe' | 'kretprobe' | 'xdp' | 'tcx' | 'cgroup'
  | 'socket_filter' | 'struct_ops' | 'pinned' | 'usdt';

/** Attaching failed: which kind, to what, and the kernel's reason. */
export class AttachError extends TsbpfError {
  override readonly name = 'AttachError';
  constructor(
    message: string,
    readonly kind: LinkKind,
    readonly target: string,
    /** errno name when a system call refused (EPERM, ENOENT …). */
    readonly code?: string,
  ) {
    super(`attach ${kind} ${target}: ${message}`);
  }
}

/** Runs a system call step, turning a SyscallError into an AttachError that names the attachment. */
export function attachStep<T>(kind: LinkKind, target: string, step: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SyscallError) throw new AttachError(`${step}: ${e.message}`, kind, target, e.code);
    throw e;
  }
}

export class Link {
  readonly #link: OwnedFd | undefined;
  /** The bpf_links of an attachment made of several (a USDT probe's call sites); each can be pinned. */
  readonly parts: readonly Link[];
  readonly #extra: OwnedFd[];
  #detach: (() => void) | undefined;
  #pinnedAt: string | undefined;

  constructor(
    readonly kind: LinkKind,
    /** What the program is attached to, as given ("syscalls/sys_enter_execve", "veth0", a cgroup path). */
    readonly target: string,
    link: OwnedFd | undefined,
    options: { extra?: OwnedFd[]; detach?: () => void; parts?: readonly Link[] } = {},
  ) {
    this.parts = options.parts ?? [];
    this.#link = link;
    this.#extra = options.extra ?? [];
    this.#detach = options.detach;
  }

  /** The bpf_link descriptor; throws for attachments that are not kernel links (socket filters). */
  get fd(): number {
    if (this.#link === undefined) throw new AttachError('not a bpf_link (attached with setsockopt)', this.kind, this.target);
    return this.#link.fd;
  }

  get closed(): boolean {
    return this.#link === undefined ? this.#detach === undefined : this.#link.closed;
  }

  /** Where the link is pinned, if this Link pinned it. */
  get pinnedAt(): string | undefined {
    return this.#pinnedAt;
  }

  /** Pins the link in bpffs: the attachment then outlives this process until the pin is removed. */
  pin(path: string): void {
    const p = Buffer.from(`${path}\0`);
    attachStep(this.kind, this.target, `pin at ${path}`, () =>
      bpf(BpfCommand.OBJ_PIN, encodeAttr(ObjAttr, { pathname: pointee(p), bpf_fd: this.fd })));
    this.#pinnedAt = path;
  }

  /** Removes the pin this Link made (or the one at `path`). */
  unpin(path = this.#pinnedAt): void {
    if (path === undefined) return;
    unlinkSync(path);
    if (path === this.#pinnedAt) this.#pinnedAt = undefined;
  }

  /** Detaches (unless pinned) and closes every descriptor; a second call does nothing. */
  close(): void {
    const detach = this.#detach;
    this.#detach = undefined;
    try {
      detach?.();
    } finally {
      this.#link?.close();
      for (const fd of this.#extra) fd.close();
    }
  }

  /** Opens a link pinned in bpffs (BPF_OBJ_GET). Closing it does not detach while the pin exists. */
  static fromPin(path: string): Link {
    const p = Buffer.from(`${path}\0`);
    const fd = attachStep('pinned', path, 'open pinned link', () =>
      bpf(BpfCommand.OBJ_GET, encodeAttr(ObjAttr, { pathname: pointee(p) })));
    return new Link('pinned', path, new OwnedFd(fd, `link pinned at ${path}`));
  }
}

// What loadObject returns: the loaded maps and programs of one object, its struct_ops maps and
// arenas, and the calls that act on them together (register a struct_ops map, pin a program,
// close everything).

import type { BpfObject } from '../elf/index.js';
import type { Arena } from './arena.js';
import { Link } from './attach/link.js';
import type { CoreRelocationResult } from './core/index.js';
import { OwnedFd } from './fd.js';
import { globalVariables } from './globals.js';
import type { BtfJsValue } from './btf-values.js';
import { attachTypeNumber } from './kernel-btf.js';
import { type BpfMap, MapError, pinFd } from './maps.js';
import { ObjectInputError } from './object-errors.js';
import { StructOpsError, type StructOpsPlan, structOpsValue } from './struct-ops.js';
import { BpfCommand, bpf, encodeAttr, LinkCreateAttr, SyscallError } from './sys/index.js';

export interface LoadedProgramHandle {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  readonly fd: OwnedFd;
  /** Verifier log when logLevel > 0. */
  readonly log: string;
  /** Instruction count passed to the kernel. */
  readonly insnCount: number;
}

export class BpfCollection {
  constructor(
    readonly object: BpfObject,
    readonly maps: ReadonlyMap<string, BpfMap>,
    readonly programs: ReadonlyMap<string, LoadedProgramHandle>,
    private readonly extraFds: readonly OwnedFd[],
    /** What CO-RE relocation did to each relocated instruction. */
    readonly coreResults: readonly CoreRelocationResult[] = [],
    /** struct_ops maps (by variable name; their BpfMap is in `maps` under the same name). */
    readonly structOps: ReadonlyMap<string, StructOpsPlan> = new Map(),
    /** Arena maps, mapped into this process (by map name). */
    readonly arenas: ReadonlyMap<string, Arena> = new Map(),
    /**
     * The pins this load created (maps with `pinning = LIBBPF_PIN_BY_NAME` that were not pinned
     * before; reused pins are not listed): what a caller undoes when a later step fails.
     */
    readonly pinnedMaps: readonly string[] = [],
  ) {}

  /**
   * Global variables by name (`c.globals.counter`, `c.globals.limit = 5`): decoded from and encoded
   * to their data section's map with the object's BTF; .rodata is read-only once loaded.
   */
  get globals(): Record<string, BtfJsValue> {
    return globalVariables(this.object, (section) => this.map(section));
  }

  /** An arena map's memory (the only one when no name is given). */
  arena(name?: string): Arena {
    const a = name === undefined ? (this.arenas.size === 1 ? [...this.arenas.values()][0] : undefined) : this.arenas.get(name);
    if (a === undefined) throw new ObjectInputError(`no arena${name === undefined ? ' (or several)' : ` ${name}`}; the object has ${[...this.arenas.keys()].join(', ') || 'none'}`);
    return a;
  }

  /**
   * Registers a struct_ops map (e.g. a TCP congestion control) with the kernel, as libbpf's
   * bpf_map__attach_struct_ops: the kernel value with the program fds is written at key 0; a
   * `.struct_ops.link` map is then registered through a bpf_link (BPF_LINK_CREATE). Closing the
   * Link unregisters it (deletes key 0, or closes the bpf_link unless it is pinned).
   */
  registerStructOps(name: string): Link {
    const plan = this.structOps.get(name);
    if (plan === undefined) throw new StructOpsError(`no struct_ops map ${name}; the object has ${[...this.structOps.keys()].join(', ') || 'none'}`);
    const map = this.map(name);
    const value = structOpsValue(plan, (prog) => this.program(prog).fd.fd);
    const key = new Uint8Array(4);
    try {
      map.update(key, value);
    } catch (e) {
      // A link map keeps its value once a link used it (EBUSY); that value is this one.
      if (!(plan.link && e instanceof SyscallError && e.code === 'EBUSY')) throw structOpsFailure(name, 'register', e);
    }
    if (!plan.link) return new Link('struct_ops', name, undefined, { detach: () => { map.delete(key); } });
    let fd: number;
    try {
      fd = bpf(BpfCommand.LINK_CREATE, encodeAttr(LinkCreateAttr, { map_fd: map.fd, attach_type: attachTypeNumber('struct_ops') }));
    } catch (e) {
      throw structOpsFailure(name, 'BPF_LINK_CREATE', e);
    }
    return new Link('struct_ops', name, new OwnedFd(fd, `struct_ops link ${name}`));
  }

  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (m === undefined) throw new ObjectInputError(`no map ${name}; the object has ${[...this.maps.keys()].join(', ') || 'none'}`);
    return m;
  }

  program(name: string): LoadedProgramHandle {
    const p = this.programs.get(name);
    if (p === undefined) throw new ObjectInputError(`no program ${name}; loaded: ${[...this.programs.keys()].join(', ') || 'none'}`);
    return p;
  }

  /** Pins a program (as `bpftool prog loadall` does, one file per program). */
  pinProgram(name: string, path: string): void {
    pinFd(this.program(name).fd.fd, path);
  }

  /** Closes every fd (kernel objects live on while pinned or attached). */
  close(): void {
    for (const a of this.arenas.values()) a.unmap();
    for (const p of this.programs.values()) p.fd.close();
    for (const m of this.maps.values()) m.close();
    for (const f of this.extraFds) f.close();
  }
}

function structOpsFailure(name: string, step: string, e: unknown): Error {
  if (e instanceof SyscallError || e instanceof MapError) return new StructOpsError(`struct_ops map ${name}: ${step}: ${e.message}`);
  return e as Error;
}

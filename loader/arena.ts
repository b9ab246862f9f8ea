// BPF arenas (BPF_MAP_TYPE_ARENA): memory shared by programs and user space, mapped into this
// process at the map's `map_extra` address (the kernel insists on that address when it is set).
// As libbpf ≥ 1.4 (and, for the placement, its current master), the `__arena` globals of
// `.addr_space.1` live at the end of the arena: their size rounded up to pages, the remaining
// pages before them left free for bpf_arena_alloc_pages. They are copied in through the mapping
// (which makes the kernel allocate those pages), and programs reach them by ld_imm64
// BPF_PSEUDO_MAP_VALUE against the arena map with offset (data offset + variable offset), which
// the kernel turns into the arena's user address.

import type { BpfMap } from './maps.js';
import { MapError } from './maps.js';
import { MapFixedNoReplace, MapShared, type Mapping, mmap, munmap, pageSize, Prot, SyscallError } from './sys/index.js';

export const ARENA_SECTION = '.addr_space.1';

/** One arena map mapped into this process. */
export class Arena {
  #mapping: Mapping | undefined;

  /** @internal loadObject's: an arena is mapped when its object loads. */
  constructor(
    readonly map: BpfMap,
    mapping: Mapping,
    /** Byte offset of the `.addr_space.1` globals in the arena (0 when the object has none). */
    readonly globalsOffset: number,
    /** Size of the `.addr_space.1` section. */
    readonly globalsSize: number,
  ) {
    this.#mapping = mapping;
  }

  #live(): Mapping {
    if (this.#mapping === undefined) throw new MapError(`arena ${this.map.name} is unmapped (its collection was closed)`);
    return this.#mapping;
  }

  /** The user-space address of the arena's first byte (the map's map_extra when it set one). */
  get address(): bigint { return this.#live().address; }
  /** The whole arena, zero-copy: what programs write is visible here at once. */
  get bytes(): Uint8Array { return new Uint8Array(this.#live().buffer); }
  /** The `.addr_space.1` globals, zero-copy. */
  get globals(): Uint8Array { return new Uint8Array(this.#live().buffer, this.globalsOffset, this.globalsSize); }

  unmap(): void {
    const m = this.#mapping;
    this.#mapping = undefined;
    if (m !== undefined) munmap(m);
  }
}

/** Maps an arena map (all max_entries pages) at its map_extra address and copies the globals to its end. */
export function mapArena(map: BpfMap, mapExtra: bigint, globals: Uint8Array | undefined, globalsSize: number): Arena {
  const page = pageSize();
  const length = map.info.maxEntries * page;
  const alloc = Math.ceil(globalsSize / page) * page;
  if (alloc > length) {
    throw new MapError(`arena ${map.name}: ${length} bytes (${map.info.maxEntries} pages) cannot hold the ${globalsSize} bytes of ${ARENA_SECTION}`);
  }
  let mapping: Mapping;
  try {
    mapping = mmap(length, Prot.READ | Prot.WRITE, MapShared | (mapExtra === 0n ? 0 : MapFixedNoReplace), map.fd, 0, mapExtra);
  } catch (e) {
    if (e instanceof SyscallError) throw new MapError(`arena ${map.name}: mmap at 0x${mapExtra.toString(16)}: ${e.message}`, e.code);
    throw e;
  }
  const offset = length - alloc;
  if (globals !== undefined && globalsSize > 0) new Uint8Array(mapping.buffer, offset, globalsSize).set(globals.subarray(0, globalsSize));
  return new Arena(map, mapping, globalsSize === 0 ? 0 : offset, globalsSize);
}


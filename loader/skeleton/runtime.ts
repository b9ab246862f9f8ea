// What a generated skeleton runs on: open an embedded object, set read-only (and other) globals
// before load, load it, read and write globals after load through their section's array map,
// attach every program whose section says how, and close everything in one call.

import { type BpfObject, type Btf, type DataSection, readObject } from '../../elf/index.js';
import { type AttachContext, attachOptionsForSection, attachProgram, type AttachOptions, AttachError, type Link } from '../attach/index.js';
import { type BtfJsValue, decodeBtfValue, encodeBtfValue, sizeOf } from '../btf-values.js';
import type { BpfMap } from '../maps.js';
import type { BpfCollection, LoadedProgramHandle } from '../collection.js';
import { loadObject, type LoadObjectOptions } from '../object.js';
import type { MapSizing } from '../map-sizing.js';
import { TsbpfError } from '../../isa/index.js';

export class SkeletonError extends TsbpfError {
  override readonly name = 'SkeletonError';
}

export class SkeletonRuntime {
  readonly object: BpfObject;
  readonly #btf: Btf;
  readonly #bytes: Uint8Array;
  readonly #initial = new Map<string, Uint8Array>();
  readonly #sizing = new Map<string, MapSizing>();
  #collection: BpfCollection | undefined;
  readonly #links: Link[] = [];

  constructor(bytes: Uint8Array, readonly name: string) {
    this.#bytes = bytes;
    this.object = readObject(bytes);
    if (this.object.btf === undefined) throw new SkeletonError(`${name}: the object has no BTF`);
    this.#btf = this.object.btf;
  }

  get loaded(): boolean {
    return this.#collection !== undefined;
  }

  #variable(section: string, name: string): { sec: DataSection; offset: number; type: number; size: number } {
    const sec = this.object.globals.find((g) => g.name === section);
    const v = sec?.variables.find((x) => x.name === name);
    if (sec === undefined || v === undefined || v.btfVar === undefined) throw new SkeletonError(`${this.name}: no global ${name} in ${section}`);
    const t = this.#btf.type(v.btfVar);
    if (t?.kind !== 'VAR') throw new SkeletonError(`${this.name}: ${name} has no BTF VAR`);
    return { sec, offset: v.offset, type: t.type, size: sizeOf(this.#btf, t.type) };
  }

  /** The section's bytes: the loaded map's value, else the initial image (with changes made before load). */
  #image(section: string): Uint8Array {
    if (this.#collection !== undefined) {
      const v = this.#collection.map(section).lookup(new Uint8Array(4));
      if (v === undefined) throw new SkeletonError(`${this.name}: cannot read ${section}`);
      return v;
    }
    let img = this.#initial.get(section);
    if (img === undefined) {
      const sec = this.object.globals.find((g) => g.name === section);
      if (sec === undefined) throw new SkeletonError(`${this.name}: no section ${section}`);
      img = new Uint8Array(sec.size);
      img.set(sec.data.subarray(0, sec.size));
      this.#initial.set(section, img);
    }
    return img;
  }

  getGlobal(section: string, name: string): BtfJsValue {
    const v = this.#variable(section, name);
    return decodeBtfValue(this.#btf, v.type, this.#image(section).subarray(v.offset, v.offset + v.size));
  }

  /** Before load: changes the initial value. After load: writes the map (not for .rodata, frozen by the loader). */
  setGlobal(section: string, name: string, value: BtfJsValue): void {
    const v = this.#variable(section, name);
    const bytes = new Uint8Array(v.size);
    encodeBtfValue(this.#btf, v.type, value, bytes, name);
    const img = this.#image(section);
    img.set(bytes, v.offset);
    if (this.#collection !== undefined) {
      if (v.sec.kind === 'rodata') throw new SkeletonError(`${this.name}: ${name} is read-only after load`);
      this.#collection.map(section).update(new Uint8Array(4), img);
    }
  }

  /**
   * Before load: a map's max_entries, key/value size, flags or inner map (as libbpf's
   * bpf_map__set_max_entries …); later calls for one map add to earlier ones.
   */
  sizeMap(name: string, sizing: MapSizing): void {
    if (this.#collection !== undefined) throw new SkeletonError(`${this.name}: map ${name} cannot be sized after load`);
    if (!this.object.maps.some((m) => m.name === name)) throw new SkeletonError(`${this.name}: no map ${name} to size`);
    this.#sizing.set(name, { ...this.#sizing.get(name), ...sizing });
  }

  load(options: Omit<LoadObjectOptions, 'transform' | 'name'> = {}): void {
    if (this.#collection !== undefined) throw new SkeletonError(`${this.name}: already loaded`);
    const initial = this.#initial;
    const maps: Record<string, MapSizing> = { ...options.maps };
    for (const [n, z] of this.#sizing) maps[n] = { ...z, ...maps[n] };
    this.#collection = loadObject(this.#bytes, {
      ...options, name: this.name, maps,
      transform: (o) => ({ ...o, globals: o.globals.map((g) => { const img = initial.get(g.name); return img === undefined ? g : { ...g, data: img }; }) }),
    });
  }

  #loadedCollection(): BpfCollection {
    if (this.#collection === undefined) throw new SkeletonError(`${this.name}: not loaded (call load() first)`);
    return this.#collection;
  }

  map(name: string): BpfMap {
    return this.#loadedCollection().map(name);
  }

  program(name: string): LoadedProgramHandle {
    return this.#loadedCollection().program(name);
  }

  #withMaps(context: AttachContext): AttachContext {
    const c = this.#loadedCollection();
    return { maps: (n) => c.maps.get(n), ...context };
  }

  /** Attaches one program with explicit options (or its section's), keeping the link. */
  attachProgram(name: string, options?: AttachOptions, context: AttachContext = {}): Link {
    const p = this.program(name);
    const link = attachProgram(p, options ?? attachOptionsForSection(p.section, this.#withMaps(context)));
    this.#links.push(link);
    return link;
  }

  /**
   * Attaches every loaded program whose section names its target (tracepoints, raw tracepoints,
   * uprobes; xdp/tc/cgroup when the context names the interface or cgroup). Returns the links;
   * programs that need more context are skipped, as bpftool's skeletons do.
   */
  attach(context: AttachContext = {}): Link[] {
    const made: Link[] = [];
    for (const p of this.#loadedCollection().programs.values()) {
      let options: AttachOptions;
      try {
        options = attachOptionsForSection(p.section, this.#withMaps(context));
      } catch (e) {
        if (e instanceof AttachError) continue;
        throw e;
      }
      made.push(this.attachProgram(p.name, options));
    }
    return made;
  }

  get links(): readonly Link[] {
    return this.#links;
  }

  /** Detaches every link and closes every map and program. */
  close(): void {
    for (const l of this.#links.splice(0)) l.close();
    this.#collection?.close();
    this.#collection = undefined;
  }
}

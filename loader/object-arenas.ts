// The arena maps of an object, mapped into this process before any program is loaded, the
// `__arena` globals (.addr_space.1) copied to the end of the one arena.

import type { BpfObject } from '../elf/index.js';
import { type Arena, ARENA_SECTION, mapArena } from './arena.js';
import { MapType } from './map-types.js';
import type { BpfMap } from './maps.js';
import { ObjectInputError } from './object-errors.js';

/** Maps every arena map, adding each to `arenas` as it is mapped; returns the one holding the globals. */
export function mapObjectArenas(object: BpfObject, maps: ReadonlyMap<string, BpfMap>, arenas: Map<string, Arena>): Arena | undefined {
  const arenaData = object.globals.find((g) => g.kind === 'arena');
  const arenaDefs = object.maps.filter((d) => d.type === MapType.ARENA);
  if (arenaData !== undefined && arenaDefs.length !== 1) {
    throw new ObjectInputError(`${ARENA_SECTION} (__arena globals) needs exactly one arena map; the object has ${arenaDefs.length}`);
  }
  for (const def of arenaDefs) {
    const data = arenaData !== undefined && def === arenaDefs[0] ? arenaData : undefined;
    arenas.set(def.name, mapArena(maps.get(def.name)!, BigInt(def.mapExtra ?? 0), data?.data, data?.size ?? 0));
  }
  return arenaDefs.length === 1 ? arenas.get(arenaDefs[0]!.name) : undefined;
}

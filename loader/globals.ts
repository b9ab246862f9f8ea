// Global variables by name, as skeletons give them (`c.globals.counter`): each read decodes the
// variable from its data section's array map (with the object's BTF), each write encodes it and
// updates the map. .rodata is frozen at load, so it is read-only here.

import type { BpfObject, GlobalVariable } from '../elf/index.js';
import { type BtfJsValue, decodeBtfValue, encodeBtfValue, sizeOf } from './btf-values.js';
import type { BpfMap } from './maps.js';
import { ObjectInputError } from './object-errors.js';

interface Found { readonly section: string; readonly readOnly: boolean; readonly variable: GlobalVariable; readonly type: number; readonly size: number }

function find(object: BpfObject, name: string): Found | undefined {
  const btf = object.btf;
  for (const sec of object.globals) {
    if (sec.kind === 'arena') continue;
    const v = sec.variables.find((x) => x.name === name);
    if (v === undefined || v.btfVar === undefined || btf === undefined) continue;
    const t = btf.type(v.btfVar);
    if (t?.kind !== 'VAR') continue;
    return { section: sec.name, readOnly: sec.kind === 'rodata', variable: v, type: t.type, size: sizeOf(btf, t.type) };
  }
  return undefined;
}

/** The names `globals` knows: variables with BTF in .data, .rodata and .bss sections. */
export function globalNames(object: BpfObject): string[] {
  return object.globals.filter((s) => s.kind !== 'arena').flatMap((s) => s.variables.filter((v) => v.btfVar !== undefined && !v.name.startsWith('.')).map((v) => v.name));
}

/** A live view of an object's global variables by name (reads and writes go to the kernel). */
export function globalVariables(object: BpfObject, map: (section: string) => BpfMap): Record<string, BtfJsValue> {
  const locate = (name: string): Found => {
    const f = find(object, name);
    if (f === undefined) throw new ObjectInputError(`no global variable ${name}; the object has ${globalNames(object).join(', ') || 'none'}`);
    return f;
  };
  const key = new Uint8Array(4);
  const image = (f: Found): Uint8Array => {
    const v = map(f.section).lookup(key);
    if (v === undefined) throw new ObjectInputError(`cannot read ${f.section}`);
    return v;
  };
  return new Proxy({} as Record<string, BtfJsValue>, {
    get: (_t, name) => {
      if (typeof name !== 'string') return undefined;
      const f = locate(name);
      return decodeBtfValue(object.btf!, f.type, image(f).subarray(f.variable.offset, f.variable.offset + f.size));
    },
    set: (_t, name, value: BtfJsValue) => {
      if (typeof name !== 'string') return false;
      const f = locate(name);
      if (f.readOnly) throw new ObjectInputError(`${name} is in ${f.section}, read-only once loaded (set it before load)`);
      const img = image(f);
      const bytes = new Uint8Array(f.size);
      encodeBtfValue(object.btf!, f.type, value, bytes, name);
      img.set(bytes, f.variable.offset);
      map(f.section).update(key, img);
      return true;
    },
    has: (_t, name) => typeof name === 'string' && find(object, name) !== undefined,
    ownKeys: () => globalNames(object),
    getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' && find(object, name) !== undefined ? { enumerable: true, configurable: true, writable: true } : undefined),
  });
}

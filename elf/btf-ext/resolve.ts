// Resolving the string offsets of a BtfExt through the .BTF string table.
// The lookup is a callback so that this module does not depend on the BTF codec.

import { parseAccessString } from './access-string.js';
import type { BtfExt, CoreRelocation, FuncInfo, LineInfo } from './types.js';

/** Returns the NUL-terminated string at an offset of the .BTF string table; throws when the offset is invalid. */
export type BtfStringLookup = (offset: number) => string;

export interface ResolvedLineInfo extends LineInfo {
  readonly fileName: string;
  /** Source text of the line (clang stores the whole line). */
  readonly lineText: string;
}

export interface ResolvedCoreRelocation extends CoreRelocation {
  readonly accessString: string;
  /** The access string's indices. */
  readonly accessIndices: readonly number[];
}

/** A BtfExt keyed by section name, with every string offset resolved. */
export interface ResolvedBtfExt {
  readonly funcInfo: Map<string, FuncInfo[]>;
  readonly lineInfo: Map<string, ResolvedLineInfo[]>;
  readonly coreRelocations: Map<string, ResolvedCoreRelocation[]>;
}

function rekey<T, U>(map: ReadonlyMap<number, readonly T[]>, stringAt: BtfStringLookup, f: (r: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>();
  for (const [offset, records] of map) {
    const name = stringAt(offset);
    let list = out.get(name);
    if (list === undefined) {
      list = [];
      out.set(name, list);
    }
    for (const r of records) list.push(f(r));
  }
  return out;
}

/**
 * Resolves section names, file names, line texts and access strings. Two
 * offsets naming the same section are merged in order. Errors of the lookup
 * propagate; a malformed access string gives a BtfExtError.
 */
export function resolveBtfExt(ext: BtfExt, stringAt: BtfStringLookup): ResolvedBtfExt {
  return {
    funcInfo: rekey(ext.funcInfo, stringAt, (r) => ({ ...r })),
    lineInfo: rekey(ext.lineInfo, stringAt, (r) => ({ ...r, fileName: stringAt(r.fileNameOffset), lineText: stringAt(r.lineOffset) })),
    coreRelocations: rekey(ext.coreRelocations, stringAt, (r) => {
      const accessString = stringAt(r.accessStringOffset);
      return { ...r, accessString, accessIndices: parseAccessString(accessString) };
    }),
  };
}

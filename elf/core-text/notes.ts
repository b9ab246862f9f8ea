// The CO-RE lines llvm-objdump-19 -r prints under instructions: for every
// code section, the text of the CO-RE relocation records of .BTF.ext by
// instruction byte offset. As llvm-objdump does: records name their section
// by name (the last section of that name), only the first record of an
// offset is shown (records sorted stably by offset), and an object without
// both .BTF and .BTF.ext has none.

import { decodeBtf } from '../btf/decode.js';
import { btfExtRecordOffsets } from '../btf-ext/decode.js';
import type { ElfFile } from '../reader.js';
import { ByteReader, TsbpfError } from '../../isa/index.js';
import { describeCoreRecord } from './describe.js';

export interface CoreRelocationNote {
  /** Byte offset of the instruction in its section. */
  readonly offset: number;
  /** The text after the address, `CO-RE <byte_off> [21] struct task_struct::pid (0:92)`. */
  readonly text: string;
}

export interface CoreRelocationNotes {
  /** Notes by section index, sorted by offset, at most one per offset. */
  readonly notes: Map<number, CoreRelocationNote[]>;
  /** Why there are none although .BTF and .BTF.ext exist (a section that does not decode). */
  readonly warning?: string;
}

export function coreRelocationNotes(elf: ElfFile): CoreRelocationNotes {
  const notes = new Map<number, CoreRelocationNote[]>();
  const byName = new Map<string, number>();
  for (const s of elf.sections) byName.set(s.name, s.index);
  const btfSec = elf.sections[byName.get('.BTF') ?? -1];
  const extSec = elf.sections[byName.get('.BTF.ext') ?? -1];
  if (btfSec === undefined || extSec === undefined) return { notes };
  let btf;
  let ext;
  try {
    btf = decodeBtf(btfSec.data);
    // Where the records are, read below: unlike decodeBtfExt this keeps a kind outside 0 … 12 (objdump prints those too).
    ext = btfExtRecordOffsets(extSec.data, elf.byteOrder);
  } catch (e) {
    if (e instanceof TsbpfError) return { notes, warning: `CO-RE relocations not shown: ${e.message}` };
    throw e;
  }
  // llvm reads strings leniently: an offset outside the table is the empty string.
  const stringAt = (offset: number): string => {
    try { return btf.string(offset); } catch { return ''; }
  };
  const view = new ByteReader(extSec.data, elf.byteOrder);
  for (const [nameOffset, records] of ext.coreRelocations) {
    const section = byName.get(stringAt(nameOffset));
    if (section === undefined) continue;
    let list = notes.get(section);
    if (list === undefined) notes.set(section, list = []);
    for (const at of records) {
      const text = describeCoreRecord(btf, {
        typeId: view.u32(at + 4), kindNumber: view.u32(at + 12), accessString: stringAt(view.u32(at + 8)),
      });
      list.push({ offset: view.u32(at), text: `CO-RE ${text}` });
    }
  }
  for (const [section, list] of notes) {
    const sorted = list.map((n, i) => ({ n, i })).sort((a, b) => a.n.offset - b.n.offset || a.i - b.i).map((x) => x.n);
    notes.set(section, sorted.filter((n, i) => i === 0 || sorted[i - 1]!.offset !== n.offset));
  }
  return { notes };
}

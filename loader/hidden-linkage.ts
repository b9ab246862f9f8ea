// Hidden global subprograms: a `.text` function that is global or weak but has hidden or internal
// visibility (`__hidden`, as libbpf's usdt.bpf.h declares bpf_usdt_arg) cannot be called from
// another object, so libbpf (bpf_object__sanitize_and_load_btf) marks its BTF FUNC static before
// loading the BTF. The kernel then verifies it in each caller's context instead of on its own
// against its prototype, where a pointer argument may be NULL.

import { type Btf, BTF_KIND, type ElfFile, infoKind, infoVlen, STB, STT } from '../elf/index.js';
import { ByteReader, ByteWriter } from '../isa/index.js';

const LINKAGE_GLOBAL = 1;
const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/** Names of the `.text` functions libbpf marks static in the BTF it loads. */
export function hiddenSubprograms(elf: ElfFile): string[] {
  const text = elf.sections.find((s) => s.name === '.text');
  if (text === undefined) return [];
  return elf.symbols
    .filter((s) => s.type === STT.func && s.shndx === text.index && (s.binding === STB.global || s.binding === STB.weak)
      && ((s.other & 3) === STV_HIDDEN || (s.other & 3) === STV_INTERNAL))
    .map((s) => s.name);
}

/**
 * Rewrites, in `blob` (the object's raw BTF, types where `btf.raw` says), the first global FUNC
 * named after each hidden subprogram to static, as libbpf does. Returns the names changed.
 */
export function markHiddenSubprogramsStatic(blob: Uint8Array, btf: Btf, names: readonly string[]): string[] {
  const raw = btf.raw;
  if (raw === undefined || names.length === 0) return [];
  const view = ByteWriter.over(blob);
  const read = new ByteReader(blob);
  const changed: string[] = [];
  for (const name of names) {
    for (let id = 1; id <= raw.offsets.length; id++) {
      const infoAt = raw.typeOffset + raw.offsets[id - 1]! * 4 + 4;
      const info = read.u32(infoAt);
      if (infoKind(info) !== BTF_KIND.FUNC || infoVlen(info) !== LINKAGE_GLOBAL || btf.nameOf(id) !== name) continue;
      view.setU32(infoAt, BTF_KIND.FUNC << 24);
      changed.push(name);
      break;
    }
  }
  return changed;
}

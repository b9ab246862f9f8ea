// Relocation of a linked program's remaining references, as libbpf writes them:
// map → ld_imm64 src=BPF_PSEUDO_MAP_FD imm=fd; global data and kconfig → src=BPF_PSEUDO_MAP_VALUE
// imm=fd of the internal map, second imm = offset; kfunc call → src=BPF_PSEUDO_KFUNC_CALL
// imm=vmlinux BTF id; typed ksym, and a kfunc's address taken by ld_imm64 (bpf_ksym_exists) →
// src=BPF_PSEUDO_BTF_ID imm=BTF id, second imm = BTF object fd (0: vmlinux). A __weak kfunc the
// kernel lacks is 0: an ld_imm64 of 0, a call with imm 0 (dead code the verifier removes).

import type { LinkedProgram } from './link-subprograms.js';
import { TsbpfError } from '../isa/index.js';

export const Pseudo = { MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, KFUNC_CALL: 2 } as const;

export class RelocationError extends TsbpfError {
  override readonly name = 'RelocationError';
}

export interface RelocationTargets {
  mapFd(name: string): number | undefined;
  /** fd of the internal map of a data section (.data, .rodata.str1.1, …). */
  dataMapFd(section: string): number | undefined;
  /** Where a data section starts in its map's value (the arena's `.addr_space.1` sits at its end); default 0. */
  dataOffset?(section: string): number;
  kconfig(name: string): { fd: number; offset: number } | undefined;
  /** A kfunc's vmlinux BTF id; undefined for a __weak one the kernel does not have. */
  kfunc(name: string): number | undefined;
  ksym(name: string): number;
}

function setSrc(view: DataView, slot: number, src: number): void {
  const b = view.getUint8(slot * 8 + 1);
  view.setUint8(slot * 8 + 1, (b & 0x0f) | (src << 4));
}

/** Patches `linked.insns` in place and returns the map fds it references (in order of first use). */
export function relocateProgram(linked: LinkedProgram, targets: RelocationTargets): number[] {
  const view = new DataView(linked.insns.buffer, linked.insns.byteOffset, linked.insns.byteLength);
  const used: number[] = [];
  const note = (fd: number): void => { if (!used.includes(fd)) used.push(fd); };
  const name = linked.entry.name;
  for (const { slot, ref, insn } of linked.references) {
    const where = `${name}: instruction ${slot}`;
    const isLd = insn.kind === 'ldImm64';
    const needLd = (): void => { if (!isLd) throw new RelocationError(`${where}: ${ref.kind} reference on a ${insn.kind} instruction`); };
    switch (ref.kind) {
      case 'map': {
        needLd();
        const fd = targets.mapFd(ref.map);
        if (fd === undefined) throw new RelocationError(`${where}: map ${ref.map} was not created`);
        setSrc(view, slot, Pseudo.MAP_FD);
        view.setInt32(slot * 8 + 4, fd, true);
        view.setInt32(slot * 8 + 12, 0, true);
        note(fd);
        break;
      }
      case 'global': {
        needLd();
        const fd = targets.dataMapFd(ref.section);
        if (fd === undefined) throw new RelocationError(`${where}: no map for data section ${ref.section}`);
        setSrc(view, slot, Pseudo.MAP_VALUE);
        view.setInt32(slot * 8 + 4, fd, true);
        view.setInt32(slot * 8 + 12, ref.offset + (targets.dataOffset?.(ref.section) ?? 0), true);
        note(fd);
        break;
      }
      case 'extern': {
        needLd();
        if (ref.externKind === 'kconfig') {
          const k = targets.kconfig(ref.name);
          if (k === undefined) throw new RelocationError(`${where}: kconfig extern ${ref.name} unresolved`);
          setSrc(view, slot, Pseudo.MAP_VALUE);
          view.setInt32(slot * 8 + 4, k.fd, true);
          view.setInt32(slot * 8 + 12, k.offset, true);
          note(k.fd);
        } else if (ref.externKind === 'ksym') {
          setSrc(view, slot, Pseudo.BTF_ID);
          view.setInt32(slot * 8 + 4, targets.ksym(ref.name), true);
          view.setInt32(slot * 8 + 12, 0, true);
        } else throw new RelocationError(`${where}: extern ${ref.name} is neither __kconfig nor __ksym`);
        break;
      }
      case 'kfunc': {
        const id = targets.kfunc(ref.name);
        if (isLd) {
          if (id !== undefined) setSrc(view, slot, Pseudo.BTF_ID);
          view.setInt32(slot * 8 + 4, id ?? 0, true);
          view.setInt32(slot * 8 + 12, 0, true);
          break;
        }
        if (insn.kind !== 'call') throw new RelocationError(`${where}: kfunc ${ref.name} referenced by a ${insn.kind}`);
        setSrc(view, slot, Pseudo.KFUNC_CALL);
        view.setInt32(slot * 8 + 4, id ?? 0, true);
        view.setInt16(slot * 8 + 2, 0, true);
        break;
      }
      case 'other':
        throw new RelocationError(`${where}: relocation against ${ref.symbol}, which is not a map, data section or extern`);
      case 'subprogram':
        break;
    }
  }
  return used;
}

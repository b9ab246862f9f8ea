// Attaching a program that uses libbpf's usdt.bpf.h to the USDT probes of a binary, as libbpf's
// bpf_program__attach_usdt: every call site of PROVIDER:NAME gets a uprobe (with the semaphore's
// file offset as the kernel's ref_ctr_offset, so `if (PROVIDER_NAME_ENABLED())` in the target sees
// the probe attached), and the argument specs of each distinct argument string go into one slot
// of `__bpf_usdt_specs`. The slot number reaches the program as the uprobe's BPF cookie: tsbpf
// resolves the `LINUX_HAS_BPF_COOKIE` kconfig extern to true (kernels since 5.15 have cookies), so
// usdt.bpf.h never consults `__bpf_usdt_ip_to_spec_id`.

import { arch } from 'node:os';
import { ByteWriter } from '../../isa/index.js';
import { attachUprobe } from '../attach/uprobe.js';
import { AttachError, Link, type ProgramHandle } from '../attach/link.js';
import type { BpfMap } from '../maps.js';
import { encodeUsdtSpec, parseUsdtArgs, type UsdtArch } from './arg-spec.js';
import { readUsdtNotes, UsdtError } from './notes.js';

export const USDT_SPECS_MAP = '__bpf_usdt_specs';
export const USDT_IP_MAP = '__bpf_usdt_ip_to_spec_id';

export interface UsdtOptions {
  /** Path of the executable or library holding the probes. */
  readonly binary: string;
  readonly provider: string;
  readonly name: string;
  /** Only this process (absent: every process running the binary). */
  readonly pid?: number;
  /** The value bpf_usdt_cookie() returns in the program. */
  readonly cookie?: bigint;
}

// Slots of each specs map in use by live attachments (libbpf keeps the same free list per object).
const usedSlots = new WeakMap<BpfMap, Set<number>>();

function freeSlot(specs: BpfMap, taken: Set<number>): number {
  const max = specs.info.maxEntries;
  for (let i = 0; i < max; i++) if (!taken.has(i)) return i;
  throw new UsdtError(`${USDT_SPECS_MAP} is full (${max} specs); raise BPF_USDT_MAX_SPEC_CNT`);
}

/**
 * Attaches `program` to every call site of `provider:name` in `binary`, filling `specs` (the
 * object's `__bpf_usdt_specs` map). One Link for all call sites; closing it detaches them all and
 * frees the spec slots.
 */
export function attachUsdt(program: ProgramHandle, specs: BpfMap, options: UsdtOptions): Link {
  const target = `${options.binary}:${options.provider}:${options.name}`;
  const usdtArch: UsdtArch = arch() === 'arm64' ? 'arm64' : 'x64';
  let notes;
  try {
    notes = readUsdtNotes(options.binary).filter((n) => n.provider === options.provider && n.name === options.name);
  } catch (e) {
    if (e instanceof UsdtError || (e as Error).name === 'ElfError') throw new AttachError((e as Error).message, 'usdt', target);
    throw e;
  }
  if (notes.length === 0) throw new AttachError(`${options.binary} has no USDT probe ${options.provider}:${options.name}`, 'usdt', target);
  let taken = usedSlots.get(specs);
  if (taken === undefined) usedSlots.set(specs, taken = new Set());
  const mine: number[] = [];
  const links: Link[] = [];
  const undo = (): void => {
    for (const l of links.splice(0)) l.close();
    for (const s of mine.splice(0)) taken.delete(s);
  };
  try {
    const slotOf = new Map<string, number>();
    for (const note of notes) {
      let slot = slotOf.get(note.args);
      if (slot === undefined) {
        const args = parseUsdtArgs(note.args, usdtArch, `${target} at 0x${note.address.toString(16)}`);
        slot = freeSlot(specs, taken);
        taken.add(slot);
        mine.push(slot);
        slotOf.set(note.args, slot);
        specs.update(new ByteWriter('le', 4).i32(slot).finish(), encodeUsdtSpec(args, options.cookie ?? 0n));
      }
      links.push(attachUprobe(program, {
        binary: options.binary, offset: note.fileOffset, cookie: BigInt(slot),
        ...(note.semaphoreOffset === 0 ? {} : { refCtrOffset: note.semaphoreOffset }),
        ...(options.pid === undefined ? {} : { pid: options.pid }),
      }));
    }
  } catch (e) {
    undo();
    if (e instanceof UsdtError) throw new AttachError(e.message, 'usdt', target);
    throw e;
  }
  return new Link('usdt', target, undefined, { detach: undo, parts: [...links] });
}

// USDT probes of a target ELF file (systemtap's <sys/sdt.h>): each `.note.stapsdt` note (owner
// "stapsdt", type 3) holds the probe's address, the link-time address of `.stapsdt.base`, the
// address of its semaphore (0: none), then provider, name and the argument string. As libbpf's
// usdt.c does, the address is moved by how far `.stapsdt.base` itself moved (prelink), and turned
// into the file offset a uprobe is placed at through the program header that maps it; a
// semaphore's address becomes the file offset of its section (the kernel's ref_ctr_offset).

import { readFileSync } from 'node:fs';
import { readElf } from '../../elf/index.js';
import { ByteReader, TsbpfError } from '../../isa/index.js';
import { sectionAddresses } from '../attach/symbol-offset.js';

/** The target binary has no such probe, or its notes are malformed. */
export class UsdtError extends TsbpfError {
  override readonly name = 'UsdtError';
}

export interface UsdtNote {
  readonly provider: string;
  readonly name: string;
  /** The argument string (`-4@%edx 8@-8(%rbp) -4@$42`). */
  readonly args: string;
  /** Virtual address of the probe (after the .stapsdt.base adjustment). */
  readonly address: bigint;
  /** File offset of the probe: where the uprobe goes. */
  readonly fileOffset: number;
  /** File offset of the semaphore (0: the probe has none). */
  readonly semaphoreOffset: number;
}

const NT_STAPSDT = 3;
const PT_LOAD = 1;
const PF_X = 1;

interface Segment { readonly vaddr: bigint; readonly memsz: bigint; readonly offset: bigint; readonly flags: number }

function segments(bytes: Uint8Array): Segment[] {
  const v = new ByteReader(bytes);
  const phoff = v.u64n(0x20, 'e_phoff');
  const phentsize = v.u16(0x36);
  const phnum = v.u16(0x38);
  const out: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (p + 56 > bytes.length) throw new UsdtError(`program header ${i} at byte ${p} is past the end of the file`);
    if (v.u32(p) !== PT_LOAD) continue;
    out.push({ flags: v.u32(p + 4), offset: v.u64(p + 8), vaddr: v.u64(p + 16), memsz: v.u64(p + 40) });
  }
  return out;
}

function cString(data: Uint8Array, at: number, where: string): [string, number] {
  const end = data.indexOf(0, at);
  if (end < 0) throw new UsdtError(`${where}: unterminated string at byte ${at} of the note`);
  return [Buffer.from(data.subarray(at, end)).toString('utf8'), end + 1];
}

/** Every USDT probe of the ELF file at `path` (64-bit little-endian). */
export function readUsdtNotes(path: string): UsdtNote[] {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsdtError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const elf = readElf(bytes);
  if (elf.byteOrder !== 'le') throw new UsdtError(`${path}: big-endian binaries are not supported`);
  const addrs = sectionAddresses(bytes);
  const notes = elf.sections.find((s) => s.name === '.note.stapsdt');
  if (notes === undefined) return [];
  const baseSec = elf.sections.find((s) => s.name === '.stapsdt.base');
  const baseAddr = baseSec === undefined ? undefined : addrs[baseSec.index]!;
  const segs = segments(bytes);
  const d = notes.data;
  const v = new ByteReader(d);
  const out: UsdtNote[] = [];
  for (let p = 0; p + 12 <= d.length;) {
    const where = `${path}: .note.stapsdt byte ${p}`;
    const namesz = v.u32(p);
    const descsz = v.u32(p + 4);
    const type = v.u32(p + 8);
    const desc = p + 12 + ((namesz + 3) & ~3);
    const next = desc + ((descsz + 3) & ~3);
    if (next > d.length) throw new UsdtError(`${where}: note runs past the section`);
    const owner = Buffer.from(d.subarray(p + 12, p + 12 + Math.max(0, namesz - 1))).toString('latin1');
    if (owner === 'stapsdt' && type === NT_STAPSDT) {
      if (descsz < 24 + 3) throw new UsdtError(`${where}: descriptor of ${descsz} bytes is too short`);
      const body = d.subarray(desc, desc + descsz);
      let pc = v.u64(desc);
      const linkBase = v.u64(desc + 8);
      const sema = v.u64(desc + 16);
      const [provider, a] = cString(body, 24, where);
      const [name, b] = cString(body, a, where);
      const [args] = cString(body, b, where);
      if (baseAddr !== undefined && linkBase !== 0n) pc += baseAddr - linkBase;
      const seg = segs.find((s) => (s.flags & PF_X) !== 0 && pc >= s.vaddr && pc < s.vaddr + s.memsz);
      if (seg === undefined) throw new UsdtError(`${where}: probe ${provider}:${name} at 0x${pc.toString(16)} is in no executable segment`);
      let semaphoreOffset = 0;
      if (sema !== 0n) {
        const sec = elf.sections.find((s) => s.type !== 8 && addrs[s.index]! <= sema && sema < addrs[s.index]! + BigInt(s.size) && addrs[s.index]! !== 0n);
        if (sec === undefined) throw new UsdtError(`${where}: semaphore of ${provider}:${name} at 0x${sema.toString(16)} is in no section with file bytes`);
        semaphoreOffset = Number(sema - addrs[sec.index]!) + sec.offset;
      }
      out.push({ provider, name, args, address: pc, fileOffset: Number(pc - seg.vaddr + seg.offset), semaphoreOffset });
    }
    p = next;
  }
  return out;
}

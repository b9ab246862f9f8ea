// tsbpf btf dump FILE [--format raw|c|json] [--base FILE]: the type listing of an ELF object's
// .BTF section or of a raw BTF file (e.g. /sys/kernel/btf/vmlinux), as bpftool prints it.

import { basename, dirname, resolve } from 'node:path';
import { type Btf, BtfError, decodeBtf, isElf, readElf, writeBtfC, writeBtfJson, writeBtfRawBytes } from '../../elf/index.js';

export type BtfDumpFormat = 'raw' | 'c' | 'json';

export interface BtfDumpOptions {
  readonly format?: BtfDumpFormat | undefined;
  /** Bytes of the base BTF (raw or ELF) for split BTF. */
  readonly base?: Uint8Array | undefined;
}

/** The BTF blob of a file: an ELF object's .BTF section, or the file itself. */
export function btfBytesOfFile(bytes: Uint8Array): Uint8Array {
  if (!isElf(bytes)) return bytes;
  const section = readElf(bytes).sections.find((s) => s.name === '.BTF');
  if (section === undefined) throw new BtfError('the ELF object has no .BTF section', 0);
  return section.data;
}

/** The base a file needs when none is given: vmlinux for a module's BTF under /sys/kernel/btf/. */
export function defaultBasePath(file: string): string | undefined {
  const abs = resolve(file);
  if (dirname(abs) === '/sys/kernel/btf' && basename(abs) !== 'vmlinux') return '/sys/kernel/btf/vmlinux';
  return undefined;
}

/** Decodes a file's BTF on top of an optional base; a BtfError from the base has inBase set. */
export function loadBtf(bytes: Uint8Array, base?: Uint8Array): Btf {
  let baseBtf: Btf | undefined;
  if (base !== undefined) {
    try {
      baseBtf = decodeBtf(btfBytesOfFile(base));
    } catch (e) {
      if (e instanceof BtfError) e.inBase = true;
      throw e;
    }
  }
  return decodeBtf(btfBytesOfFile(bytes), { base: baseBtf });
}

/** Writes the dump to `write` in pieces (the raw listing streams; C and JSON come in one piece, JSON as UTF-8 bytes). */
export function dumpBtfTo(bytes: Uint8Array, options: BtfDumpOptions, write: (text: string | Uint8Array) => void): void {
  const btf = loadBtf(bytes, options.base);
  switch (options.format ?? 'raw') {
    case 'raw': writeBtfRawBytes(btf, write); break;
    case 'c': write(writeBtfC(btf).bytes()); break;
    case 'json': write(writeBtfJson(btf).bytes()); break;
  }
}

export function dumpBtf(bytes: Uint8Array, options: BtfDumpOptions = {}): string {
  const out: string[] = [];
  dumpBtfTo(bytes, options, (s) => out.push(typeof s === 'string' ? s : Buffer.from(s.buffer, s.byteOffset, s.length).toString('utf8')));
  return out.join('');
}

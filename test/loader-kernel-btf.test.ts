// Kernel BTF bytes: mapped from /sys/kernel/btf where the kernel allows it (Linux >= 6.15), read
// otherwise; either way the same bytes as a plain read, and the same decoded types.

import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { decodeBtf, formatTypeRaw } from '../elf/index.js';
import { readKernelBtfBytes } from '../loader/index.js';
import { inCI } from './support/references.js';

const hasKernelBtf = (() => {
  try { return readdirSync('/sys/kernel/btf').includes('vmlinux'); } catch { return false; }
})();
if (inCI && !hasKernelBtf) throw new Error('CI=true requires /sys/kernel/btf/vmlinux');
if (!hasKernelBtf) console.warn('SKIP: no /sys/kernel/btf/vmlinux');

/** Whether this kernel maps its BTF files (added in Linux 6.15). */
function kernelMapsBtf(): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (m === null) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 6 || (major === 6 && minor >= 15);
}

describe.skipIf(!hasKernelBtf)('kernel BTF bytes', () => {
  it('maps vmlinux BTF on a kernel that allows it, and the bytes equal a plain read', () => {
    const { bytes, source } = readKernelBtfBytes('/sys/kernel/btf/vmlinux');
    expect(source).toBe(kernelMapsBtf() ? 'mmap' : 'read');
    const read = readFileSync('/sys/kernel/btf/vmlinux');
    expect(bytes.length).toBe(read.length);
    expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(read)).toBe(true);
  });

  it('decodes the mapped bytes to the same types as the read bytes', () => {
    const mapped = decodeBtf(readKernelBtfBytes('/sys/kernel/btf/vmlinux').bytes);
    const read = decodeBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
    expect(mapped.length).toBe(read.length);
    // A spread of types by their bpftool text (the whole dump is compared with bpftool elsewhere).
    for (let i = 0; i < 500; i++) {
      const id = 1 + Math.floor((i * (read.length - 1)) / 500);
      expect(formatTypeRaw(mapped, id, mapped.requireType(id))).toBe(formatTypeRaw(read, id, read.requireType(id)));
    }
  });
});

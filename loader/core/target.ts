// Reading the BTF that CO-RE relocates against: the running kernel's (/sys/kernel/btf/vmlinux plus
// the split BTF of every loaded module) or a file the user names (raw BTF, or an ELF file's .BTF
// section, like libbpf's btf__parse), which relocates for another kernel offline.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Btf, BtfError, type BtfValidation, decodeBtf, ElfError, isElf, readElf } from '../../elf/index.js';
import type { CoreTarget } from './candidates.js';
import { CoreError } from './errors.js';
import { readKernelBtfBytes } from '../kernel-btf-bytes.js';

export const KERNEL_BTF_DIR = '/sys/kernel/btf';

export interface KernelCoreTargetOptions {
  /** A BTF file to use instead of the kernel's; no module BTF is added then (as libbpf's btf_custom_path). */
  readonly btfPath?: string;
  /** Add module BTFs from /sys/kernel/btf (default true; ignored with btfPath). */
  readonly modules?: boolean;
}

function readFile(path: string): Uint8Array {
  try { return readFileSync(path); } catch (e) {
    throw new CoreError(`cannot read BTF file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** A file of /sys/kernel/btf, mapped where the kernel allows (see kernel-btf-bytes.ts). */
function readKernelFile(path: string): Uint8Array {
  try { return readKernelBtfBytes(path).bytes; } catch (e) {
    throw new CoreError(`cannot read BTF file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * Decodes raw BTF or the .BTF section of an ELF file; `base` for split (module) BTF. The kernel's own
 * files need only the structural check (the kernel validated them when it booted or loaded the module).
 */
export function decodeBtfFile(path: string, bytes: Uint8Array, base?: Btf, validation: BtfValidation = 'full'): Btf {
  try {
    if (isElf(bytes)) {
      const sec = readElf(bytes).sections.find((s) => s.name === '.BTF');
      if (sec === undefined) throw new CoreError(`${path}: ELF file has no .BTF section`);
      return decodeBtf(sec.data, { base, validation });
    }
    return decodeBtf(bytes, { base, validation });
  } catch (e) {
    if (e instanceof BtfError || e instanceof ElfError) throw new CoreError(`${path}: ${e.message}`);
    throw e;
  }
}

export function loadKernelCoreTarget(options: KernelCoreTargetOptions = {}): CoreTarget {
  if (options.btfPath !== undefined) return { btf: decodeBtfFile(options.btfPath, readFile(options.btfPath)) };
  const vmlinuxPath = join(KERNEL_BTF_DIR, 'vmlinux');
  if (!existsSync(vmlinuxPath)) throw new CoreError(`${vmlinuxPath} does not exist: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF); name a BTF file instead`);
  const btf = decodeBtfFile(vmlinuxPath, readKernelFile(vmlinuxPath), undefined, 'structure');
  if (options.modules === false) return { btf };
  const modules: Btf[] = [];
  for (const name of readdirSync(KERNEL_BTF_DIR).sort()) {
    if (name === 'vmlinux') continue;
    const path = join(KERNEL_BTF_DIR, name);
    modules.push(decodeBtfFile(path, readKernelFile(path), btf, 'structure'));
  }
  return { btf, modules };
}

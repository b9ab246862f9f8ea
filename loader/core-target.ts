// The CO-RE target of a load: the kernel's BTF (and its modules'), decoded once per process and path.

import { type CoreTarget, loadKernelCoreTarget } from './core/index.js';
import { seedKernelBtf, VMLINUX_BTF } from './kernel-btf.js';

const coreTargets = new Map<string, CoreTarget>();

/** The CO-RE target for `btfPath` (default: the running kernel's), cached. */
export function coreTarget(btfPath: string | undefined): CoreTarget {
  const key = btfPath ?? '';
  let t = coreTargets.get(key);
  if (t === undefined) {
    t = loadKernelCoreTarget(btfPath === undefined ? {} : { btfPath });
    coreTargets.set(key, t);
    // The default target's BTF is the same kernel BTF attach targets are looked up in: decode once.
    if (btfPath === undefined) seedKernelBtf(VMLINUX_BTF, t.btf);
  }
  return t;
}

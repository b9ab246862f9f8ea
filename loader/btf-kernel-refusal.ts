// The rule of the kernel's BPF_BTF_LOAD check that clang's objects break: a FUNC whose prototype
// has a parameter with a type but no name ("Invalid arg#N", btf_func_check). clang-19 writes
// such prototypes for `__naked` functions. libbpf then loads the object without its BTF (no
// func_info/line_info, maps without BTF types); the loader does the same, and the preparation
// for the verifier model uses this prediction to hand the model what the kernel will see.

import type { Btf } from '../elf/index.js';

/** The kernel's log line for the first FUNC it would refuse, or undefined when this rule passes. */
export function btfKernelRefusal(btf: Btf): string | undefined {
  for (const [id, t] of btf.types()) {
    // Extern FUNCs (kfuncs in .ksyms) get their parameters named by kernelReadyBtf, as libbpf does.
    if (t.kind !== 'FUNC' || t.linkage === 'extern') continue;
    const proto = btf.type(t.type);
    if (proto?.kind !== 'FUNC_PROTO') continue;
    const bad = proto.params.findIndex((p) => p.type !== 0 && p.name === '');
    if (bad >= 0) return `[${id}] FUNC ${t.name} type_id=${t.type} Invalid arg#${bad + 1}`;
  }
  return undefined;
}

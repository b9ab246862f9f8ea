// An instruction as the kernel's log prints it (print_bpf_insn), with a kfunc call named from the
// kernel BTF as the verifier's disasm_kfunc_name callback names it: `call bpf_task_from_pid#65334`
// (`call #0` for an unresolved weak kfunc).

import type { Btf } from '../../elf/index.js';
import { formatInstructionKernel, type Instruction } from '../../isa/index.js';

export function logInsnText(insn: Instruction, idx: number, btf: Btf | undefined): string {
  const text = formatInstructionKernel(insn, idx);
  if (insn.kind !== 'call' || insn.callee !== 'kfunc' || insn.offset !== 0 || btf === undefined) return text;
  const fn = btf.type(insn.imm);
  // Without a name (an unresolved weak kfunc, imm 0) only `#id` is left.
  return text.replace(/call kfunc#\d+$/, `call ${fn?.kind === 'FUNC' ? fn.name : ''}#${insn.imm}`);
}

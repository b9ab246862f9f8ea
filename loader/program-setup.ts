// What loading an entry program needs beyond its instructions: the program type, expected attach
// type, flags and BTF attach target its section names, and the source text of a line_info record
// for the verifier log.

import type { BpfObject, BpfProgram } from '../elf/index.js';
import { attachTypeNumber, kernelBtf, progTypeNumber } from './kernel-btf.js';
import { ObjectInputError } from './object-errors.js';
import type { LineInfoRecord } from './program-load.js';
import { ProgFlag } from './sys/index.js';

export interface ProgramSetup { type: number; attachType?: number; flags: number; attachBtfId?: number }

/** Program type, expected attach type, flags and BTF attach target from the section name. */
export function programSetup(p: BpfProgram, btfPath: string | undefined): ProgramSetup {
  const info = p.programType;
  if (info === undefined) throw new ObjectInputError(`program ${p.name}: section ${p.section} does not name a program type libbpf knows`);
  const type = progTypeNumber(info.type);
  let flags = 0;
  if (info.sleepable) flags |= ProgFlag.SLEEPABLE;
  if (info.frags) flags |= ProgFlag.XDP_HAS_FRAGS;
  const setup: ProgramSetup = { type, flags };
  if (info.attachType !== undefined) setup.attachType = attachTypeNumber(info.attachType);
  const target = info.target;
  const btfTarget = (prefix: string, kind: 'FUNC' | 'TYPEDEF'): number => {
    if (target === undefined || target === '') throw new ObjectInputError(`program ${p.name}: section ${p.section} names no attach target`);
    const id = kernelBtf(btfPath).findOne(prefix + target, kind);
    if (id === undefined) throw new ObjectInputError(`program ${p.name}: attach target ${prefix}${target} is not in the kernel's BTF`);
    return id;
  };
  switch (info.attachType) {
    case 'trace_fentry': case 'trace_fexit': case 'modify_return': setup.attachBtfId = btfTarget('', 'FUNC'); break;
    case 'trace_raw_tp': setup.attachBtfId = btfTarget('btf_trace_', 'TYPEDEF'); break;
    case 'lsm_mac': case 'lsm_cgroup': setup.attachBtfId = btfTarget('bpf_lsm_', 'FUNC'); break;
    case 'trace_iter': setup.attachBtfId = btfTarget('bpf_iter_', 'FUNC'); break;
    default: break;
  }
  return setup;
}

/** `file:line: text` of a line_info record, from the object's BTF strings. */
export function sourceLineText(object: BpfObject, rec: LineInfoRecord): string {
  const btf = object.btf;
  if (btf === undefined) return '';
  const file = btf.string(rec.fileNameOff);
  const text = btf.string(rec.lineOff).trim();
  return `${file}:${rec.lineCol >>> 10}${text === '' ? '' : `: ${text}`}`;
}

// loadObject's side of preverification: the maps a program names as the model sees them, and the
// load itself with the kernel's verdict compared to the model's prediction.

import type { BpfObject } from '../elf/index.js';
import type { LoaderLog } from './log.js';
import type { BpfMap } from './maps.js';
import type { PreparedMap } from './prepare.js';
import { type LoadedProgram, LoadError } from './program-load.js';
import { type PreverifyProgram, type PreverifyVerdict, writeMismatchReport } from './preverify.js';

const BPF_F_RDONLY_PROG = 0x80;

/** Every map of the load by fd, with a read-only data section's contents (the verifier may fold them). */
export function preparedMaps(object: BpfObject, maps: ReadonlyMap<string, BpfMap>): Map<number, PreparedMap> {
  const out = new Map<number, PreparedMap>();
  for (const [key, m] of maps) {
    const i = m.info;
    const g = object.globals.find((x) => x.name === key);
    const frozen = g !== undefined && g.kind === 'rodata' && (i.flags & BPF_F_RDONLY_PROG) !== 0;
    out.set(m.fd, {
      name: key, type: i.type, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, flags: i.flags,
      ...(frozen ? { frozenValue: g.data.subarray(0, g.size) } : {}),
    });
  }
  return out;
}

function describe(v: PreverifyVerdict): string {
  return v.accepted === true ? 'accepted it' : `rejected it (${v.errno ?? '?'}${v.insn === null ? '' : ` at insn ${v.insn}`}: ${v.message ?? ''})`;
}

/**
 * Loads through `load`; when the model predicted a verdict and the kernel's differs, writes the
 * report and says so: a warning when the kernel accepted, the LoadError's message when it refused.
 */
export function loadComparing(program: PreverifyProgram | undefined, model: PreverifyVerdict | undefined, dir: string | undefined, log: LoaderLog, load: () => LoadedProgram): LoadedProgram {
  const decided = program !== undefined && model !== undefined && model.accepted !== null;
  let loaded: LoadedProgram;
  try {
    loaded = load();
  } catch (e) {
    if (!decided || !(e instanceof LoadError)) throw e;
    e.model = model;
    if (model.accepted === true) {
      e.mismatchReport = writeMismatchReport(dir, program, model, { accepted: false, errno: e.errno, log: e.log });
      e.message += ` (the verifier model accepted it: please report this with ${e.mismatchReport})`;
    }
    throw e;
  }
  if (decided && model.accepted === false) {
    const report = writeMismatchReport(dir, program, model, { accepted: true, errno: null, log: loaded.log });
    log('warn', `prog '${program.name}': the verifier model ${describe(model)} but the kernel accepted it; please report this with ${report}`);
  }
  return loaded;
}

// tsbpf probe: which program types, map types (and with --helpers, which helpers per program
// type) the running kernel supports, by real loads. With --prog-type/--map-type/--helper it
// checks one feature and answers with its exit status.

import { KERNEL_HELPER_NAMES } from '../../isa/index.js';
import {
  ATTACH_PROBE_NAMES, type AttachProbeName, type FeatureReport, probeAttach, MAP_TYPE_NAMES, probeHelper, probeKernel, probeMapType, probeProgramType, type ProbeResult, PROGRAM_TYPE_NAMES,
} from '../../loader/index.js';
import { UsageError } from '../cli/usage-error.js';

export interface ProbeQuery {
  readonly progType?: string;
  readonly mapType?: string;
  readonly helper?: string;
  readonly attach?: string;
}

function lookup(table: readonly [string, number][], name: string, what: string): number {
  const hit = table.find(([n]) => n === name.toLowerCase());
  if (hit === undefined) throw new UsageError(`unknown ${what} '${name}' (known: ${table.map(([n]) => n).join(', ')})`);
  return hit[1];
}

/** One feature: the probe's verdict. */
export function probeOne(q: ProbeQuery): ProbeResult & { readonly feature: string } {
  if (q.helper !== undefined) {
    if (q.progType === undefined) throw new UsageError('--helper needs --prog-type');
    const h = KERNEL_HELPER_NAMES.indexOf(q.helper.startsWith('bpf_') ? q.helper : `bpf_${q.helper}`);
    if (h <= 0) throw new UsageError(`unknown helper '${q.helper}'`);
    return { feature: `helper ${KERNEL_HELPER_NAMES[h]} from ${q.progType}`, ...probeHelper(lookup(PROGRAM_TYPE_NAMES, q.progType, 'program type'), h) };
  }
  if (q.attach !== undefined) {
    const kind = q.attach.toLowerCase();
    if (!(ATTACH_PROBE_NAMES as string[]).includes(kind)) throw new UsageError(`unknown attach kind '${q.attach}' (known: ${ATTACH_PROBE_NAMES.join(', ')})`);
    return { feature: `attach ${kind}`, ...probeAttach(kind as AttachProbeName) };
  }
  if (q.progType !== undefined) return { feature: `program type ${q.progType}`, ...probeProgramType(lookup(PROGRAM_TYPE_NAMES, q.progType, 'program type')) };
  if (q.mapType !== undefined) return { feature: `map type ${q.mapType}`, ...probeMapType(lookup(MAP_TYPE_NAMES, q.mapType, 'map type')) };
  throw new UsageError('nothing to probe');
}

export function probeAll(helpers: boolean): FeatureReport {
  return probeKernel({ helpers });
}

/** Text form: `prog_type NAME yes|no`, `map_type NAME yes|no`, `attach KIND yes|no`, `helper PROG_TYPE HELPER` per allowed pair. */
export function formatReport(r: FeatureReport): string {
  const out: string[] = [];
  for (const [n, v] of Object.entries(r.programTypes)) out.push(`prog_type ${n} ${v ? 'yes' : 'no'}`);
  for (const [n, v] of Object.entries(r.mapTypes)) out.push(`map_type ${n} ${v ? 'yes' : 'no'}`);
  for (const [n, v] of Object.entries(r.attach)) out.push(`attach ${n} ${v ? 'yes' : 'no'}`);
  for (const [t, hs] of Object.entries(r.helpers ?? {})) for (const h of hs) out.push(`helper ${t} ${h}`);
  return `${out.join('\n')}\n`;
}

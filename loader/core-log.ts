// What CO-RE relocation decided, reported through the loader log in libbpf 1.1's words: the
// target candidates of each local type ("CO-RE relocating [5] struct task_struct: found target
// candidate [114] struct task_struct in [vmlinux]"), then per relocation the candidate chosen (or
// none) and the instruction patched or poisoned.

import type { BpfObject } from '../elf/index.js';
import type { Btf } from '../elf/index.js';
import { type CoreRelocationResult, type CoreTarget, findCandidates } from './core/index.js';
import type { LoaderLog } from './log.js';

/** Reports `results` (of relocateObjectCore on `object` against `target`) at debug level. */
export function reportCoreRelocations(log: LoaderLog, object: BpfObject, target: CoreTarget, results: readonly CoreRelocationResult[]): void {
  const local = object.btf;
  if (local === undefined) return;
  const where = (btf: unknown): string => {
    const m = target.modules?.indexOf(btf as never) ?? -1;
    return btf === target.btf || m < 0 ? 'vmlinux' : `module #${m}`;
  };
  const reported = new Set<number>();
  for (const r of results) {
    if (r.kind !== 'type_id_local' && !reported.has(r.localTypeId)) {
      reported.add(r.localTypeId);
      // Nothing when there is no candidate, as libbpf: the relocation line says no candidate matched.
      for (const c of findCandidates(local, r.localTypeId, target)) {
        log('debug', `CO-RE relocating [${r.localTypeId}] ${kindAndName(local, r.localTypeId)}: found target candidate [${c.id}] ${kindAndName(c.btf, c.id)} in [${where(c.btf)}]`);
      }
    }
    const head = `prog '${r.program}': relo #${r.relocationIndex}: <${r.kind}> [${r.localTypeId}] ${r.localType} ${r.accessString}`;
    const chosen = r.kind === 'type_id_local' ? 'local type id, no candidates' : r.targetTypeId === undefined ? 'no matching candidate' : `chosen candidate [${r.targetTypeId}]${r.targetModule === undefined ? '' : ` in [module #${r.targetModule}]`}`;
    const patch = r.ok ? `patched insn #${r.slot} ${r.originalValue} -> ${r.patchedValue}` : `insn #${r.slot} poisoned (${r.message ?? 'no target'})`;
    log('debug', `${head}: ${chosen}; ${patch}`);
  }
}

/** libbpf's btf_kind_str and the name: "struct task_struct", "typedef pid_t", "enum64 x". */
function kindAndName(btf: Btf, id: number): string {
  const t = btf.requireType(id);
  return `${t.kind.toLowerCase()} ${t.name}`;
}

// Candidate target types of a local root type: same kind (enum ~ enum64) and same essential name,
// in vmlinux first and in module BTFs only when vmlinux has none (libbpf's bpf_core_find_cands).
// The cache is per object, keyed by local type id; resolveRelocation prunes its lists.

import type { Btf } from '../../elf/index.js';
import type { CoreCandidate } from './calc.js';
import { CoreError } from './errors.js';
import { essentialName } from './names.js';
import { kindsCoreCompatible, typeAt } from './type-queries.js';

/** vmlinux BTF and the split BTFs of modules (on top of it). */
export interface CoreTarget {
  readonly btf: Btf;
  readonly modules?: readonly Btf[];
}

/** essential name → own type ids in ascending order, built once per graph. */
const indexes = new WeakMap<Btf, Map<string, number[]>>();

function essentialIndex(btf: Btf): Map<string, number[]> {
  let index = indexes.get(btf);
  if (index !== undefined) return index;
  index = new Map();
  for (let id = btf.firstId; id <= btf.lastId; id++) {
    const name = btf.nameOf(id);
    if (name === '') continue;
    const key = essentialName(name);
    const list = index.get(key);
    if (list === undefined) index.set(key, [id]); else list.push(id);
  }
  indexes.set(btf, index);
  return index;
}

/** bpf_core_add_cands: the candidates of one target graph (its own types only). */
export function candidatesIn(local: Btf, localId: number, targ: Btf): CoreCandidate[] {
  const lt = typeAt(local, localId);
  const name = local.nameOf(localId);
  if (name === '') return [];
  const out: CoreCandidate[] = [];
  for (const id of essentialIndex(targ).get(essentialName(name)) ?? []) {
    if (kindsCoreCompatible(typeAt(targ, id), lt)) out.push({ btf: targ, id });
  }
  return out;
}

/** bpf_core_find_cands: vmlinux candidates, else module candidates. */
export function findCandidates(local: Btf, localId: number, target: CoreTarget): CoreCandidate[] {
  if (!local.has(localId)) throw new CoreError(`local BTF has no type id ${localId}`);
  if (local.nameOf(localId) === '') throw new CoreError(`type [${localId}] is anonymous: libbpf cannot search candidates for it`);
  const found = candidatesIn(local, localId, target.btf);
  if (found.length > 0) return found;
  for (const m of target.modules ?? []) found.push(...candidatesIn(local, localId, m));
  return found;
}

/** The per-object candidate cache (libbpf's cand_cache). */
export class CandidateCache {
  private readonly lists = new Map<number, CoreCandidate[]>();
  constructor(private readonly local: Btf, private readonly target: CoreTarget) {}

  /** The live (prunable) list for a local root type. */
  get(localId: number): CoreCandidate[] {
    let list = this.lists.get(localId);
    if (list === undefined) {
      list = findCandidates(this.local, localId, this.target);
      this.lists.set(localId, list);
    }
    return list;
  }
}

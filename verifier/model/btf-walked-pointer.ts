// The register a load of a pointer member through a PTR_TO_BTF_ID gives (check_ptr_to_btf_access
// after btf_struct_walk): a pointer to the member's struct whose trust follows the parent's and the
// kernel's allow lists. Those lists are in the kernel BTF itself: `struct <parent>__safe_trusted`
// (and __safe_trusted_or_null, __safe_rcu, __safe_rcu_or_null) name the pointer members that keep
// their parent's trust (btf_nested_type_is_trusted).

import type { Btf } from '../../elf/index.js';
import { isRcuReg, isTrustedReg } from './btf-pointer.js';
import type { Env } from './env.js';
import { notModelled } from './outcome.js';
import { pointerReg, type RegFlags, type RegState, unknownReg } from './reg.js';
import type { WalkedPointer } from './btf-walk.js';
import { skipTypeModifiers } from './btf-types.js';

const skip = skipTypeModifiers;

/** btf_nested_type_is_trusted: the allow-list struct `<parent><suffix>` has a pointer member `field` to `pointee`. */
function listed(btf: Btf, parent: number, suffix: string, field: string, pointee: number): boolean {
  const p = btf.type(parent);
  if (p?.kind !== 'STRUCT') return false;
  const list = btf.findByName(`${p.name}${suffix}`, 'STRUCT')[0];
  const t = list === undefined ? undefined : btf.type(list);
  if (t?.kind !== 'STRUCT') return false;
  return t.members.some((m) => {
    const mt = btf.type(m.type);
    return mt?.kind === 'PTR' && m.name === field && skip(btf, mt.type) === pointee;
  });
}

/** The type tags on a pointer's target (`__rcu`, `__user`, `__percpu`). */
function typeTags(btf: Btf, ptr: number): string[] {
  const p = btf.type(ptr);
  const tags: string[] = [];
  let id = p?.kind === 'PTR' ? p.type : 0;
  for (let d = 0; d < 32; d++) {
    const t = btf.type(id);
    if (t?.kind !== 'TYPE_TAG') break;
    tags.push(t.name);
    id = t.type;
  }
  return tags;
}

/** The pointer register loaded from `walked` in the struct `parentId` that `reg` points to. */
export function walkedPointerReg(env: Env, btf: Btf, reg: RegState, parentId: number, walked: WalkedPointer): RegState {
  // A walk through a union of several members gives PTR_UNTRUSTED mixed with the parent's trust.
  if (walked.throughUnion) notModelled('pointer members reached through a union');
  const p = btf.type(walked.ptr);
  if (p?.kind !== 'PTR') return notModelled('a pointer member that is not a pointer');
  const pointee = skip(btf, p.type);
  const st = btf.type(pointee);
  // A pointer to anything but a struct reads as a scalar.
  if (st?.kind !== 'STRUCT' && st?.kind !== 'UNION') return unknownReg();
  if (st.kind === 'UNION') notModelled('a pointer member to a union');
  const tags = typeTags(btf, walked.ptr);
  if (tags.includes('user') || tags.includes('percpu')) notModelled(`a __${tags.join('/__')} pointer member`);
  const is = (suffix: string): boolean => listed(btf, parentId, suffix, walked.member, pointee);
  let flags: Partial<RegFlags>;
  if (reg.flags.untrusted === true) {
    flags = { untrusted: true };
  } else if (isTrustedReg(reg) || isRcuReg(reg)) {
    // in_rcu_cs: non-sleepable programs always are; the model types walks only where it knows that.
    const inRcu = env.state.activeRcuLock === true || env.opts.attach !== undefined;
    if (is('__safe_trusted')) flags = { trusted: true };
    else if (is('__safe_trusted_or_null')) flags = { trusted: true, maybeNull: true };
    else if (!inRcu) return notModelled('pointer walks in programs that may sleep');
    else if (is('__safe_rcu')) flags = { rcu: true };
    else if (tags.includes('rcu') || is('__safe_rcu_or_null')) flags = { rcu: true, maybeNull: true };
    else flags = {};
  } else {
    flags = {};
  }
  const r = pointerReg('ptr', { btfName: st.name, flags: { maybeNull: false, rdonly: false, ringbuf: false, ...flags } });
  if (flags.maybeNull === true) r.id = env.nextId();
  return r;
}

// Local storage maps: a value per kernel object, the object holding it (task, cgroup, socket and
// inode storage). `get(owner, create)` is bpf_task_storage_get(&map, task, NULL, flags)
// (bpf_cgrp_storage_get, bpf_sk_storage_get, bpf_inode_storage_get) — a value pointer or NULL,
// typed as the map's value `| null` so that tsc wants the check the verifier wants;
// `delete(owner)` is bpf_task_storage_delete (…). A task, cgroup or inode is a BTF pointer (a tpBtf
// argument, getCurrentTask(), a kfunc's result): the helper takes nothing else (ARG_PTR_TO_BTF_ID).
// A socket is any socket the language has (a lookup's, pkt.sk, a derived one) or a kernel struct
// beginning with struct sock_common (ARG_PTR_TO_BTF_ID_SOCK_COMMON).

import type TS from 'typescript';
import { keyValueMap, MAP_FLAGS, type MapDef, type MapKind, s32 } from '../dsl/index.js';
import { CompileError } from './errors.js';
import { S64 } from './int-type.js';
import type { Aggregate } from './layout.js';
import type { Lowering } from './lower.js';
import { kernelAddress } from './lower-core.js';
import { mapAddress } from './lower-map.js';
import type { MapDecl } from './module.js';
import type { MapReading } from './queue-and-prog-maps.js';
import type { Val } from './values.js';
import type { VReg } from './ir.js';
import { checkAllowed } from './lower-helper.js';
import { socketPointer } from './lower-socket.js';

export type StorageMapKind = 'taskStorage' | 'cgrpStorage' | 'skStorage' | 'inodeStorage';
export const STORAGE_MAP_CONSTRUCTORS: ReadonlySet<string> = new Set<StorageMapKind>(['taskStorage', 'cgrpStorage', 'skStorage', 'inodeStorage']);

/** Each storage's helpers and the kernel struct that owns a value. */
const STORAGE: Record<StorageMapKind, { readonly get: number; readonly delete: number; readonly owner: string; readonly type: MapKind; readonly where: string; readonly c: string }> = {
  taskStorage: { get: 156, delete: 157, owner: 'task_struct', type: 'task_storage', where: "a tpBtf argument, getCurrentTask(), a kfunc's result", c: 'task_storage' },
  cgrpStorage: { get: 210, delete: 211, owner: 'cgroup', type: 'cgrp_storage', where: "a tpBtf argument, a kfunc's result", c: 'cgrp_storage' },
  inodeStorage: { get: 145, delete: 146, owner: 'inode', type: 'inode_storage', where: "an lsm program's argument or a member of one (file.f_inode)", c: 'inode_storage' },
  skStorage: { get: 107, delete: 108, owner: 'sock', type: 'sk_storage', where: "a socket: a lookup's, pkt.sk, one derived from them, or a kernel struct starting with struct sock_common", c: 'sk_storage' },
};
/** BPF_LOCAL_STORAGE_GET_F_CREATE. */
const GET_F_CREATE = 1n;

export function readStorageMap(r: MapReading, call: TS.CallExpression, name: string, kind: StorageMapKind): MapDecl {
  const fail = (n: TS.Node, msg: string): never => { throw new CompileError(msg, r.at(n)); };
  const t = call.typeArguments?.[0];
  if (t === undefined || call.typeArguments!.length !== 1) return fail(call, `${kind} takes the value type: ${kind}<u64>()`);
  if (call.arguments.length > 0) fail(call.arguments[0]!, `${kind} takes no options (a value per ${STORAGE[kind].owner}, no maxEntries)`);
  const value = r.layout(t) ?? fail(t, 'values are integer types (u8 … u64, s8 … s64), structs (interfaces) or Arr<T, N>');
  return { name, kind, maxEntries: 0, loc: r.at(call), value };
}

/** The DSL definition, as libbpf's users declare it: an int key, BPF_F_NO_PREALLOC, no max entries. */
export function storageMapDef(m: MapDecl): MapDef {
  return keyValueMap(STORAGE[m.kind as StorageMapKind].type, { key: s32, value: m.value!.ctype, maxEntries: 0, flags: MAP_FLAGS.noPrealloc });
}

export function storageMethod(L: Lowering, map: MapDecl, method: string, e: TS.CallExpression): Val | undefined {
  const s = STORAGE[map.kind as StorageMapKind];
  if (s === undefined) return undefined;
  const args = e.arguments;
  if (method !== 'get' && method !== 'delete') return L.fail(e.expression, `a ${map.kind} has get and delete (not ${method})`);
  if (args.length < 1 || args.length > (method === 'get' ? 2 : 1)) L.fail(e, method === 'get' ? `get takes the ${s.owner} and whether to create the value` : `delete takes the ${s.owner}`);
  // The kernel gives bpf_inode_storage_* to LSM programs only (bpf_lsm_func_proto).
  if (map.kind === 'inodeStorage' && L.prog.kind !== 'lsm') L.fail(e, `${map.name}.${method} (bpf_inode_storage_${method}): inode storage is for lsm programs only, not ${L.prog.kind}`);
  checkAllowed(L, `${map.name}.${method}`, `bpf_${s.c}_${method}`, e);
  const a = args[0]!;
  const ptr = map.kind === 'skStorage' ? socketPointer(L, a, `a ${map.kind}'s owner`) : ownerPointer(L, map, s, a);
  const d = L.newV();
  if (method === 'delete') {
    L.emit({ op: 'call', helper: s.delete, args: [{ reg: mapAddress(L, map) }, { reg: ptr }], d });
    return { k: 'reg', v: d, type: S64, owned: true };
  }
  let flags = 0n;
  const c = args[1];
  if (c !== undefined) {
    if (c.kind !== L.ts.SyntaxKind.TrueKeyword && c.kind !== L.ts.SyntaxKind.FalseKeyword) L.fail(c, 'create is true or false (a literal)');
    if (c.kind === L.ts.SyntaxKind.TrueKeyword) flags = GET_F_CREATE;
  }
  L.emit({ op: 'call', helper: s.get, args: [{ reg: mapAddress(L, map) }, { reg: ptr }, { imm: 0n }, { imm: flags }], d });
  const vt = map.value!;
  if (vt.kind === 'int') return { k: 'cell', v: d, type: vt.int, map };
  return { k: 'mem', base: d, off: 0, ty: vt as Aggregate, nullable: true, align: 8 };
}

/** A task, cgroup or inode: a BTF pointer to that struct. */
function ownerPointer(L: Lowering, map: MapDecl, s: (typeof STORAGE)[StorageMapKind], a: TS.Expression): VReg {
  const owner = L.expr(a);
  if (owner.k !== 'kernel' || owner.direct !== true) return L.fail(a, `the owner is a BTF pointer to a ${s.owner} (${s.where})`);
  if (owner.ty.name !== s.owner) L.fail(a, `a ${map.kind} holds values of ${s.owner}s, not of ${owner.ty.kind} ${owner.ty.name}`);
  return kernelAddress(L, owner, a).v;
}

// Kernel structs of the running kernel's BTF, for hand-written verifier cases: offsets and sizes
// come from the machine the test runs on, never from a table.

import { kernelBtf } from '../../loader/index.js';

type BtfStruct = Extract<ReturnType<ReturnType<typeof kernelBtf>['type']>, { kind: 'STRUCT' }>;

/** The running kernel's BTF id of `name` of `kind`. */
export function kernelTypeId(name: string, kind: 'STRUCT' | 'INT' | 'UNION'): number {
  const id = kernelBtf().findByName(name, kind)[0];
  if (id === undefined) throw new Error(`kernel BTF has no ${kind} ${name}`);
  return id;
}

/** The kernel struct `name`. */
export function kernelStruct(name: string): BtfStruct {
  const t = kernelBtf().type(kernelTypeId(name, 'STRUCT'));
  if (t?.kind !== 'STRUCT') throw new Error(`kernel BTF has no struct ${name}`);
  return t;
}

/** Byte offset and the struct size of `member` of the kernel struct `struct`. */
export function member(struct: string, name: string): { off: number; structSize: number } {
  const t = kernelStruct(struct);
  const m = t.members.find((x) => x.name === name);
  if (m === undefined) throw new Error(`struct ${struct} has no member ${name}`);
  return { off: m.bitsOffset / 8, structSize: t.size };
}

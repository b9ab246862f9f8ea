// Interfaces are named or numbered; attaching needs the index.

import { ifNameToIndex, SyscallError } from '../sys/index.js';
import { AttachError, type LinkKind } from './link.js';

export function interfaceIndex(iface: string | number, kind: LinkKind): number {
  if (typeof iface === 'number') return iface;
  try {
    return ifNameToIndex(iface);
  } catch (e) {
    if (e instanceof SyscallError) throw new AttachError(`no such network interface`, kind, iface, 'ENODEV');
    throw e;
  }
}

// The errors loadObject raises about its input (as opposed to the kernel's refusals, which are
// SyscallError, MapError, LoadError …).

import { TsbpfError } from '../isa/index.js';

/** The object file cannot be read, or names something it does not have. */
export class ObjectInputError extends TsbpfError {
  override readonly name = 'ObjectInputError';
}

/** A map pinned by name exists with a different definition. */
export class PinMismatchError extends TsbpfError {
  override readonly name = 'PinMismatchError';
}

// The typed error of the BTF codec: what is wrong and at which byte offset of the BTF blob.

import { TsbpfError } from '../../isa/index.js';

export class BtfError extends TsbpfError {
  override readonly name = 'BtfError';
  /** Set by callers that decode a base and its split BTF, when the base was at fault. */
  inBase?: boolean;
  constructor(
    readonly reason: string,
    /** Byte offset in the BTF blob (from its header's first byte) where the problem was found. */
    readonly byteOffset: number,
  ) {
    super(`BTF byte offset ${byteOffset}: ${reason}`);
  }
}

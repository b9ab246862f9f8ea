// Typed error of the CO-RE resolver. The algorithms throw it without a location; relocateObjectCore
// adds the program, instruction and relocation index before it leaves the module.

import { TsbpfError } from '../../isa/index.js';

/** Where a CO-RE relocation sits: program name, instruction index (our model) and libbpf's slot number. */
export interface CoreLocation {
  readonly program: string;
  /** Index into the program's `instructions` (an ld_imm64 is one instruction). */
  readonly insnIndex: number;
  /** libbpf's "insn #N": the 8-byte slot number from the start of the program. */
  readonly slot: number;
  /** libbpf's "relo #N": the record's index among the section's CO-RE records. */
  readonly relocationIndex: number;
}

/**
 * A relocation libbpf would refuse (the whole load fails there): malformed access string, bad type
 * id, an instruction that does not hold the expected value or cannot be patched, ambiguous
 * candidates. Relocations that merely find no target are not errors: they are poisoned.
 */
export class CoreError extends TsbpfError {
  override readonly name = 'CoreError';
  constructor(
    readonly reason: string,
    readonly location?: CoreLocation,
  ) {
    super(location === undefined ? reason
      : `program '${location.program}' insn ${location.insnIndex} (slot ${location.slot}), CO-RE relo #${location.relocationIndex}: ${reason}`);
  }

  /** The same error, placed. */
  at(location: CoreLocation): CoreError {
    return this.location === undefined ? new CoreError(this.reason, location) : this;
  }
}

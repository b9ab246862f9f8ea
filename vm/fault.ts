// How a run ends badly: a typed fault value (never a JS exception leaking out of a run), and the
// error class for callers that prefer to throw it.

import { TsbpfError } from '../isa/index.js';

export type FaultKind = 'memory' | 'helper' | 'call' | 'limit' | 'instruction';

/** Why a run stopped early: the instruction (slot index), and for memory faults the address and region. */
export interface VmFault {
  readonly kind: FaultKind;
  readonly insn: number;
  /** The faulting address as a hex string, for memory faults. */
  readonly address?: string;
  /** The region the address fell in (or near), for memory faults. */
  readonly region?: string;
  readonly message: string;
}

/** Thrown inside the engines and caught at the run boundary, where it becomes `RunResult.fault`. */
export class FaultSignal {
  /** Set once the engine that saw it has added its executed instructions to the count. */
  counted = false;
  constructor(readonly fault: VmFault) {}
}

export function fault(kind: FaultKind, insn: number, message: string, extra: { address?: string; region?: string } = {}): never {
  throw new FaultSignal({ kind, insn, ...extra, message });
}

/** A fault as an error, for `runOrThrow` and the CLI. */
export class VmFaultError extends TsbpfError {
  override readonly name = 'VmFaultError';
  constructor(readonly fault: VmFault) {
    super(`instruction ${fault.insn}: ${fault.message}`);
  }
}

/** Bad input to the vm itself (an undecodable program, an unknown program type, a bad context size). */
export class VmError extends TsbpfError {
  override readonly name = 'VmError';
}

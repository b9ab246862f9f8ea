// Addresses of buffers for the pointer fields of system call arguments, and what keeps those
// buffers alive until the call.

import { libc } from './libc.js';

/**
 * Address of a buffer's first byte, for pointer fields. An address is a number the garbage
 * collector does not see, so a buffer reachable only through it could be freed before the system
 * call that uses it, and a kernel writing into freed memory corrupts the heap. Every buffer given
 * here is therefore held until the next system call through this module has returned (the usual
 * address → encodeAttr → bpf() sequence). An attr kept for many calls must keep its buffers
 * referenced itself, or pass them as the `keep` argument of bpf(), bpfRaw() or perfEventOpen().
 */
export function address(buf: Uint8Array): bigint {
  addressed.push(buf);
  return libc().koffi.address(buf);
}

/** Buffers given to address() since the last system call returned. */
let addressed: Uint8Array[] = [];

/**
 * What the current system call's attr points to (`keep`), held here during the call: a module
 * variable written before and cleared after the native call, which an optimizer cannot drop.
 */
let heldForCall: unknown;

/** Before a system call: holds `keep` until released(). */
export function holdForCall(keep: unknown): void {
  heldForCall = keep;
}

/** After a system call: what address() and `keep` held for it may be collected again. */
export function released(): void {
  heldForCall = undefined;
  if (addressed.length !== 0) addressed = [];
}

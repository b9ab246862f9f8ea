// The one place koffi and libc are loaded. koffi is loaded on first use, so importing tsbpf works
// on machines where it is missing or where bpf(2) does not exist; the first call then throws
// NativeUnavailableError saying why.

import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { NativeUnavailableError } from './errors.js';

type Koffi = typeof import('koffi');

/** Syscall numbers per architecture (arch/x86/entry/syscalls, include/uapi/asm-generic/unistd.h). */
const SYSCALLS: Readonly<Record<string, SyscallNumbers>> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

export interface SyscallNumbers { readonly bpf: number; readonly perfEventOpen: number }

export interface Libc {
  readonly koffi: Koffi;
  readonly lib: ReturnType<Koffi['load']>;
  readonly nr: SyscallNumbers;
}

let loaded: Libc | undefined;
let failure: string | undefined;

/** koffi and libc.so.6, after the platform checks; throws NativeUnavailableError when they fail. */
export function libc(): Libc {
  if (loaded !== undefined) return loaded;
  if (failure !== undefined) throw new NativeUnavailableError(failure);
  try {
    if (process.platform !== 'linux') throw new Error(`bpf(2) needs Linux; this is ${process.platform}`);
    const nr = SYSCALLS[process.arch];
    if (nr === undefined) throw new Error(`the syscall shim does not know the syscall numbers of ${process.arch}`);
    if (endianness() !== 'LE') throw new Error('the syscall shim encodes bpf_attr little-endian; this host is big-endian');
    // createRequire keeps koffi (CommonJS, native) out of the static import graph.
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    let koffi: Koffi;
    try {
      koffi = req('koffi') as Koffi;
    } catch (e) {
      throw new Error(`cannot load koffi, which tsbpf uses for system calls: ${(e as Error).message.split('\n')[0]}`);
    }
    loaded = { koffi, lib: koffi.load('libc.so.6'), nr };
    return loaded;
  } catch (e) {
    failure = (e as Error).message;
    throw new NativeUnavailableError(failure);
  }
}

/** A libc function from its C prototype (koffi syntax); callers bind it once and keep it. */
export function libcFunction<F>(prototype: string): F {
  return libc().lib.func(prototype) as unknown as F;
}

/** A getter for a set of libc functions (name → prototype), bound together on first use. */
export function libcFunctions<T>(prototypes: { readonly [K in keyof T]: string }): () => T {
  let bound: T | undefined;
  return () => bound ??= Object.fromEntries(Object.entries<string>(prototypes).map(([name, p]) => [name, libcFunction(p)])) as T;
}

/** Whether the native layer loads here (does not say whether bpf(2) is permitted: see bpfAccess). */
export function nativeAvailable(): { available: true } | { available: false; reason: string } {
  try {
    libc();
    return { available: true };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

/** Current thread's errno as koffi saw it after the last native call. */
export function lastErrno(): number {
  return libc().koffi.errno();
}

// tsbpf btf gen-ts FILE --type NAME... [-o OUT.ts] [--import MODULE] [--base FILE]: a TypeScript
// module of DSL type descriptors for kernel types (see src/dsl/types/gen-ts.ts for what is kept).

import { generateKernelDeclarations } from '../compiler/index.js';
import { generateTypesModule } from '../dsl/types/index.js';
import { loadBtf } from './btf-dump.js';

export interface BtfGenTsOptions {
  /** Type names to declare (struct, union, enum or typedef). */
  readonly types: readonly string[];
  /** Module specifier the generated file imports descriptors from (default 'tsbpf'). */
  readonly importFrom?: string | undefined;
  /** Bytes of the base BTF (raw or ELF) for split BTF. */
  readonly base?: Uint8Array | undefined;
  /** File name, for the header comment. */
  readonly source?: string | undefined;
  /** tsbpf/lang declarations (kernel structs of the language) rather than DSL descriptors. */
  readonly lang?: boolean | undefined;
}

/** The generated module's text for a raw BTF file or an ELF object's .BTF. */
export function genTsFromBytes(bytes: Uint8Array, options: BtfGenTsOptions): string {
  const btf = loadBtf(bytes, options.base);
  if (options.lang === true) {
    return generateKernelDeclarations(btf, options.types, {
      ...(options.importFrom === undefined ? {} : { importFrom: options.importFrom }),
      ...(options.source === undefined ? {} : { source: options.source }),
    });
  }
  return generateTypesModule(btf, options.types, {
    ...(options.importFrom === undefined ? {} : { importFrom: options.importFrom }),
    ...(options.source === undefined ? {} : { source: options.source }),
  });
}

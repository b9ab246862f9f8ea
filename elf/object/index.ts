// The eBPF object model: readObject / writeObject.

export { ObjectError } from './errors.js';
export { programSectionEntries, programTypeOf, type ProgramTypeInfo } from './program-types.js';
export { btfSizeOf, parseMapDef } from './maps.js';
export type { MapSpec } from './map-spec.js';
export { dataSectionKind, MAX_ALIGN, MAX_DATA_SIZE, readObject } from './read.js';
export { writeObject } from './write.js';
export type * from './types.js';

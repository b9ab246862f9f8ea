// Public surface of tsbpf/testing: property-test eBPF programs with fast-check and vitest —
// arbitraries, matchers (expect.extend(bpfMatchers)) and the map-state harness. fast-check and
// vitest are optional peer dependencies that only this subpath uses.

export { TestingError } from './errors.js';
export { type ObjectTestProgram, programFromFile, programOf, type RawTestProgram, type TestSubject } from './subject.js';
export { type BackendName, kernelStatus, type KernelOption, type MapShape, type RunInput, type RunOutcome } from './backends.js';
export { type MapDatum, type MapEntries } from './map-values.js';
export { type HarnessOptions, type HarnessRun, MapHarness, withMapHarness } from './harness.js';
export { type Verdict } from './verdict.js';
export { type BpfMatchers, bpfMatchers, type BpfToReturn, type KernelOptions, type LeaveMapOptions, type MatcherResult } from './matchers.js';
export { arbInstruction, INSTRUCTION_CLASSES, type InstructionClass, type InstructionOptions } from './arbitraries/instruction.js';
export { arbProgram, GENERATED_PROGRAM_MAPS, GENERATED_PROGRAM_TYPES, type GeneratedProgram, type GeneratedProgramType, type ProgramOptions } from './arbitraries/program.js';
export { arbPacket, type GeneratedPacket, internetChecksum, type NetworkLayer, onesComplementSum, type PacketOptions, type TransportLayer } from './arbitraries/packet.js';
export { arbMapEntries, type MapEntriesOptions } from './arbitraries/map-entries.js';
export { arbContext, type ContextOptions } from './arbitraries/context.js';

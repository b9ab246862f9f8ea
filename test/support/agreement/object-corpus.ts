// Corpus programs that live in BPF objects (the compiled annotated selftests, tsbpf's fixtures):
// the kernel loads them through tsbpf's loader (maps, BTF, CO-RE, subprograms as libbpf does), and
// the model gets the same program from prepareObjectPrograms (no system call; stand-in map fds).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BpfObject, readObject } from '../../../elf/index.js';
import { attachTypeNumber, objectNameOf, prepareObjectPrograms, PROGRAM_TYPE_NAMES, readKernelConfig } from '../../../loader/index.js';
import type { CorpusMap } from './corpus.js';
import { type FunctionInfo, functionsFromBtf } from '../../../verifier/index.js';

export interface ObjectProgram {
  readonly name: string;
  readonly suite: string;
  readonly area: string;
  readonly objectPath: string;
  readonly program: string;
  readonly progType: number;
}

const typeNumber = new Map(PROGRAM_TYPE_NAMES);

/** Every entry program of every object in `dir` (objects tsbpf cannot read are reported). */
export function objectCorpus(dir: string, suite: string, areaOf: (file: string, program: string) => string): { programs: ObjectProgram[]; unreadable: string[] } {
  const programs: ObjectProgram[] = [];
  const unreadable: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.o')).sort()) {
    let object: BpfObject;
    try {
      object = readObject(new Uint8Array(readFileSync(join(dir, file))));
    } catch (e) {
      unreadable.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    for (const p of object.programs) {
      if (p.subprogram) continue;
      programs.push({ name: `${suite}/${file.replace(/\.o$/, '')}/${p.name}`, suite, area: areaOf(file, p.name), objectPath: join(dir, file),
        program: p.name, progType: typeNumber.get(p.programType?.type ?? '') ?? 0 });
    }
  }
  return { programs, unreadable };
}

/** The program as the loader would pass it to BPF_PROG_LOAD, with stand-in map fds. */
export function prepareObjectProgram(p: ObjectProgram): { insns: Uint8Array; maps: Map<number, CorpusMap>; withFuncInfo: boolean; functions?: readonly FunctionInfo[]; sleepable: boolean; expectedAttachType: number; attachBtfId?: number } {
  const bytes = new Uint8Array(readFileSync(p.objectPath));
  const prepared = prepareObjectPrograms(bytes, { programs: [p.program], objectName: objectNameOf(p.objectPath), kconfig: readKernelConfig })[0];
  if (prepared === undefined) throw new Error(`no program ${p.program}`);
  const functions = prepared.btf === undefined || prepared.funcInfo.length === 0 ? undefined : functionsFromBtf(prepared.btf, prepared.funcInfo, new Set(prepared.staticFunctions));
  return { insns: prepared.insns, maps: new Map([...prepared.maps].map(([fd, m]) => [fd, { ...m, slots: [] }])), withFuncInfo: prepared.funcInfo.length > 0, sleepable: prepared.sleepable,
    expectedAttachType: prepared.attachTarget?.expectedAttachType ?? (prepared.attachType === undefined ? 0 : attachTypeNumber(prepared.attachType)),
    ...(prepared.attachTarget === undefined ? {} : { attachBtfId: prepared.attachTarget.btfId }),
    ...(functions === undefined ? {} : { functions }) };
}

// verifyObject: the verifier model's verdict on every entry program of an ELF object, prepared as
// the loader prepares it for BPF_PROG_LOAD (CO-RE, subprograms, relocations) but with no system
// call: maps and global data get stand-in fds the model is told about.

import { TsbpfError } from '../isa/index.js';
import type { Btf } from '../elf/index.js';
import { attachTypeNumber, ExternError, kernelBtf, type PreparedMap, type PreparedProgram, prepareObjectPrograms, readKernelConfig, unprivilegedBpfSetting } from '../loader/index.js';
import { type FunctionInfo, functionsFromBtf, isGplCompatible, type LoadEnvironment, mapsWithoutBtf, type ProgramVerdict, verify } from '../verifier/index.js';

/** An input the verifier cannot take (raw bytecode of a bad length, no program type, no such program). */
export class VerifyInputError extends TsbpfError {
  override readonly name = 'VerifyInputError';
}

/** The privileges of the loading process: root (all capabilities), CAP_BPF alone, or none. */
export type VerifyCaps = 'root' | 'bpf' | 'unpriv';

export interface VerifyObjectOptions {
  /** Target BTF for CO-RE and kfuncs (default the running kernel's /sys/kernel/btf/vmlinux). */
  readonly btfPath?: string;
  /** Only these entry programs (by function name). */
  readonly programs?: readonly string[];
  /** Program type (bpftool's name) for every program, instead of the one its section gives. */
  readonly type?: string;
  readonly caps?: VerifyCaps;
  /** 0, 1 or 2 (default 1). */
  readonly logLevel?: number;
  /** The object's name as the loader derives it from its file (objectNameOf): data-section maps are named as the kernel names them in the log ('prog.bss'). */
  readonly objectName?: string;
}

/** A source position from the program's BTF line_info. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface ObjectProgramVerdict extends ProgramVerdict {
  /** The program's function name, as libbpf names it. */
  readonly name: string;
  readonly section: string;
  /** The program type the model verified it as (bpftool's name). */
  readonly type: string;
  /** Where the rejected instruction came from (line_info), null when unknown or not rejected. */
  readonly source: SourceLocation | null;
}

/** The model's verdict on one program with the given privileges. */
/** The target kernel's BTF for kfunc calls and BTF pointers (`path`, or the running kernel's), or undefined when it cannot be read. */
function targetBtf(path: string | undefined): Btf | undefined {
  try {
    return path === undefined ? kernelBtf() : kernelBtf(path);
  } catch {
    return undefined;
  }
}

/** How a program attaches, as the loader would pass it: expected_attach_type, attach_btf_id, BPF_F_SLEEPABLE. */
export interface VerifyAttach {
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  readonly sleepable?: boolean;
}

export function verifyWithCaps(insns: Uint8Array, type: string, options: { caps?: VerifyCaps; logLevel?: number; gpl?: boolean; maps?: ReadonlyMap<number, PreparedMap>; btfPath?: string; functions?: readonly FunctionInfo[]; attach?: VerifyAttach; helperAvailable?: LoadEnvironment['helperAvailable'] }): ProgramVerdict {
  const caps = options.caps ?? 'root';
  const maps = options.maps;
  const btf = targetBtf(options.btfPath);
  const v = verify(insns, {
    ...(btf === undefined ? {} : { kernelBtf: btf }),
    progType: type, logLevel: options.logLevel ?? 1, gpl: options.gpl ?? true,
    ...(caps === 'bpf' ? { capBpfOnly: true } : caps === 'unpriv' ? { privileged: false } : {}),
    // Without CAP_BPF the kernel refuses the object's BTF, and libbpf (like tsbpf's loader) goes on without it.
    ...(maps === undefined ? {} : { maps: caps === 'unpriv' ? mapsWithoutBtf((fd) => maps.get(fd)) : (fd: number) => maps.get(fd) }),
    ...(options.functions === undefined || caps === 'unpriv' ? {} : { functions: options.functions }),
    ...(options.helperAvailable === undefined ? {} : { environment: { helperAvailable: options.helperAvailable } }),
    ...options.attach,
  });
  const disabled = caps === 'unpriv' ? unprivilegedBpfDisabled() : undefined;
  return disabled === undefined ? v : { ...v, assumptions: [...v.assumptions, disabled] };
}

/**
 * The verdict of a loader without CAP_BPF is the verifier's with kernel.unprivileged_bpf_disabled
 * 0: where it is set here, bpf(2) refuses such a loader before the verifier, which the result says.
 */
function unprivilegedBpfDisabled(): string | undefined {
  const setting = unprivilegedBpfSetting();
  if (setting === undefined || setting === '0') return undefined;
  return `kernel.unprivileged_bpf_disabled=${setting} here: bpf(2) refuses a loader without CAP_BPF (EPERM) before the verifier; this is the verdict with it 0`;
}

/** The line_info record at or before an instruction, as a source position. */
export function sourceAt(program: Pick<PreparedProgram, 'lineInfo' | 'lineSource'>, insn: number): SourceLocation | null {
  let best: PreparedProgram['lineInfo'][number] | undefined;
  for (const l of program.lineInfo) if (l.insnOff <= insn && (best === undefined || l.insnOff >= best.insnOff)) best = l;
  if (best === undefined) return null;
  const file = program.lineSource(best.fileNameOff);
  return file === '' ? null : { file, line: best.lineCol >>> 10, column: best.lineCol & 0x3ff };
}

/** The program's attach as BPF_PROG_LOAD would get it: its section's attach type, or its struct_ops member, and its BTF target. */
function attachOf(p: PreparedProgram): VerifyAttach {
  const expected = p.attachTarget?.expectedAttachType ?? (p.attachType === undefined ? undefined : attachTypeNumberOf(p.attachType));
  return {
    ...(expected === undefined ? {} : { expectedAttachType: expected }),
    ...(p.attachTarget === undefined ? {} : { attachBtfId: p.attachTarget.btfId }),
    sleepable: p.sleepable,
  };
}

/** The attach type's number in the target kernel's enum (cached there); undefined when it has none. */
function attachTypeNumberOf(name: string): number | undefined {
  try {
    return attachTypeNumber(name);
  } catch {
    return undefined;
  }
}

/** Verifies every entry program of an object (or those named in `options.programs`). */
export function verifyObject(bytes: Uint8Array, options: VerifyObjectOptions = {}): ObjectProgramVerdict[] {
  const { prepared, kconfigUnknown } = prepareForVerify(bytes, options);
  for (const name of options.programs ?? []) {
    if (!prepared.some((p) => p.name === name)) throw new VerifyInputError(`no program ${name}`);
  }
  if (prepared.length === 0) throw new VerifyInputError('the object has no programs');
  return prepared.map((p) => {
    const type = options.type ?? p.type;
    if (type === undefined) throw new VerifyInputError(`program ${p.name}: section ${p.section} names no program type (give a type)`);
    // The func_info the loader passes: subprograms may then use LD_ABS and tail calls, and global functions are verified apart.
    const functions = p.btf === undefined || p.funcInfo.length === 0 ? undefined : functionsFromBtf(p.btf, p.funcInfo, new Set(p.staticFunctions));
    const v = verifyWithCaps(p.insns, type, {
      ...(options.caps === undefined ? {} : { caps: options.caps }), logLevel: options.logLevel ?? 1, gpl: isGplCompatible(p.license), maps: p.maps,
      ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
      ...(functions === undefined ? {} : { functions }),
      // The attach target the loader would give (ignored when --type overrides the section's type).
      ...(options.type === undefined ? { attach: attachOf(p) } : p.sleepable ? { attach: { sleepable: true } } : {}),
    });
    const insn = v.error?.insn;
    const usesKconfig = kconfigUnknown !== undefined && [...p.maps.values()].some((m) => m.name.endsWith('.kconfig'));
    return {
      ...v, name: p.name, section: p.section, type, source: insn === undefined || insn === null ? null : sourceAt(p, insn),
      ...(usesKconfig ? { assumptions: [...v.assumptions, kconfigUnknown] } : {}),
    };
  });
}

/**
 * The object's programs as the loader prepares them. For the running kernel the .kconfig externs
 * hold its values, read as the loader reads them (readKernelConfig, LINUX_KERNEL_VERSION from the
 * release); for another kernel (btfPath), or when the configuration cannot be read, they are
 * unknown to the model and `kconfigUnknown` says why.
 */
function prepareForVerify(bytes: Uint8Array, options: VerifyObjectOptions): { prepared: PreparedProgram[]; kconfigUnknown?: string } {
  const base = {
    ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
    ...(options.programs === undefined ? {} : { programs: options.programs }),
    ...(options.objectName === undefined ? {} : { objectName: options.objectName }),
  };
  if (options.btfPath !== undefined) {
    return { prepared: prepareObjectPrograms(bytes, base), kconfigUnknown: `the .kconfig externs' values are unknown: ${options.btfPath} describes another kernel, whose configuration is not read` };
  }
  try {
    return { prepared: prepareObjectPrograms(bytes, { ...base, kconfig: readKernelConfig }) };
  } catch (e) {
    if (!(e instanceof ExternError)) throw e;
    return { prepared: prepareObjectPrograms(bytes, base), kconfigUnknown: `the .kconfig externs' values are unknown: ${e.message}` };
  }
}

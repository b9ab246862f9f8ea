// Minimal program and map creation for loader tests that do not go through an ELF object:
// LLVM-syntax instruction lines (one per line), plus `rN = map_fd(FD)` for map references and
// `rN = map_value(FD) + OFF` for an array map value's address.

import { encodeInstructions, type Instruction, type Register } from '../../isa/index.js';
import { parseInstructionLlvm } from '../../elf/index.js';
import { OwnedFd, SyscallError } from '../../loader/index.js';
import { sys } from '../../src/internal.js';

const { bpf, BpfCommand, encodeAttr, MapCreateAttr, MapElemAttr, objectName, pointee, ProgLoadAttr } = sys;

export function createMap(type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0, name = 'tsbpf_t'): OwnedFd {
  const fd = bpf(BpfCommand.MAP_CREATE, encodeAttr(MapCreateAttr, {
    map_type: type, key_size: keySize, value_size: valueSize, max_entries: maxEntries, map_flags: flags, map_name: objectName(name),
  }));
  return new OwnedFd(fd, `map ${name}`);
}

export function assemble(lines: readonly string[]): Instruction[] {
  return lines.map((l) => {
    // `rN = map_value(FD) + OFF`: the address of an array map's value (BPF_PSEUDO_MAP_VALUE).
    const m = /^r(\d+) = map_(fd|value)\((\d+)\)(?: \+ (\d+))?$/.exec(l.trim());
    if (m !== null) return { kind: 'ldImm64', dst: Number(m[1]) as Register, pseudo: m[2] === 'fd' ? 1 : 2, imm: Number(m[3]), nextImm: Number(m[4] ?? 0) };
    return parseInstructionLlvm(l);
  });
}

export interface RawProgram {
  readonly fd: number;
  readonly name: string;
  close(): void;
}

export function loadRaw(type: number, lines: readonly string[], options: { expectedAttachType?: number; name?: string; license?: string; insns?: readonly Instruction[]; logSize?: number; progFlags?: number } = {}): RawProgram {
  const insns = encodeInstructions(options.insns ?? assemble(lines));
  const license = Buffer.from(`${options.license ?? 'GPL'}\0`);
  const log = pointee(options.logSize ?? 64 * 1024);
  const name = options.name ?? 'tsbpf_test';
  let fd: number;
  try {
    fd = bpf(BpfCommand.PROG_LOAD, encodeAttr(ProgLoadAttr, {
      prog_type: type, insn_cnt: insns.length / 8, insns: pointee(insns), license: pointee(license),
      log_level: 1, log_size: log.size, log_buf: log, prog_name: objectName(name),
      expected_attach_type: options.expectedAttachType ?? 0, prog_flags: options.progFlags ?? 0,
    }));
  } catch (e) {
    if (e instanceof SyscallError) throw new Error(`${e.message}\n${log.cString()}`);
    throw e;
  }
  const owned = new OwnedFd(fd, `program ${name}`);
  return { get fd() { return owned.fd; }, name, close: () => owned.close() };
}

export function lookupU64(map: OwnedFd, key: number): bigint {
  const k = Buffer.alloc(4); k.writeUInt32LE(key);
  const v = pointee(8);
  bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: map.fd, key: pointee(k), value: v }));
  return Buffer.from(v.bytes).readBigUInt64LE(0);
}

export function updateU32(map: OwnedFd, key: number, value: number): void {
  const k = Buffer.alloc(4); k.writeUInt32LE(key);
  const v = Buffer.alloc(4); v.writeUInt32LE(value);
  bpf(BpfCommand.MAP_UPDATE_ELEM, encodeAttr(MapElemAttr, { map_fd: map.fd, key: pointee(k), value: pointee(v), flags: 0 }));
}

/** Instructions (9 slots: ld_imm64 takes two) that add 1 to element KEY (u32) of the u64 array MAPFD; clobbers r0-r5; leaves r6-r9. */
export function countInto(mapFd: number, key = 0): string[] {
  return [
    `*(u32 *)(r10 - 4) = ${key}`,
    'r2 = r10', 'r2 += -4', `r1 = map_fd(${mapFd})`, 'call 1',
    'if r0 == 0 goto +2', 'r1 = 1', 'lock *(u64 *)(r0 + 0) += r1',
  ];
}

// The kernel's xlated code of a pinned program read in-process (BPF_OBJ_GET_INFO_BY_FD), in a
// comparable text form: every instruction as hex, with the map ids of ld_imm64 map references
// replaced by map names (ids differ between two loads of one object, names do not), then the
// func_info and line_info the kernel holds, resolved through the program's BTF (function names;
// file, line, column and source text). This is what `bpftool prog dump xlated` prints, minus kallsyms
// names (a function of the same call immediates), at a fraction of its cost: bpftool parses
// /proc/kallsyms for every dump (~0.2 s each).

import { decodeBtf } from '../../elf/index.js';
import { BpfMap, OwnedFd } from '../../loader/index.js';
import { sys } from '../../src/internal.js';

const { bpf, BpfCommand, BtfInfoLayout, encodeAttr, GetIdAttr, ObjAttr, ObjInfoAttr, pointee, pointeeStruct, ProgInfoLayout, readAttr } = sys;

const mapNames = new Map<number, string>();
function mapName(id: number): string {
  let n = mapNames.get(id);
  if (n === undefined) {
    const m = BpfMap.fromId(id);
    n = m.name;
    m.close();
    mapNames.set(id, n);
  }
  return n;
}

function progInfo(fd: number, fields: Partial<Record<keyof typeof ProgInfoLayout.fields, sys.AttrValue>> = {}): Uint8Array {
  const info = pointeeStruct(ProgInfoLayout, fields);
  bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.size, info }));
  return info.bytes;
}

function programBtf(btfId: number): ReturnType<typeof decodeBtf> {
  const fd = new OwnedFd(bpf(BpfCommand.BTF_GET_FD_BY_ID, encodeAttr(GetIdAttr, { btf_id: btfId })), `BTF ${btfId}`);
  try {
    const head = pointee(BtfInfoLayout.size);
    bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd.fd, info_len: head.size, info: head }));
    const blob = pointee(readAttr(BtfInfoLayout, head.bytes, 'btf_size'));
    const info = pointeeStruct(BtfInfoLayout, { btf: blob, btf_size: blob.size });
    bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd.fd, info_len: info.size, info }));
    return decodeBtf(blob.bytes);
  } finally {
    fd.close();
  }
}

/** Comparable xlated text of the program pinned at `pin`. */
export function xlatedInfo(pin: string): string {
  const p = Buffer.from(`${pin}\0`);
  const fd = new OwnedFd(bpf(BpfCommand.OBJ_GET, encodeAttr(ObjAttr, { pathname: pointee(p) })), `program ${pin}`);
  try {
    const counts = progInfo(fd.fd);
    const len = readAttr(ProgInfoLayout, counts, 'xlated_prog_len');
    const nFunc = readAttr(ProgInfoLayout, counts, 'nr_func_info');
    const funcRec = readAttr(ProgInfoLayout, counts, 'func_info_rec_size');
    const nLine = readAttr(ProgInfoLayout, counts, 'nr_line_info');
    const lineRec = readAttr(ProgInfoLayout, counts, 'line_info_rec_size');
    const insnsOut = pointee(len);
    const funcsOut = pointee(nFunc * funcRec);
    const linesOut = pointee(nLine * lineRec);
    const info = progInfo(fd.fd, {
      xlated_prog_len: len, xlated_prog_insns: insnsOut,
      nr_func_info: nFunc, func_info_rec_size: funcRec, func_info: nFunc === 0 ? 0n : funcsOut,
      nr_line_info: nLine, line_info_rec_size: lineRec, line_info: nLine === 0 ? 0n : linesOut,
    });
    const insns = Buffer.from(insnsOut.bytes);
    const funcs = Buffer.from(funcsOut.bytes);
    const lines = Buffer.from(linesOut.bytes);
    const out: string[] = [];
    for (let i = 0; i < len; i += 8) {
      const src = insns[i + 1]! >> 4;
      // ld_imm64 of a map (BPF_PSEUDO_MAP_FD 1, BPF_PSEUDO_MAP_VALUE 2): the kernel shows the map id.
      if (insns[i] === 0x18 && (src === 1 || src === 2)) {
        out.push(`${insns.subarray(i, i + 4).toString('hex')} map[${mapName(insns.readUInt32LE(i + 4))}] ${insns.subarray(i + 8, i + 16).toString('hex')}`);
        i += 8;
      } else out.push(insns.subarray(i, i + 8).toString('hex'));
    }
    const btfId = readAttr(ProgInfoLayout, info, 'btf_id');
    if (btfId !== 0 && (nFunc > 0 || nLine > 0)) {
      const btf = programBtf(btfId);
      const str = (off: number): string => btf.string(off);
      for (let k = 0; k < nLine; k++) {
        const r = k * lineRec;
        const lc = lines.readUInt32LE(r + 12);
        out.push(`line ${lines.readUInt32LE(r)}: ${str(lines.readUInt32LE(r + 4))}:${lc >>> 10}:${lc & 0x3ff} ${str(lines.readUInt32LE(r + 8))}`);
      }
      for (let k = 0; k < nFunc; k++) out.push(`func ${funcs.readUInt32LE(k * funcRec)}: ${btf.nameOf(funcs.readUInt32LE(k * funcRec + 4))}`);
    }
    return out.join('\n');
  } finally {
    fd.close();
  }
}

/** What the kernel holds for a loaded program: its type, whether it has BTF, func_info and line_info counts. */
export function programSummary(fd: number): { type: number; hasBtf: boolean; nrFuncInfo: number; nrLineInfo: number } {
  const info = progInfo(fd);
  return { type: readAttr(ProgInfoLayout, info, 'type'), hasBtf: readAttr(ProgInfoLayout, info, 'btf_id') !== 0,
    nrFuncInfo: readAttr(ProgInfoLayout, info, 'nr_func_info'), nrLineInfo: readAttr(ProgInfoLayout, info, 'nr_line_info') };
}

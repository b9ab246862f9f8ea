// Preparing an object's .BTF for the kernel and loading it (BPF_BTF_LOAD).
// clang leaves DATASEC sizes (and sometimes VAR offsets) at 0 and marks extern VARs/FUNCs in
// .kconfig/.ksyms as extern, which the kernel rejects. As libbpf does, the blob is patched in
// place: string offsets are kept, so func_info/line_info records stay valid. Only .ksyms with
// extern functions needs a new type (a dummy VAR), appended at the end of the type section.

import { type Btf, BTF_KIND, type ElfFile, infoKind, infoVlen } from '../elf/index.js';
import { OwnedFd } from './fd.js';
import { bpf, BpfCommand, BtfLoadAttr, encodeAttr, pointee, SyscallError } from './sys/index.js';
import { ByteReader, ByteWriter, TsbpfError } from '../isa/index.js';

export class BtfLoadError extends TsbpfError {
  override readonly name = 'BtfLoadError';
  constructor(message: string, readonly code: string, readonly log: string) {
    super(message);
  }
}

const KIND = BTF_KIND;
const VAR_GLOBAL_ALLOCATED = 1;
const FUNC_GLOBAL = 1;

/** Where each extern lives in its DATASEC (from externs.ts), by name. */
export interface ExternLayout {
  readonly kconfig: ReadonlyMap<string, { offset: number; size: number }>;
  readonly kconfigSize: number;
}

/** The type section's records in a blob being patched in place: read through `r`, written through `w`. */
class TypeRecords {
  readonly r: ByteReader;
  readonly w: ByteWriter;
  constructor(bytes: Uint8Array, readonly typeStart: number, readonly offsets: Uint32Array) {
    this.r = new ByteReader(bytes);
    this.w = ByteWriter.over(bytes);
  }
  rec(id: number): number {
    return this.typeStart + this.offsets[id - 1]! * 4;
  }
  u32(pos: number): number { return this.r.u32(pos); }
  set(pos: number, v: number): void { this.w.setU32(pos, v); }
  // The masks of the BTF layout extension (kind 7 bits, vlen 24), as the decoder that made `offsets`
  // uses them: the same values as 6.18's (5 and 16 bits) for every blob 6.18 accepts, which has the bits between 0.
  kind(id: number): number { return infoKind(this.u32(this.rec(id) + 4)); }
  vlen(id: number): number { return infoVlen(this.u32(this.rec(id) + 4)); }
}

/**
 * The BTF blob to load for an object: DATASEC sizes from section headers, VAR offsets from symbol
 * values, extern VARs allocated, .ksyms FUNCs replaced by a dummy VAR (as libbpf does).
 */
export function kernelReadyBtf(btf: Btf, elf: ElfFile, externs: ExternLayout): Uint8Array {
  const raw = btf.raw;
  if (raw === undefined || !raw.le) throw new BtfLoadError('object BTF must be little-endian raw BTF', 'EINVAL', '');
  // A copy (Buffer#slice would share memory with the caller's bytes).
  const bytes = new Uint8Array(raw.bytes);
  const p = new TypeRecords(bytes, raw.typeOffset, raw.offsets);
  const sections = new Map(elf.sections.map((s) => [s.name, s]));
  let dummyNeeded = false;
  const ksymFuncSlots: number[] = [];
  const ksymParamSlots: number[] = [];
  for (let id = 1; id <= raw.offsets.length; id++) {
    if (p.kind(id) !== KIND.DATASEC) continue;
    const name = btf.nameOf(id);
    const r = p.rec(id);
    const n = p.vlen(id);
    if (name === '.kconfig') {
      for (let k = 0; k < n; k++) {
        const vs = r + 12 + k * 12;
        const varId = p.u32(vs);
        const place = externs.kconfig.get(btf.nameOf(varId));
        if (place !== undefined) { p.set(vs + 4, place.offset); p.set(vs + 8, place.size); }
        if (p.kind(varId) === KIND.VAR) p.set(p.rec(varId) + 12, VAR_GLOBAL_ALLOCATED);
      }
      p.set(r + 8, externs.kconfigSize);
      sortSecinfo(bytes, r + 12, n);
      continue;
    }
    if (name === '.ksyms') {
      const intId = findInt(btf, raw.offsets.length);
      for (let k = 0; k < n; k++) {
        const vs = r + 12 + k * 12;
        const t = p.u32(vs);
        if (p.kind(t) === KIND.FUNC) {
          // A FUNC is not a valid DATASEC member; libbpf points the slot at a dummy VAR and makes
          // the FUNC global, naming unnamed parameters so the kernel accepts the prototype.
          dummyNeeded = true;
          ksymFuncSlots.push(vs);
          const info = p.u32(p.rec(t) + 4);
          p.set(p.rec(t) + 4, ((info & ~0xffff) | FUNC_GLOBAL) >>> 0);
          const proto = p.u32(p.rec(t) + 8);
          if (p.kind(proto) === KIND.FUNC_PROTO) {
            for (let a = 0; a < p.vlen(proto); a++) {
              const param = p.rec(proto) + 12 + a * 8;
              if (p.u32(param) === 0 && p.u32(param + 4) !== 0) ksymParamSlots.push(param);
            }
          }
        } else if (p.kind(t) === KIND.VAR) {
          p.set(p.rec(t) + 8, intId);
          p.set(p.rec(t) + 12, VAR_GLOBAL_ALLOCATED);
        }
        p.set(vs + 4, k * 4);
        p.set(vs + 8, 4);
      }
      p.set(r + 8, n * 4);
      continue;
    }
    const sec = sections.get(name);
    if (sec === undefined) continue;
    p.set(r + 8, sec.size);
    for (let k = 0; k < n; k++) {
      const vs = r + 12 + k * 12;
      const varName = btf.nameOf(p.u32(vs));
      const sym = elf.symbols.find((s) => s.name === varName && s.shndx === sec.index);
      if (sym !== undefined) p.set(vs + 4, sym.value);
    }
  }
  const out = dummyNeeded ? appendDummyVar(bytes, raw.typeOffset, raw.offsets.length, findInt(btf, raw.offsets.length)) : { bytes, nameOff: 0, id: 0 };
  if (dummyNeeded) {
    const w = ByteWriter.over(out.bytes);
    for (const slot of ksymFuncSlots) w.setU32(slot, out.id);
    for (const param of ksymParamSlots) w.setU32(param, out.nameOff);
  }
  return out.bytes;
}

/** The kernel wants DATASEC members in offset order; kconfig placement may reorder them. */
function sortSecinfo(bytes: Uint8Array, start: number, n: number): void {
  const r = new ByteReader(bytes);
  const recs = Array.from({ length: n }, (_, k) => ({ offset: r.u32(start + k * 12 + 4), rec: Uint8Array.from(r.bytesAt(start + k * 12, 12)) }));
  recs.sort((a, b) => a.offset - b.offset);
  recs.forEach((x, k) => bytes.set(x.rec, start + k * 12));
}

function findInt(btf: Btf, count: number): number {
  for (let id = 1; id <= count; id++) {
    const t = btf.type(id);
    if (t?.kind === 'INT' && t.size === 4) return id;
  }
  return 0;
}

const DUMMY_NAME = Buffer.from('dummy_ksym\0', 'latin1');

/** Appends `VAR dummy_ksym type=int linkage=allocated` and its name; returns the new blob. */
function appendDummyVar(bytes: Uint8Array, typeOffset: number, count: number, intId: number): { bytes: Uint8Array; nameOff: number; id: number } {
  const r = new ByteReader(bytes);
  const hdrLen = r.u32(4);
  const typeLen = r.u32(12);
  const strOff = r.u32(16);
  const strLen = r.u32(20);
  const typesEnd = typeOffset + typeLen;
  const strStart = hdrLen + strOff;
  // Strings follow the types in clang's output; keep everything between in place after the record.
  const out = new ByteWriter('le', bytes.length + 16 + DUMMY_NAME.length)
    .bytes(bytes.subarray(0, typesEnd))
    .u32(strLen).u32(KIND.VAR << 24).u32(intId).u32(VAR_GLOBAL_ALLOCATED)
    .bytes(bytes.subarray(typesEnd))
    .bytes(DUMMY_NAME);
  out.setU32(12, typeLen + 16).setU32(16, strStart < typesEnd ? strOff : strOff + 16).setU32(20, strLen + DUMMY_NAME.length);
  return { bytes: out.finish(), nameOff: strLen, id: count + 1 };
}

/** BPF_BTF_LOAD; on failure retries with a verbose log and puts it in the error. */
export function loadBtf(blob: Uint8Array): OwnedFd {
  try {
    return new OwnedFd(bpf(BpfCommand.BTF_LOAD, encodeAttr(BtfLoadAttr, { btf: pointee(blob), btf_size: blob.length })), 'BTF');
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    const log = pointee(1 << 20);
    try {
      bpf(BpfCommand.BTF_LOAD, encodeAttr(BtfLoadAttr, { btf: pointee(blob), btf_size: blob.length, btf_log_buf: log, btf_log_size: log.size, btf_log_level: 1 }));
    } catch { /* the log is what we want */ }
    const text = log.cString();
    const last = text.trim().split('\n').pop() ?? '';
    throw new BtfLoadError(`the kernel rejected the object's BTF: ${e.code}${last === '' ? '' : ` (${last})`}`, e.code, text);
  }
}

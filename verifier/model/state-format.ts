// One frame of a verifier state as the kernel's log prints it (print_verifier_state with
// print_all, print_reg_state in kernel/bpf/log.c): ` R0=0 R1=ctx() R10=fp0 fp-8=mmmmmmmm`.
// Precise scalars print with a `P` (precision.ts); the model keeps no liveness marks.

import { formatScalarRanges, formatSigned, formatUnsigned } from '../scalar/format.js';
import { formatTnum, tnumIsConst, tnumIsUnknown } from '../scalar/tnum.js';
import { type RegState, regStr } from './reg.js';
import { Byte, type FrameState, SLOT_BYTES, type VerifierState } from './state.js';

const slotChar: Record<Byte, string> = { [Byte.Invalid]: '?', [Byte.Spill]: 'r', [Byte.Misc]: 'm', [Byte.Zero]: '0', [Byte.Iter]: 'i' };

/** print_reg_state: a register of frame `frameno`. */
export function formatRegState(r: RegState, frameno: number): string {
  const p = r.type === 'scalar' && r.precise === true ? 'P' : '';
  if (r.type === 'scalar' && tnumIsConst(r.s.varOff)) return p + formatSigned(r.s.varOff.value);
  let out = p + regStr(r);
  if (r.type === 'stack') {
    if (r.frameno !== frameno) out += `[${r.frameno}]`;
    if (tnumIsConst(r.s.varOff)) return `${out}${formatSigned(BigInt.asIntN(64, r.s.varOff.value) + BigInt(r.off))}`;
  }
  if (r.type === 'ptr' && r.btfName !== undefined) out += r.btfName;
  const fields: string[] = [];
  if (r.id !== 0) fields.push(`id=${r.id}`);
  if (r.refObjId !== 0) fields.push(`ref_obj_id=${r.refObjId}`);
  if ((r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_key') && r.map !== undefined) {
    if (r.map.name !== undefined && r.map.name !== '') fields.push(`map=${r.map.name.slice(0, 15)}`);
    fields.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (r.type !== 'scalar' && r.off !== 0) fields.push(`off=${formatSigned(BigInt(r.off))}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta') fields.push(`r=${formatUnsigned(BigInt.asUintN(64, BigInt(r.range)))}`);
  if (r.type === 'mem') fields.push(`sz=${formatUnsigned(BigInt(r.memSize))}`);
  if (tnumIsConst(r.s.varOff)) {
    if (r.s.varOff.value !== 0n) fields.push(`imm=${formatSigned(r.s.varOff.value)}`);
  } else {
    fields.push(...formatScalarRanges(r.s));
    if (!tnumIsUnknown(r.s.varOff)) fields.push(`var_off=${formatTnum(r.s.varOff)}`);
  }
  return `${out}(${fields.join(',')})`;
}

/** Registers and stack slots (bit i: R`i`, fp-8*(i+1)) an instruction touched, the only ones printed after it (the kernel's scratch marks). */
export interface Scratched { readonly regs: number; readonly slots: bigint }

/**
 * print_verifier_state: the initialised registers, the touched stack slots, the references
 * (print_all, or with `only` the scratched ones).
 */
export function formatFrameState(state: VerifierState, frame: FrameState, only?: Scratched): string {
  let out = frame.frameno !== 0 ? ` frame${frame.frameno}:` : '';
  frame.regs.forEach((r, i) => { if (r.type !== 'not_init' && (only === undefined || (only.regs & (1 << i)) !== 0)) out += ` R${i}=${formatRegState(r, frame.frameno)}`; });
  for (let spi = 0; spi * SLOT_BYTES < frame.allocated; spi++) {
    if (only !== undefined && (only.slots & (1n << BigInt(spi))) === 0n) continue;
    const slot = frame.stack[spi];
    if (slot === undefined || slot.bytes.every((b) => b === Byte.Invalid)) continue;
    let types = slot.bytes.map((b) => slotChar[b]).join('');
    const at = ` fp${-(spi + 1) * SLOT_BYTES}=`;
    if (slot.iter !== undefined) {
      // Only an iterator's first slot prints, as the kernel's print_verifier_state does.
      if (slot.iter.refObjId !== 0) out += `${at}iter_${slot.iter.type}(ref_id=${slot.iter.refObjId},state=${slot.iter.state},depth=${slot.iter.depth})`;
      continue;
    }
    if (slot.bytes[SLOT_BYTES - 1] === Byte.Spill && slot.spilled !== undefined) {
      // The bytes above a narrow spill print before the spilled register.
      types = types.slice(0, slot.bytes.indexOf(Byte.Spill));
      out += `${at}${types}${formatRegState(slot.spilled, frame.frameno)}`;
    } else out += `${at}${types}`;
  }
  const refs = state.refs.filter((r) => r.kind === undefined).map((r) => r.id);
  if (refs.length > 0) out += ` refs=${refs.join(',')}`;
  if (frame.callback !== undefined) out += ' cb';
  return out;
}

// The structured layer: a program body is a function of a ProgramBuilder, whose methods emit
// instruction-layer items for the things people get wrong by hand — stack slots, helper calls
// with their arguments in R1–R5, the null check after a map lookup, if/else, bounded loops,
// bpf_printk with its format in .rodata, byte order, returning a value.
//
// Register convention: values that must survive a helper call live in registers from reg()/let()
// (R6–R9, callee-saved). R0–R5 are scratch: helper calls and some builders overwrite them.

import type { CoreRelocationKind } from '../../../elf/index.js';
import { EncodeError, type Register, type Size } from '../../../isa/index.js';
import * as A from '../asm/builders.js';
import type { AsmInsn, AsmItem } from '../asm/items.js';
import { checkReg, isReg, R0, R1, R10, type Reg, type Reg64, reg64 } from '../asm/registers.js';
import { DslError } from '../errors.js';
import { type ExternRef, isExternRef, isKfuncRef, type KfuncRef } from '../externs.js';
import type { HelperArgKind, HelperArgs, HelperFunctions, HelperName } from '../helpers/signatures.js';
import { HELPERS } from '../helpers/table.js';
import { callerLocation } from '../line-info.js';
import { type CompareOp, INVERSE, JUMP_OF } from './conditions.js';
import {
  type BuildContext, type FunctionRef, isFunctionRef, isGlobalRef, isMapRef, isStackSlot, type MapRef,
  type PtrArg, type ScalarArg, type StackSlot,
} from './refs.js';
import { shareReturns } from './peephole.js';
import { StackFrame } from './stack.js';
import { InstructionStream } from './instruction-stream.js';
import { MAX_INSNS, MAX_NESTING } from './limits.js';
import { quoted } from '../quote.js';
import { integer } from '../integer.js';
import {
  type CoreAccess, coreEnumValue as coreEnumRelocation, type CoreRelocationWithValue,
  coreType as coreTypeRelocation, type CType, type EnumType, type TypeRelocationKind, type FieldNames, findField, type PathElement, type PtrType, resolve, resolvePath, type StructType, type UnionType, type ValidPath,
} from '../types/index.js';

const R3x = reg64(3);

/** Offset and access size of a scalar (1, 2, 4, 8-byte, non-bitfield) field. */
function scalarField(type: StructType | UnionType, field: string): { offset: number; size: Size } {
  checkComposite(type);
  const f = findField(type, field);
  if (f === undefined) throw new DslError(`${type.name || 'the struct'} has no field '${field}'`, callerLocation());
  if (f.bitSize !== 0) throw new DslError(`field '${field}' is a bitfield; load its storage unit with load() and shift`, callerLocation());
  const size = resolve(f.type).size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new DslError(`field '${field}' is ${size} bytes; only 1, 2, 4 and 8-byte fields are loaded whole`, callerLocation());
  return { offset: f.offset, size };
}

/** A struct or union descriptor, checked (a value cast past the types is a DslError). */
function checkComposite(type: StructType | UnionType): void {
  if (type === null || typeof type !== 'object' || !Array.isArray((type as { members?: unknown }).members)) throw new DslError('a struct or union type descriptor is needed (struct(…), union(…))', callerLocation());
}

/** Anything the builder can put in a register. */
export type Value = ScalarArg | PtrArg | MapRef | FunctionRef | ExternRef;

/** The message for a helper name that is not in the helper table. */
function unknownHelper(name: unknown): string {
  const bare = String(name).replace(/^bpf_/, '');
  const hint = typeof name === 'string' && name.startsWith('bpf_') && Object.hasOwn(HELPERS, bare) ? ` (call('${bare}') or helpers.${name}())` : '';
  return `unknown helper '${quoted(name)}'${hint}`;
}

const CALLEE_SAVED: readonly Register[] = [7, 8, 9, 6];

export class ProgramBuilder {
  private readonly stream = new InstructionStream();
  readonly stack = new StackFrame();
  /** Every helper by its C name: `b.helpers.bpf_get_current_pid_tgid()`. Each returns R0. */
  readonly helpers: HelperFunctions;
  private reachable = true;
  private labels = 0;
  private readonly inUse = new Set<Register>();
  private ctxUsed = false;
  private readonly loops: { readonly top: string; readonly end: string }[] = [];
  /** Instruction slots emitted so far (a 64-bit immediate load takes 2). */
  private slots = 0;
  /** Blocks (if/else, loop bodies) open around the current instruction. */
  private depth = 0;

  constructor(readonly context: BuildContext, private readonly prefix = '') {
    const helpers: Record<string, (...args: never[]) => Reg64> = {};
    for (const name of Object.keys(HELPERS) as HelperName[]) {
      helpers[`bpf_${name}`] = (...args: never[]) => this.callHelper(name, args as unknown as readonly unknown[]);
    }
    // An unknown name (a typo, a helper this tsbpf does not know, a cast away from the types) is
    // a DslError at the call, not "is not a function".
    this.helpers = new Proxy(helpers, {
      get: (target, prop, receiver) => {
        if (typeof prop !== 'string' || Object.hasOwn(target, prop) || !prop.startsWith('bpf_')) return Reflect.get(target, prop, receiver) as unknown;
        return () => { throw new DslError(unknownHelper(prop), callerLocation()); };
      },
    }) as unknown as HelperFunctions;
  }

  // ---- raw access -------------------------------------------------------------------------

  /** Appends instruction-layer items (the escape hatch to the metal). */
  emit(...items: (AsmItem | readonly AsmItem[])[]): this {
    for (const it of (items.some(Array.isArray) ? items.flat() : items) as AsmItem[]) {
      if (it === null || typeof it !== 'object' || (it.kind !== 'label' && it.kind !== 'insn')) {
        throw new DslError(`emit: ${it === null ? 'null' : typeof it} is not an instruction or label (use the asm builders)`, callerLocation());
      }
      if (it.kind === 'insn') {
        // Refused at the instruction that crosses the kernel's limit: the time and memory spent
        // stay proportional to the limit, whatever the program's loops would go on to emit.
        this.slots += it.insn.kind === 'ldImm64' ? 2 : 1;
        if (this.slots > MAX_INSNS) {
          throw new DslError(`'${this.prefix}' is longer than ${MAX_INSNS.toLocaleString('en-US')} instructions, the kernel's limit (BPF_PROG_LOAD refuses it with E2BIG)`, callerLocation() ?? it.loc);
        }
      }
      if (it.kind === 'label') this.stream.label(it.name);
      else this.push(it);
      if (it.kind === 'label') this.reachable = true;
      else if (it.insn.kind === 'exit' || it.insn.kind === 'ja' || it.insn.kind === 'gotol') this.reachable = false;
    }
    return this;
  }

  private push(it: AsmInsn): void {
    try {
      this.stream.push(it);
    } catch (e) {
      if (e instanceof EncodeError) throw new DslError(`emit: ${e.reason}`, callerLocation() ?? it.loc);
      throw e;
    }
  }

  /** The items emitted so far, labels in place. */
  get items(): readonly AsmItem[] { return this.stream.items(); }

  /** Instruction slots emitted so far. */
  get instructionCount(): number { return this.slots; }

  /** Runs a block's body one level deeper, refusing nesting past MAX_NESTING. */
  private nested(body: () => void): void {
    if (this.depth >= MAX_NESTING) throw new DslError(`blocks nested more than ${MAX_NESTING} deep (clang's bracket depth limit)`, callerLocation());
    this.depth++;
    try { body(); } finally { this.depth--; }
  }

  /** A fresh label name, unique in the function. */
  newLabel(hint = 'L'): string { return `${this.prefix}.${hint}${this.labels++}`; }

  /** True while the next instruction can be reached (not after a return or an unconditional jump). */
  get isReachable(): boolean { return this.reachable; }

  // ---- registers --------------------------------------------------------------------------

  /** The program's context argument (R1 at entry), kept in R6 for the whole program. */
  get ctx(): Reg64 {
    if (!this.ctxUsed) {
      if (this.inUse.has(6)) throw new DslError('ctx is used after R6 was handed out by reg(); read ctx first', callerLocation());
      this.ctxUsed = true;
      this.inUse.add(6);
    }
    return reg64(6);
  }
  /** Argument `i` (0-based) of a function, in R1–R5 at entry; copy it with let() before any call. */
  param(i: 0 | 1 | 2 | 3 | 4): Reg64 {
    if (i !== 0 && i !== 1 && i !== 2 && i !== 3 && i !== 4) throw new DslError(`param(${quoted(i)}): a function has arguments 0 to 4`, callerLocation());
    return reg64((i + 1) as Register);
  }

  /** A callee-saved register (R6–R9) that survives helper calls; release() gives it back. */
  reg(): Reg64 {
    const n = CALLEE_SAVED.find((r) => !this.inUse.has(r));
    if (n === undefined) throw new DslError('out of callee-saved registers (R6–R9); keep values in stack slots', callerLocation());
    this.inUse.add(n);
    return reg64(n);
  }
  release(r: Reg): void { checkReg(r); if (!(r.n === 6 && this.ctxUsed)) this.inUse.delete(r.n); }
  /** A callee-saved register holding `init`. */
  let(init: Value): Reg64 {
    const r = this.reg();
    this.set(r, init);
    return r;
  }

  /** `dst = value`: a register, constant, stack slot address, global address, map or function. */
  set(dst: Reg, value: Value): this {
    checkReg(dst);
    if (isReg(value)) { if (value.n !== dst.n || value.width !== dst.width) this.emit(A.mov(dst, value)); return this; }
    if (typeof value === 'number' || typeof value === 'bigint') {
      const v = integer(value);
      if (v >= -(1n << 31n) && v < 1n << 31n) return this.emit(A.mov(dst, Number(v)));
      if (dst.width === 32) return this.emit(A.mov(dst, Number(BigInt.asIntN(32, v))));
      return this.emit(A.lddw(reg64(dst.n), v));
    }
    const d64 = reg64(dst.n);
    if (isStackSlot(value)) return this.emit(A.mov(d64, R10), A.add(d64, value.offset));
    if (isGlobalRef(value)) { const g = this.context.global(value); return this.emit(A.ldGlobal(d64, g.section, g.offset, g.variable)); }
    if (isMapRef(value)) return this.emit(A.ldMap(d64, this.context.mapName(value)));
    if (isFunctionRef(value)) return this.emit(A.ldFunc(d64, this.context.functionName(value)));
    if (isExternRef(value)) return this.emit(A.ldExtern(d64, this.context.extern(value), value.section));
    throw new DslError(`cannot put ${quoted(value)} in a register`, callerLocation());
  }

  // ---- memory -----------------------------------------------------------------------------

  /** A named stack slot of `size` bytes, optionally zero-filled. */
  alloc(name: string, size: number, opts: { zero?: boolean; align?: number } = {}): StackSlot {
    const slot = this.stack.alloc(name, size, opts.align);
    if (opts.zero === true) this.zero(slot);
    return slot;
  }
  /** Zero-fills a stack slot (8, 4, 2, 1-byte stores). */
  zero(slot: StackSlot): this {
    if (!isStackSlot(slot)) throw new DslError('zero() takes a stack slot', callerLocation());
    let off = 0;
    while (off < slot.size) {
      const left = slot.size - off;
      const size: Size = left >= 8 && (slot.offset + off) % 8 === 0 ? 8 : left >= 4 && (slot.offset + off) % 4 === 0 ? 4 : left >= 2 && (slot.offset + off) % 2 === 0 ? 2 : 1;
      this.emit(A.st(size, R10, slot.offset + off, 0));
      off += size;
    }
    return this;
  }
  /** A stack slot of `size` (1, 2, 4, 8) bytes holding `init` (a constant or register). */
  local(name: string, size: Size, init?: Reg | number): StackSlot {
    const slot = this.stack.alloc(name, size);
    if (init !== undefined) this.store(size, slot, 0, init);
    return slot;
  }
  /** `dst = *(uN *)(ptr + off)` where ptr is a register or stack slot. */
  load(size: Size, dst: Reg, ptr: Reg | StackSlot, off = 0): this {
    checkReg(dst);
    if (!isStackSlot(ptr)) checkReg(ptr);
    return isStackSlot(ptr) ? this.emit(A.ldx(size, dst, R10, ptr.offset + off)) : this.emit(A.ldx(size, dst, ptr, off));
  }
  /** `*(uN *)(ptr + off) = value` where ptr is a register or stack slot. */
  store(size: Size, ptr: Reg | StackSlot, off: number, value: Reg | number): this {
    if (!isStackSlot(ptr)) checkReg(ptr);
    if (typeof value !== 'number') checkReg(value);
    const [base, o] = isStackSlot(ptr) ? [R10, ptr.offset + off] : [ptr, off];
    if (typeof value === 'number') {
      if (size === 8 && (value < -0x80000000 || value > 0x7fffffff)) { this.set(R1, value); return this.emit(A.stx(size, base, o, R1)); }
      return this.emit(A.st(size, base, o, value));
    }
    return this.emit(A.stx(size, base, o, value));
  }
  /**
   * `dst = NAME` for a scalar `.kconfig` extern (1, 2, 4 or 8 bytes): its address from the
   * loader's .kconfig map, then a load. For strings, `set(reg, ref)` and read the bytes.
   */
  loadExtern(dst: Reg, ref: ExternRef): this {
    const size = resolve(ref.type).size;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new DslError(`extern ${ref.name} is ${size} bytes; set() its address and read it`, callerLocation());
    const d64 = reg64(dst.n);
    this.set(d64, ref);
    return this.emit(A.ldx(size, dst, d64, 0));
  }

  /** `dst = ptr->field` for a struct or union descriptor (plain loads: no CO-RE relocation). */
  loadField<S extends StructType | UnionType>(dst: Reg, ptr: Reg | StackSlot, type: S, field: FieldNames<S>): this {
    const f = scalarField(type, field);
    return this.load(f.size, dst, ptr, f.offset);
  }
  /** `ptr->field = value` for a struct or union descriptor. */
  storeField<S extends StructType | UnionType>(ptr: Reg | StackSlot, type: S, field: FieldNames<S>, value: Reg | number): this {
    const f = scalarField(type, field);
    return this.store(f.size, ptr, f.offset, value);
  }
  /** Byte offset of a field (to pass `&ptr->field` on, or for raw access). */
  offsetOf<S extends StructType | UnionType>(type: S, field: FieldNames<S>): number {
    checkComposite(type);
    const f = findField(type, field);
    if (f === undefined) throw new DslError(`${type.name || 'the struct'} has no field '${field}'`, callerLocation());
    return f.offset;
  }

  /**
   * `dst = BPF_CORE_READ(ptr, path…)`: a CO-RE read through kernel memory. Each step (a new one
   * after every pointer field) is a bpf_probe_read_kernel of the field at an offset libbpf
   * relocates for the running kernel (field_byte_offset on the `add`). `ptr` holds a pointer to
   * `root` (a struct descriptor, e.g. a minimal local `task_struct` or one from `tsbpf btf gen-ts`);
   * the result is zero-extended into `dst` (1, 2, 4 or 8-byte scalar fields or pointers). A path
   * ending in a bitfield reads it as `BPF_CORE_READ_BITFIELD_PROBED` does: the storage unit at a
   * relocated byte offset and size, then shifts relocated for the kernel's layout (arithmetic
   * right shift when the kernel's field is signed, so `dst` holds the sign-extended value).
   * Uses R0–R5 and an 8-byte stack slot.
   */
  coreRead<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
    dst: Reg, ptr: Reg, root: T, ...path: P & ValidPath<T, P>
  ): this {
    const cp = resolvePath(this.context.btf, root, path as unknown as readonly PathElement[]);
    const tmp = this.stack.get('__core_read') ?? this.stack.alloc('__core_read', 8);
    let src: Reg = ptr;
    cp.steps.forEach((step, k) => {
      const last = k === cp.steps.length - 1;
      if (src.n !== 3) this.emit(A.mov(R3x, src));
      if (step.bitSize !== 0) {
        this.coreReadBitfield(dst, step, tmp);
        return;
      }
      const size = last ? resolve(cp.result).size : 8;
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new DslError(`coreRead of a ${size}-byte field: read it with bpf_probe_read_kernel into a slot`, callerLocation());
      const add = A.add(R3x, step.values.field_byte_offset);
      this.emit({ ...add, core: [step.relocation('field_byte_offset')] });
      this.emit(A.mov(R1, R10), A.add(R1, tmp.offset), A.mov(reg64(2), size), A.call(HELPERS.probe_read_kernel.id));
      const into = last ? dst : R3x;
      this.emit(A.ldx(size as Size, into, R10, tmp.offset));
      src = into;
    });
    return this;
  }

  /**
   * `dst = ptr->path…` as clang compiles it for a BTF-typed pointer (fentry, tp_btf, kfunc
   * results, typed ksyms — memory the verifier lets a program load from directly): one `ldx` per
   * step with its offset relocated by libbpf (field_byte_offset on the load); a pointer field
   * starts the next step from the loaded pointer. Scalar fields and pointers of 1–8 bytes, and
   * bitfields as `BPF_CORE_READ_BITFIELD` (a load of the relocated byte size, then the shifts).
   * A bitfield uses two of R1–R5 besides `dst` and `ptr`.
   */
  coreLoad<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
    dst: Reg, ptr: Reg, root: T, ...path: P & ValidPath<T, P>
  ): this {
    const cp = resolvePath(this.context.btf, root, path as unknown as readonly PathElement[]);
    let src: Reg = ptr;
    cp.steps.forEach((step, k) => {
      const last = k === cp.steps.length - 1;
      if (step.bitSize !== 0) {
        this.coreLoadBitfield(dst, src, step);
        return;
      }
      const size = last ? resolve(cp.result).size : 8;
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new DslError(`coreLoad of a ${size}-byte field: only 1, 2, 4 and 8-byte fields are loaded whole`, callerLocation());
      const into = last ? dst : reg64(dst.n);
      this.emit({ ...A.ldx(size, into, src, step.values.field_byte_offset), core: [step.relocation('field_byte_offset')] });
      src = into;
    });
    return this;
  }

  /**
   * `ptr->path… = value` as clang compiles it for a BTF-typed pointer the verifier lets a program
   * write through (struct_ops arguments such as `struct sock *`, BPF_PROG_TYPE_TRACING writes it
   * allows): the steps before the last load pointers as coreLoad does, the last is one `stx`/`st`
   * with its offset relocated (field_byte_offset on the store). Scalar fields of 1–8 bytes; a
   * multi-step path uses one of R1–R5 other than `ptr` and `value` for the pointers on the way.
   */
  coreStore<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
    ptr: Reg, value: Reg | number, root: T, ...path: P & ValidPath<T, P>
  ): this {
    const cp = resolvePath(this.context.btf, root, path as unknown as readonly PathElement[]);
    const last = cp.steps[cp.steps.length - 1]!;
    if (last.bitSize !== 0) throw new DslError('coreStore of a bitfield: load the storage unit, change its bits and store it', callerLocation());
    const size = resolve(cp.result).size;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new DslError(`coreStore of a ${size}-byte field: only 1, 2, 4 and 8-byte fields are stored whole`, callerLocation());
    let base: Reg = reg64(ptr.n);
    if (cp.steps.length > 1) {
      const scratch = ([1, 2, 3, 4, 5] as const).find((n) => n !== ptr.n && (typeof value === 'number' || n !== value.n))!;
      const via = reg64(scratch);
      for (const step of cp.steps.slice(0, -1)) {
        if (step.bitSize !== 0) throw new DslError('coreStore through a bitfield', callerLocation());
        this.emit({ ...A.ldx(8, via, base, step.values.field_byte_offset), core: [step.relocation('field_byte_offset')] });
        base = via;
      }
    }
    const off = last.values.field_byte_offset;
    const insn = typeof value === 'number' ? A.st(size, base, off, value) : A.stx(size, base, off, reg64(value.n));
    this.emit({ ...insn, core: [last.relocation('field_byte_offset')] });
    return this;
  }

  /**
   * A bitfield through a BTF pointer, as libbpf's BPF_CORE_READ_BITFIELD: p = ptr + BYTE_OFFSET,
   * a load of BYTE_SIZE bytes (1, 2, 4 or 8: a branch per size, on the relocated constant, which
   * the verifier follows only one way), then the shifts of coreReadBitfield.
   */
  private coreLoadBitfield(dst: Reg, ptr: Reg, step: CoreAccess): void {
    const v = step.values;
    const core = (insn: AsmInsn, kind: CoreRelocationKind): AsmInsn => ({ ...insn, core: [step.relocation(kind)] });
    const d = reg64(dst.n);
    const [p, size] = ([1, 2, 3, 4, 5] as const).filter((n) => n !== dst.n && n !== ptr.n).map((n) => reg64(n));
    this.emit(A.mov(p!, reg64(ptr.n)), core(A.add(p!, v.field_byte_offset), 'field_byte_offset'));
    this.emit(core(A.mov(size!, v.field_byte_size), 'field_byte_size'), A.mov(d, 0));
    const loaded = this.newLabel('bf_loaded');
    for (const n of [1, 2, 4, 8] as const) {
      const next = this.newLabel('bf_size');
      this.emit(A.jne(size!, n, next), A.ldx(n, d, p!, 0), A.ja(loaded), A.label(next));
    }
    this.emit(A.label(loaded));
    this.emitBitfieldShifts(d, step, p!);
  }

  /**
   * The bitfield at the struct R3 points to, as libbpf's BPF_CORE_READ_BITFIELD_PROBED: zero an
   * 8-byte slot, probe-read BYTE_SIZE bytes at BYTE_OFFSET into it, then `<<= LSHIFT_U64` and
   * `>>= RSHIFT_U64` (arithmetic when SIGNED). Every immediate is relocated; the signedness test
   * stays a run-time branch because only the loader knows the kernel's type.
   */
  private coreReadBitfield(dst: Reg, step: CoreAccess, tmp: StackSlot): void {
    const v = step.values;
    const core = (insn: AsmInsn, kind: CoreRelocationKind): AsmInsn => ({ ...insn, core: [step.relocation(kind)] });
    const d = reg64(dst.n);
    const flag = reg64(dst.n === 1 ? 2 : 1);
    this.emit(A.st(8, R10, tmp.offset, 0));
    this.emit(core(A.add(R3x, v.field_byte_offset), 'field_byte_offset'));
    this.emit(A.mov(R1, R10), A.add(R1, tmp.offset), core(A.mov(reg64(2), v.field_byte_size), 'field_byte_size'));
    this.emit(A.call(HELPERS.probe_read_kernel.id));
    this.emit(A.ldx(8, d, R10, tmp.offset));
    this.emitBitfieldShifts(d, step, flag);
  }

  /** `d <<= LSHIFT_U64; d = SIGNED ? (s64)d >> RSHIFT_U64 : d >> RSHIFT_U64`, every immediate relocated. */
  private emitBitfieldShifts(d: Reg64, step: CoreAccess, flag: Reg64): void {
    const v = step.values;
    const core = (insn: AsmInsn, kind: CoreRelocationKind): AsmInsn => ({ ...insn, core: [step.relocation(kind)] });
    this.emit(core(A.lsh(d, v.field_lshift_u64), 'field_lshift_u64'));
    const unsigned = this.newLabel('bf_unsigned');
    const end = this.newLabel('bf_end');
    this.emit(core(A.mov(flag, v.field_signed), 'field_signed'), A.jeq(flag, 0, unsigned));
    this.emit(core(A.arsh(d, v.field_rshift_u64), 'field_rshift_u64'), A.ja(end));
    this.emit(A.label(unsigned), core(A.rsh(d, v.field_rshift_u64), 'field_rshift_u64'), A.label(end));
  }

  /**
   * `dst = bpf_core_field_exists/size/offset/signed(root->path…)`: the local value, relocated by
   * libbpf to the running kernel's (0 for a field the kernel does not have).
   */
  coreField<T extends StructType | UnionType | PtrType, const P extends readonly PathElement[]>(
    dst: Reg, kind: 'field_exists' | 'field_byte_size' | 'field_byte_offset' | 'field_signed', root: T, ...path: P & ValidPath<T, P>
  ): this {
    const p = resolvePath(this.context.btf, root, path as unknown as readonly PathElement[]);
    const a = p.steps[0]!;
    if (p.steps.length !== 1) throw new DslError('a field relocation cannot go through a pointer', callerLocation());
    return this.emitCoreConstant(dst, { ...a.relocation(kind), accessString: a.accessString, value: a.values[kind] });
  }
  /** `dst = bpf_core_type_exists/size/matches, bpf_core_type_id_local/kernel(type)`. */
  coreType(dst: Reg, kind: TypeRelocationKind, type: CType): this {
    return this.emitCoreConstant(dst, coreTypeRelocation(this.context.btf, kind, type));
  }
  /** `dst = bpf_core_enum_value(_exists)(enum, NAME)`. */
  coreEnumValue<V extends Record<string, number | bigint>>(dst: Reg, kind: 'enumval_exists' | 'enumval_value', type: EnumType<V>, name: keyof V & string): this {
    return this.emitCoreConstant(dst, coreEnumRelocation(this.context.btf, kind, type, name));
  }
  private emitCoreConstant(dst: Reg, r: CoreRelocationWithValue): this {
    const { accessString: _a, value, ...relocation } = r;
    const insn = A.mov(dst, value);
    return this.emit({ ...insn, core: [relocation] });
  }

  /** `lock *(uN *)(ptr + off) += value` (value in R1 when constant). */
  atomicAdd(size: 4 | 8, ptr: Reg | StackSlot, off: number, value: Reg | number): this {
    if (!isStackSlot(ptr)) checkReg(ptr);
    const [base, o] = isStackSlot(ptr) ? [R10, ptr.offset + off] : [ptr, off];
    let src: Reg;
    if (typeof value === 'number') { this.set(R1, value); src = R1; } else src = value;
    return this.emit(A.atomicAdd(size, base, o, src));
  }

  // ---- calls ------------------------------------------------------------------------------

  /** Calls a helper by name with typed arguments; the result is in R0. */
  call<N extends HelperName>(name: N, ...args: HelperArgs<N>): Reg64 {
    return this.callHelper(name, args as readonly unknown[]);
  }

  private callHelper(name: HelperName, args: readonly unknown[]): Reg64 {
    const h = (Object.hasOwn(HELPERS, name) ? HELPERS[name] : undefined) as { readonly id: number; readonly args: readonly HelperArgKind[]; readonly variadic?: boolean } | undefined;
    if (h === undefined) throw new DslError(unknownHelper(name), callerLocation());
    const max = h.variadic === true ? 5 : h.args.length;
    if (args.length < h.args.length || args.length > max) {
      throw new DslError(`bpf_${name} takes ${h.args.length}${h.variadic === true ? '–5' : ''} arguments, got ${args.length}`, callerLocation());
    }
    this.marshal(`bpf_${name}`, args, (i) => h.args[i] ?? 'scalar');
    this.emit(A.call(h.id));
    return R0;
  }

  /**
   * Calls a kfunc by name (declared with `kfunc(name, { params, returns })`): the arguments go to
   * R1–R5, the loader resolves the kernel's BTF id; the result is in R0.
   */
  callKfunc(k: KfuncRef, ...args: Value[]): Reg64 {
    if (!isKfuncRef(k)) throw new DslError('callKfunc() takes a kfunc(name, { params, returns })', callerLocation());
    if (args.length !== k.params.length) throw new DslError(`${k.name} takes ${k.params.length} arguments, got ${args.length}`, callerLocation());
    this.marshal(k.name, args, () => 'scalar');
    this.emit(A.callKfuncByName(this.context.extern(k)));
    return R0;
  }

  /** bpf-to-bpf call of a function of the object; the result is in R0. */
  callFunction(fn: FunctionRef, ...args: Value[]): Reg64 {
    if (!isFunctionRef(fn) || typeof (fn as { body?: unknown }).body !== 'function') throw new DslError('callFunction() takes a function made by fn(name, options, body)', callerLocation());
    if (args.length > 5) throw new DslError(`${fn.name}: at most 5 arguments`, callerLocation());
    this.marshal(fn.name, args, () => 'scalar');
    this.emit(A.callFunction(this.context.functionName(fn)));
    return R0;
  }

  private marshal(what: string, args: readonly unknown[], kind: (i: number) => HelperArgKind): void {
    // Refuse an argument register that an earlier argument has already overwritten.
    args.forEach((a, i) => {
      if (isReg(a) && a.n >= 1 && a.n <= i) {
        throw new DslError(`${what}: argument ${i + 1} is in R${a.n}, which argument ${a.n} overwrites; keep it in a reg() register`, callerLocation());
      }
    });
    args.forEach((a, i) => {
      const k = kind(i);
      const ok = k === 'map' ? isMapRef(a) : k === 'func' ? isFunctionRef(a)
        : k === 'ptr' ? isReg(a) || isStackSlot(a) || isGlobalRef(a) || isMapRef(a) || isExternRef(a)
          : isReg(a) || typeof a === 'number' || typeof a === 'bigint' || isStackSlot(a) || isGlobalRef(a) || isExternRef(a);
      if (!ok) throw new DslError(`${what}: argument ${i + 1} must be a ${k}`, callerLocation());
      const dst = reg64((i + 1) as Register);
      this.set(isReg(a) ? (a.width === 32 ? { ...dst, width: 32 } as Reg : dst) : dst, a as Value);
    });
  }

  /**
   * `bpf_map_lookup_elem(map, key)` with its null check: `then` runs with the value pointer in a
   * callee-saved register when the key is present, `orElse` when it is not.
   */
  lookup(map: MapRef, key: PtrArg, then: (value: Reg64) => void, orElse?: () => void): this {
    this.call('map_lookup_elem', map, key);
    return this.if(R0, '!=', 0, () => {
      const v = this.let(R0);
      then(v);
      this.release(v);
    }, orElse);
  }

  // ---- control flow -----------------------------------------------------------------------

  /** `if (lhs OP rhs) then() else orElse()`. */
  if(lhs: Reg, op: CompareOp, rhs: Reg | number, then: () => void, orElse?: () => void): this {
    checkReg(lhs);
    if (typeof rhs !== 'number') checkReg(rhs);
    if (typeof op !== 'string' || !Object.hasOwn(JUMP_OF, op)) throw new DslError(`unknown comparison '${quoted(op)}'`, callerLocation());
    if (typeof then !== 'function' || (orElse !== undefined && typeof orElse !== 'function')) throw new DslError('if: then and else must be functions', callerLocation());
    const elseL = this.newLabel('else');
    const endL = this.newLabel('endif');
    const inv = INVERSE[op];
    if (inv !== undefined) {
      this.emit(A.jmpOp(inv)(lhs, rhs, orElse === undefined ? endL : elseL));
    } else {
      const thenL = this.newLabel('then');
      this.emit(A.jmpOp(JUMP_OF[op])(lhs, rhs, thenL), A.ja(orElse === undefined ? endL : elseL), A.label(thenL));
    }
    this.nested(then);
    const thenFalls = this.reachable;
    if (orElse !== undefined) {
      if (thenFalls) this.emit(A.ja(endL));
      this.emit(A.label(elseL));
      this.nested(orElse);
      const elseFalls = this.reachable;
      this.emit(A.label(endL));
      this.reachable = thenFalls || elseFalls;
    } else {
      this.emit(A.label(endL));
      this.reachable = true;
    }
    return this;
  }

  /** A bounded loop: `for (i = 0; i < count; i++) body(i)`, with break()/continue(). */
  loop(count: number | Reg, body: (i: Reg64) => void): this {
    if (typeof count !== 'number') checkReg(count);
    if (typeof body !== 'function') throw new DslError('loop: the body must be a function', callerLocation());
    const i = this.let(0);
    const top = this.newLabel('loop');
    const next = this.newLabel('next');
    const end = this.newLabel('endloop');
    this.emit(A.label(top), A.jge(i, count, end));
    this.loops.push({ top: next, end });
    try { this.nested(() => body(i)); } finally { this.loops.pop(); }
    this.emit(A.label(next), A.add(i, 1), A.ja(top), A.label(end));
    this.release(i);
    return this;
  }
  break(): this {
    const l = this.loops.at(-1);
    if (l === undefined) throw new DslError('break outside a loop', callerLocation());
    return this.emit(A.ja(l.end));
  }
  continue(): this {
    const l = this.loops.at(-1);
    if (l === undefined) throw new DslError('continue outside a loop', callerLocation());
    return this.emit(A.ja(l.top));
  }
  /** `bpf_loop(count, fn, ctx, 0)`: the kernel calls fn(index, ctx) up to count times. */
  bpfLoop(count: ScalarArg, fn: FunctionRef, ctx: PtrArg | 0 = 0, flags = 0): Reg64 {
    return this.callHelper('loop', [count, fn, ctx, flags]);
  }

  // ---- output and conversions -------------------------------------------------------------

  /**
   * `bpf_printk(fmt, …)`: the format goes to .rodata. Up to three arguments: bpf_trace_printk;
   * four to twelve: bpf_trace_vprintk with the values in a stack array (as libbpf's macro does).
   */
  printk(fmt: string, ...args: ScalarArg[]): Reg64 {
    if (typeof fmt !== 'string') throw new DslError(`bpf_printk: the format must be a string (got ${quoted(fmt)})`, callerLocation());
    if (args.length > 12) throw new DslError('bpf_printk takes at most 12 arguments', callerLocation());
    const s = this.context.rodataString(fmt);
    if (args.length > 3) {
      const slot = this.stack.get('__printk_args') ?? this.stack.alloc('__printk_args', 8 * 12, 8);
      // Registers first: a 64-bit constant is stored through R1.
      args.forEach((a, i) => { if (isReg(a)) this.emit(A.stx(8, R10, slot.offset + 8 * i, reg64(a.n))); });
      args.forEach((a, i) => {
        if (isReg(a)) return;
        const v = integer(a, `bpf_printk argument ${i + 1}`);
        if (v >= -(1n << 31n) && v < 1n << 31n) this.emit(A.st(8, R10, slot.offset + 8 * i, Number(v)));
        else { this.set(R1, v); this.emit(A.stx(8, R10, slot.offset + 8 * i, R1)); }
      });
      this.emit(A.ldGlobal(reg64(1), s.section, s.offset), A.mov(reg64(2), s.size), A.mov(reg64(3), R10), A.add(reg64(3), slot.offset));
      this.emit(A.mov(reg64(4), 8 * args.length), A.call(HELPERS.trace_vprintk.id));
      return R0;
    }
    // The format's address, then its size (with the NUL), then the values.
    args.forEach((a, i) => {
      if (isReg(a) && a.n >= 1 && a.n <= i + 2) throw new DslError(`bpf_printk: argument ${i + 1} is in R${a.n}, which the call overwrites; keep it in a reg() register`, callerLocation());
    });
    this.emit(A.ldGlobal(reg64(1), s.section, s.offset));
    this.emit(A.mov(reg64(2), s.size));
    args.forEach((a, i) => this.set(reg64((i + 3) as Register), a));
    this.emit(A.call(HELPERS.trace_printk.id));
    return R0;
  }

  /** Network to host order (16 bits), in place. */
  ntohs(r: Reg): this { return this.emit(A.be(r, 16)); }
  htons(r: Reg): this { return this.emit(A.be(r, 16)); }
  ntohl(r: Reg): this { return this.emit(A.be(r, 32)); }
  htonl(r: Reg): this { return this.emit(A.be(r, 32)); }
  /** bpf_be64_to_cpu / bpf_cpu_to_be64. */
  be64ToCpu(r: Reg): this { return this.emit(A.be(r, 64)); }
  cpuToBe64(r: Reg): this { return this.emit(A.be(r, 64)); }

  /** `return value`. */
  return(value: ScalarArg = 0): this {
    this.set(R0, value);
    return this.emit(A.exit());
  }

  /** The finished function: ctx saved at entry when used, `return 0` when the end is reachable. */
  finish(): AsmItem[] {
    if (this.reachable) this.return(0);
    const body = shareReturns(this.stream.items(), () => this.newLabel('ret'));
    return this.ctxUsed ? [A.mov(reg64(6), R1), ...body] : body;
  }
}

// Numeric encoding constants of the eBPF instruction set (RFC 9669 plus the
// Linux extensions accepted by 6.18). The typed model in instruction.ts is the
// public face; these numbers exist only for the codec and the printers.

export const Class = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Source bit of ALU/JMP opcodes: K uses imm, X uses the src register. */
export const SRC_X = 0x08;

export const AluCode = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  neg: 0x80,
  mod: 0x90,
  xor: 0xa0,
  mov: 0xb0,
  arsh: 0xc0,
  end: 0xd0,
} as const;

export const JmpCode = {
  ja: 0x00,
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  call: 0x80,
  exit: 0x90,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
  jcond: 0xe0,
} as const;

export const Mode = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;

export const SizeCode = {
  W: 0x00,
  H: 0x08,
  B: 0x10,
  DW: 0x18,
} as const;

/** `imm` values of STX|ATOMIC instructions. */
export const AtomicImm = {
  add: 0x00,
  or: 0x40,
  and: 0x50,
  xor: 0xa0,
  fetch: 0x01,
  xchg: 0xe0 | 0x01,
  cmpxchg: 0xf0 | 0x01,
  loadAcquire: 0x100,
  storeRelease: 0x110,
} as const;

/** src_reg values of a call instruction. */
export const CallSrc = { helper: 0, local: 1, kfunc: 2 } as const;

/** src_reg values of ld_imm64 (BPF_PSEUDO_*). */
export const PseudoSrc = {
  none: 0,
  mapFd: 1,
  mapValue: 2,
  btfId: 3,
  func: 4,
  mapIdx: 5,
  mapIdxValue: 6,
} as const;

/** off of ALU64|MOV|X meaning addr_space_cast (BPF_ADDR_SPACE_CAST). */
export const ADDR_SPACE_CAST_OFF = 1;

export const LD_IMM64_OPCODE = Class.LD | Mode.IMM | SizeCode.DW; // 0x18

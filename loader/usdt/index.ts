// USDT: probes of a target binary's .note.stapsdt, their argument specs, and attaching programs
// built on libbpf's usdt.bpf.h.

export { readUsdtNotes, UsdtError, type UsdtNote } from './notes.js';
export { encodeUsdtSpec, parseUsdtArgs, type UsdtArch, type UsdtArgKind, type UsdtArgSpec, USDT_MAX_ARGS, USDT_SPEC_SIZE } from './arg-spec.js';
export { attachUsdt, USDT_IP_MAP, USDT_SPECS_MAP, type UsdtOptions } from './attach.js';

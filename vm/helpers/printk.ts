// bpf_trace_printk and bpf_trace_vprintk: the format checked and expanded as the kernel does
// (conversions %d %i %u %x %X with l/ll, %c, %s, %p*; flags "0 +-" and a width; no precision),
// the line captured in Machine.printk instead of the trace pipe.

import type { Machine } from '../machine.js';

const EINVAL = -22n;

function cString(m: Machine, addr: bigint, insn: number, max = 4096): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    const c = Number(m.mem.loadBig(addr + BigInt(i), 1, insn));
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function pad(body: string, flags: string, width: number, numeric: boolean): string {
  if (body.length >= width) return body;
  if (flags.includes('-')) return body.padEnd(width);
  if (flags.includes('0') && numeric) {
    const sign = /^[+ -]/.test(body) ? body[0]! : '';
    return sign + body.slice(sign.length).padStart(width - sign.length, '0');
  }
  return body.padStart(width);
}

/** Formats `fmt` with `args`; undefined when the kernel would refuse the format (-EINVAL). */
export function formatPrintk(m: Machine, fmt: string, args: readonly bigint[], insn: number): string | undefined {
  let out = '';
  let used = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    const code = ch.charCodeAt(0);
    if (code > 127 || (code < 32 && !/\s/.test(ch))) return undefined;
    if (ch !== '%') { out += ch; continue; }
    if (fmt[i + 1] === '%') { out += '%'; i++; continue; }
    if (used >= args.length) return undefined;
    i++;
    let flags = '';
    while ('0+- '.includes(fmt[i] ?? 'x') && fmt[i] !== undefined) flags += fmt[i++];
    let width = 0;
    while (fmt[i] !== undefined && fmt[i]! >= '0' && fmt[i]! <= '9') width = width * 10 + Number(fmt[i++]);
    const arg = args[used++]!;
    const c = fmt[i];
    if (c === 'p') {
      const mod = fmt[i + 1] ?? '';
      if (mod === 'x' || mod === 'K') { i++; out += pad(arg.toString(16).padStart(16, '0'), flags, width, false); continue; }
      if (mod === 'k' || mod === 'u') {
        if (fmt[i + 2] !== 's') return undefined;
        i += 2;
        out += pad(cString(m, arg, insn), flags, width, false);
        continue;
      }
      if (mod === 'i' || mod === 'I') {
        const v = fmt[i + 2];
        if (v !== '4' && v !== '6') return undefined;
        i += 2;
        const b = m.mem.slice(arg, v === '4' ? 4 : 16, insn, false);
        out += v === '4' ? [...b].join('.') : Array.from({ length: 8 }, (_, k) => ((b[2 * k]! << 8) | b[2 * k + 1]!).toString(16).padStart(mod === 'I' ? 4 : 4, '0')).join(':');
        continue;
      }
      // Plain %p prints a hashed pointer in the kernel; the vm prints the raw value (nothing to hide).
      out += pad(`0x${arg.toString(16)}`, flags, width, false);
      continue;
    }
    if (c === 's') { out += pad(cString(m, arg, insn), flags, width, false); continue; }
    if (c === 'c') { out += pad(String.fromCharCode(Number(arg & 0xffn)), flags, width, false); continue; }
    let bits = 32;
    if (fmt[i] === 'l') { bits = 64; i++; }
    if (fmt[i] === 'l') { bits = 64; i++; }
    const conv = fmt[i];
    let body: string;
    const u = BigInt.asUintN(bits, arg);
    switch (conv) {
      case 'd': case 'i': {
        const v = BigInt.asIntN(bits, arg);
        body = (v >= 0n && flags.includes('+') ? '+' : v >= 0n && flags.includes(' ') ? ' ' : '') + v.toString();
        break;
      }
      case 'u': body = u.toString(); break;
      case 'x': body = u.toString(16); break;
      case 'X': body = u.toString(16).toUpperCase(); break;
      default: return undefined;
    }
    out += pad(body, flags, width, true);
  }
  return out;
}

/** bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the byte count of the line, or -EINVAL. */
export function tracePrintk(m: Machine, a: readonly bigint[], insn: number): bigint {
  const size = Number(a[1]! & 0xffffffffn);
  const raw = m.mem.slice(a[0]!, size, insn, false);
  if (size === 0 || raw[size - 1] !== 0) return EINVAL;
  const fmt = String.fromCharCode(...raw.subarray(0, raw.indexOf(0)));
  const line = formatPrintk(m, fmt, [a[2]!, a[3]!, a[4]!], insn);
  if (line === undefined) return EINVAL;
  m.printk.push(line.replace(/\n$/, ''));
  return BigInt(line.length);
}

/** bpf_trace_vprintk(fmt, fmt_size, data, data_len): up to 12 u64 arguments in memory. */
export function traceVprintk(m: Machine, a: readonly bigint[], insn: number): bigint {
  const size = Number(a[1]! & 0xffffffffn);
  const raw = m.mem.slice(a[0]!, size, insn, false);
  if (size === 0 || raw[size - 1] !== 0) return EINVAL;
  const len = Number(a[3]! & 0xffffffffn);
  if (len % 8 !== 0 || len > 96) return EINVAL;
  const data = m.mem.slice(a[2]!, len, insn, false);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const args = Array.from({ length: len / 8 }, (_, k) => dv.getBigUint64(k * 8, true));
  const fmt = String.fromCharCode(...raw.subarray(0, raw.indexOf(0)));
  const line = formatPrintk(m, fmt, args, insn);
  if (line === undefined) return EINVAL;
  m.printk.push(line.replace(/\n$/, ''));
  return BigInt(line.length);
}

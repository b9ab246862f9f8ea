// Parser of the conformance suite's `.data` files (the bpf_conformance test
// format): line-oriented sections introduced by `-- name` lines.

import { shown } from '../quote-source.js';
import { AsmError } from '../errors.js';

/** The sections of one `.data` file that carry meaning. */
export interface ConformanceData {
  /** `-- asm`: the program text, unmodified (comments kept), and the 1-based file line of its first line. */
  asm?: { text: string; line: number };
  /** `-- raw`: the pre-encoded program bytes. */
  raw?: Uint8Array;
  /** `-- mem`: the input memory (packet) bytes. */
  mem?: Uint8Array;
  /** `-- result`: the expected final r0 as an unsigned 64-bit value. */
  result?: bigint;
  /** `-- error`: the expected error text (trimmed; may be empty). */
  error?: string;
}

/** Sections that only inform a human reader; their content is ignored. */
const INFORMATIONAL = new Set(['c', 'no register offset']);
const KNOWN = new Set(['asm', 'raw', 'mem', 'result', 'error']);

interface Word {
  text: string;
  line: number;
  column: number;
}

const stripComment = (line: string): string => {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
};

/** Whitespace-separated words of comment-stripped lines, with their positions. */
function wordsOf(lines: readonly { text: string; line: number }[]): Word[] {
  const out: Word[] = [];
  for (const { text, line } of lines) {
    const re = /\S+/g;
    const body = stripComment(text);
    for (let m = re.exec(body); m !== null; m = re.exec(body)) out.push({ text: m[0], line, column: m.index + 1 });
  }
  return out;
}

function parseRaw(words: readonly Word[], file: string): Uint8Array {
  if (words.length === 0) return new Uint8Array(0);
  // Form 1: one little-endian u64 per token (`0x5566778800000018`).
  // Form 2: one byte per token, eight per line (`07 00 01 00 01 00 00 00`).
  const u64Form = /^0x/i.test(words[0]!.text);
  const bytes: number[] = [];
  for (const w of words) {
    if (u64Form) {
      if (!/^0x[0-9a-f]{1,16}$/i.test(w.text)) {
        throw new AsmError(`Invalid raw instruction (expected a 64-bit hex value): ${shown(w.text)}`, file, w.line, w.column);
      }
      let v = BigInt(w.text);
      for (let i = 0; i < 8; i++) { bytes.push(Number(v & 0xffn)); v >>= 8n; }
    } else {
      if (!/^[0-9a-f]{2}$/i.test(w.text)) {
        throw new AsmError(`Invalid raw byte (expected two hex digits): ${shown(w.text)}`, file, w.line, w.column);
      }
      bytes.push(parseInt(w.text, 16));
    }
  }
  return Uint8Array.from(bytes);
}

function parseMem(words: readonly Word[], file: string): Uint8Array {
  return Uint8Array.from(words.map((w) => {
    if (!/^[0-9a-f]{2}$/i.test(w.text)) {
      throw new AsmError(`Invalid memory byte (expected two hex digits): ${shown(w.text)}`, file, w.line, w.column);
    }
    return parseInt(w.text, 16);
  }));
}

function parseResult(words: readonly Word[], file: string, headerLine: number): bigint {
  const [first, second] = words;
  if (first === undefined) throw new AsmError('Empty result section', file, headerLine, 1);
  if (second !== undefined) throw new AsmError(`Unexpected text in result section: ${shown(second.text)}`, file, second.line, second.column);
  const m = /^(-?)(0x[0-9a-f]+|[0-9]+)$/i.exec(first.text);
  if (m === null) throw new AsmError(`Invalid result value: ${shown(first.text)}`, file, first.line, first.column);
  const mag = BigInt(m[2]!);
  const value = m[1] === '-' ? -mag : mag;
  if (value >= 1n << 64n || value < -(1n << 63n)) {
    throw new AsmError(`Result out of 64-bit range: ${shown(first.text)}`, file, first.line, first.column);
  }
  return BigInt.asUintN(64, value);
}

/**
 * Parses a conformance `.data` file. `#` starts a comment anywhere on a line
 * (the asm text is returned verbatim, so assembler columns stay exact); a line
 * starting with `--` opens a section. Unknown or repeated sections and
 * malformed raw/mem/result content throw AsmError with 1-based positions.
 */
export function parseConformanceData(text: string, file: string): ConformanceData {
  const lines = text.split(/\r?\n/);
  const sections = new Map<string, { header: number; lines: { text: string; line: number }[] }>();
  let current: { text: string; line: number }[] | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    // Anchored and without nested repetition: linear on a line of any length.
    const body = stripComment(raw);
    const header = /^(\s*)--/.exec(body);
    if (header !== null) {
      const name = body.slice(header[0].length).trim();
      if (INFORMATIONAL.has(name)) { current = undefined; return; }
      const column = header[1]!.length + 1;
      if (!KNOWN.has(name)) throw new AsmError(`Unknown section: -- ${shown(name)}`, file, line, column);
      if (sections.has(name)) throw new AsmError(`Duplicate section: -- ${shown(name)}`, file, line, column);
      current = [];
      sections.set(name, { header: line, lines: current });
      return;
    }
    current?.push({ text: raw, line });
  });

  const out: ConformanceData = {};
  for (const [name, { header, lines: body }] of sections) {
    switch (name) {
      case 'asm':
        out.asm = { text: body.map((l) => l.text).join('\n'), line: header + 1 };
        break;
      case 'raw':
        out.raw = parseRaw(wordsOf(body), file);
        break;
      case 'mem':
        out.mem = parseMem(wordsOf(body), file);
        break;
      case 'result':
        out.result = parseResult(wordsOf(body), file, header);
        break;
      case 'error':
        out.error = body.map((l) => stripComment(l.text)).join('\n').trim();
        break;
    }
  }
  return out;
}

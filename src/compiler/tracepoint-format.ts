// A tracepoint's record from its tracefs format file: `tsbpf gen tracepoint CATEGORY/NAME` writes
// it as a TypeScript interface of the language, and `tsbpf build` checks a program's record type
// against the running kernel's format when tracefs is readable (a field at another offset, or a
// tracepoint that does not exist, is a compile error at its line).

import { existsSync, readFileSync } from 'node:fs';
import type TS from 'typescript';
import { TsbpfError } from '../../isa/index.js';
import type { LType } from './layout.js';
import type { Lowering } from './lower.js';

export class TracepointFormatError extends TsbpfError {
  override readonly name = 'TracepointFormatError';
}

export interface FormatField {
  /** The C declaration as the format writes it (`const char * filename`). */
  readonly decl: string;
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** `[N]` arrays: N. */
  readonly length?: number;
  /** `__data_loc` fields: a u32 (offset << 16 | length) of data after the record. */
  readonly dataLoc?: true;
}

const TRACEFS = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'];

/** The events folder of tracefs, when this machine has one mounted and readable. */
export function eventsRoot(): string | undefined {
  return TRACEFS.find((d) => existsSync(d));
}

/** Parses a format file's text; `where` names it in errors. */
export function parseFormat(text: string, where: string): FormatField[] {
  const fields: FormatField[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*field:(.*);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d);/.exec(line);
    if (m === null) return;
    const decl = m[1]!.trim();
    const arr = /(\w+)\s*\[(\d*)\]\s*$/.exec(decl);
    const name = arr !== null ? arr[1]! : /(\w+)\s*$/.exec(decl)?.[1];
    if (name === undefined) throw new TracepointFormatError(`${where}:${i + 1}: cannot read the field name of '${decl}'`);
    const dataLoc = decl.startsWith('__data_loc');
    const length = arr !== null && arr[2] !== '' && !dataLoc ? Number(arr[2]) : undefined;
    fields.push({ decl, name, offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1', ...(length === undefined ? {} : { length }), ...(dataLoc ? { dataLoc: true } : {}) });
  });
  if (fields.length === 0) throw new TracepointFormatError(`${where}: no fields (not a tracepoint format file)`);
  return fields;
}

export function readFormat(tracepoint: string, root = eventsRoot()): FormatField[] | undefined {
  if (root === undefined) return undefined;
  const path = `${root}/${tracepoint}/format`;
  if (!existsSync(path)) return undefined;
  return parseFormat(readFileSync(path, 'utf8'), path);
}

const intName = (size: number, signed: boolean): string | undefined => (size === 1 || size === 2 || size === 4 || size === 8 ? `${signed ? 's' : 'u'}${size * 8}` : undefined);

/** `sys_enter_openat` → `SysEnterOpenat`. */
export function interfaceName(tracepoint: string): string {
  const name = tracepoint.split('/').at(-1)!;
  return name.split(/[^A-Za-z0-9]+/).filter((w) => w !== '').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Record';
}

/** The TypeScript module `tsbpf gen tracepoint` writes: an interface laid out as the format (explicit padding where C's would differ). */
export function generateRecordType(tracepoint: string, fields: readonly FormatField[], source: string): string {
  const used = new Set<string>();
  const lines: string[] = [];
  let at = 0;
  let align = 1;
  const pad = (to: number): void => {
    if (to <= at) return;
    lines.push(`  _pad${at}: Arr<u8, ${to - at}>;`);
    used.add('Arr').add('u8');
    at = to;
  };
  for (const f of fields) {
    if (f.offset < at) throw new TracepointFormatError(`${tracepoint}: field ${f.name} at offset ${f.offset} overlaps the previous one`);
    let type: string;
    let fieldAlign: number;
    if (f.dataLoc === true) { type = 'u32'; fieldAlign = 4; } else if (f.length !== undefined && f.length > 0) {
      const elemSize = f.size / f.length;
      const elem = /\bchar\b/.test(f.decl) && elemSize === 1 ? 'char' : intName(elemSize, f.signed);
      if (elem === undefined || !Number.isInteger(elemSize)) { type = `Arr<u8, ${f.size}>`; fieldAlign = 1; used.add('u8'); } else { type = `Arr<${elem}, ${f.length}>`; fieldAlign = elemSize; used.add(elem); }
      used.add('Arr');
    } else {
      const t = intName(f.size, f.signed);
      if (t === undefined) { type = `Arr<u8, ${f.size}>`; fieldAlign = 1; used.add('Arr').add('u8'); } else { type = t; fieldAlign = f.size; }
    }
    // A field off its natural alignment (packed records): its bytes.
    if (f.offset % fieldAlign !== 0) { type = `Arr<u8, ${f.size}>`; fieldAlign = 1; used.add('Arr').add('u8'); }
    if (!type.startsWith('Arr')) used.add(type);
    // C would place this field at the next multiple of its alignment: padding covers any other gap.
    const natural = Math.ceil(at / fieldAlign) * fieldAlign;
    if (natural !== f.offset) pad(f.offset);
    const comment = f.dataLoc === true ? ' // __data_loc: offset (low 16 bits) and length (high 16) of the data after the record' : /\*/.test(f.decl) ? ` // ${f.decl.replace(/\s*\w+$/, '').trim()}: an address (read it with probeRead*)` : '';
    lines.push(`  ${f.name}: ${type};${comment}`);
    at = f.offset + f.size;
    align = Math.max(align, fieldAlign);
  }
  const names = [...used].sort((a, b) => a.localeCompare(b));
  return `// The record of tracepoint ${tracepoint}, from ${source}\n// (tsbpf gen tracepoint ${tracepoint}). A program takes it as its parameter:\n//   tracepoint('${tracepoint}', (ctx: ${interfaceName(tracepoint)}) => { … })\nimport type { ${names.join(', ')} } from 'tsbpf/lang';\n\nexport interface ${interfaceName(tracepoint)} {\n${lines.join('\n')}\n}\n`;
}

/** `tsbpf gen tracepoint CATEGORY/NAME`: the record type from this machine's tracefs. */
export function generateTracepointType(tracepoint: string): string {
  if (!/^[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/.test(tracepoint)) throw new TracepointFormatError(`tracepoint '${tracepoint}' is not CATEGORY/NAME`);
  const root = eventsRoot();
  if (root === undefined) throw new TracepointFormatError(`no tracefs here (${TRACEFS.join(', ')}): mount it, or run where the kernel's tracepoints are readable`);
  const fields = readFormat(tracepoint, root);
  if (fields === undefined) throw new TracepointFormatError(`no tracepoint ${tracepoint} in ${root}`);
  return generateRecordType(tracepoint, fields, `${root}/${tracepoint}/format`);
}

/** A program's record type against the running kernel's format (when tracefs is readable). */
export function checkTracepointRecord(L: Lowering, tracepoint: string, ty: LType & { kind: 'struct' }, at: TS.Node): void {
  const root = eventsRoot();
  if (root === undefined) return;
  const fields = readFormat(tracepoint, root);
  if (fields === undefined) return L.fail(at, `no tracepoint ${tracepoint} in this kernel (${root})`);
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, f] of ty.fields) {
    if (name.startsWith('_pad')) continue;
    const k = byName.get(name);
    if (k === undefined) L.fail(at, `${ty.name}.${name}: tracepoint ${tracepoint} has no field ${name} (tsbpf gen tracepoint ${tracepoint} writes its record)`);
    if (k!.offset !== f.off || k!.size !== f.type.size) L.fail(at, `${ty.name}.${name} is at offset ${f.off} (${f.type.size} bytes); the kernel's ${tracepoint} has it at ${k!.offset} (${k!.size} bytes)`);
  }
}

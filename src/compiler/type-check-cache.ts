// A clean type check remembered (as tsc --incremental does): the check's result depends on its
// options and on what it asked the file system, nothing else. A clean check records every
// question its compiler host answered (files read, with a SHA-256 of their text; paths it asked
// exist, directories listed, real paths); the next check of the same file under the same options
// asks them again, and when every answer is the same, the check is not run: its result, no
// error, is reused. A check that found an error is never recorded (it runs again to report it).
//
// The record is only a speed-up: missing, unreadable, corrupt or from another key, it is ignored;
// failing to write it is not an error. It lives next to the TypeScript code cache.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type TS from 'typescript';
import { cacheDirectory, writeCacheFile } from './typescript-loader.js';

// Bump when the record's form changes, or the rule for what a clean check is (typeCheck's
// throwFirstError: no error-category diagnostic).
const MAGIC = 'tsbpf-type-check 2';

/** One question the compiler host answered: its kind, its path, the answer (text read as a hash). */
type Question = readonly [kind: 'read' | 'exists' | 'dir' | 'list' | 'real', path: string, answer: string];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** How each kind of answer is written down (a text read: its hash, not its text). */
const encode = {
  read: (t: string | undefined): string => (t === undefined ? '-' : sha256(t)),
  exists: (r: boolean): string => (r ? '1' : '0'),
  dir: (r: boolean): string => (r ? '1' : '0'),
  list: (r: string[]): string => JSON.stringify(r),
  real: (r: string): string => r,
};

function answer(host: TS.CompilerHost, kind: Question[0], path: string): string {
  switch (kind) {
    case 'read': return encode.read(host.readFile(path));
    case 'exists': return encode.exists(host.fileExists(path));
    case 'dir': return encode.dir(host.directoryExists?.(path) === true);
    case 'list': return encode.list(host.getDirectories?.(path) ?? []);
    case 'real': return encode.real(host.realpath?.(path) ?? path);
  }
}

/**
 * Records what HOST answers from now on: its readFile, fileExists, directoryExists,
 * getDirectories and realpath are wrapped (the answers are unchanged). Returns the questions so far.
 */
export function recordQuestions(host: TS.CompilerHost): () => Question[] {
  const asked = new Map<string, Question>();
  const note = (kind: Question[0], path: string, a: string): void => { asked.set(`${kind}\0${path}`, [kind, path, a]); };
  const readFile = host.readFile.bind(host);
  host.readFile = (p) => { const t = readFile(p); note('read', p, encode.read(t)); return t; };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (p) => { const r = fileExists(p); note('exists', p, encode.exists(r)); return r; };
  const directoryExists = host.directoryExists?.bind(host);
  if (directoryExists !== undefined) host.directoryExists = (p) => { const r = directoryExists(p); note('dir', p, encode.dir(r)); return r; };
  const getDirectories = host.getDirectories?.bind(host);
  if (getDirectories !== undefined) host.getDirectories = (p) => { const r = getDirectories(p); note('list', p, encode.list(r)); return r; };
  const realpath = host.realpath?.bind(host);
  if (realpath !== undefined) host.realpath = (p) => { const r = realpath(p); note('real', p, encode.real(r)); return r; };
  return () => [...asked.values()];
}

/** The record's file for one checked file under one set of options (and this TypeScript). */
function recordFile(key: string): string {
  return join(cacheDirectory(), `type-check-${sha256(key).slice(0, 16)}.json`);
}

/**
 * The key of a check: TypeScript's version, the file, the working directory (the questions'
 * relative paths are relative to it), the options, the text of the virtual files.
 */
export function checkKey(ts: typeof TS, file: string, options: TS.CompilerOptions, virtualText: string): string {
  return JSON.stringify([MAGIC, ts.version, resolve(file), process.cwd(), options, sha256(virtualText)]);
}

/** True when a clean check under KEY was recorded and HOST answers every one of its questions the same. */
export function cleanCheckRecorded(host: TS.CompilerHost, key: string): boolean {
  let record: { key?: unknown; questions?: unknown };
  // A torn or foreign file fails to parse or has another key (records are renamed into place whole).
  try { record = JSON.parse(readFileSync(recordFile(key), 'utf8')) as typeof record; } catch { return false; }
  if (record.key !== key || !Array.isArray(record.questions)) return false;
  const kinds = new Set(['read', 'exists', 'dir', 'list', 'real']);
  for (const q of record.questions as unknown[]) {
    if (!Array.isArray(q) || q.length !== 3 || !kinds.has(q[0]) || typeof q[1] !== 'string' || typeof q[2] !== 'string') return false;
    const [kind, path, a] = q as unknown as Question;
    try { if (answer(host, kind, path) !== a) return false; } catch { return false; }
  }
  return true;
}

/** Records a clean check under KEY (atomically: a temporary file renamed over the old one). */
export function recordCleanCheck(key: string, questions: readonly Question[]): void {
  writeCacheFile(recordFile(key), JSON.stringify({ key, questions }));
}

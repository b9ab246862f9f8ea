// A verifier disagreement report (written by loadObject's preverification) read back as input to
// `tsbpf verify`: the program exactly as it went to the kernel, with its maps, so that the model
// can be run on it again — the report is a ready test case.

import type { PreparedMap } from '../../loader/index.js';
import { VerifyInputError } from '../verify-object.js';

export interface MismatchCase {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly license: string;
  readonly insns: Uint8Array;
  readonly maps: ReadonlyMap<number, PreparedMap>;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function hex(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !HEX.test(v)) throw new VerifyInputError(`${what} is not a hex string`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function u32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new VerifyInputError(`${what} is not an integer from 0 to 4294967295`);
  return v;
}

/** True when the bytes look like a report (a JSON object with the report's marker). */
export function isMismatchReport(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('utf8');
  return /^\s*\{\s*"tsbpfVerifierMismatch"/.test(head);
}

/** The program of a report; a VerifyInputError names what is malformed. */
export function readMismatchReport(bytes: Uint8Array): MismatchCase {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VerifyInputError(`not JSON (${(e as Error).message})`);
  }
  const p = (doc as { program?: Record<string, unknown> }).program;
  if (typeof p !== 'object' || p === null) throw new VerifyInputError(`no "program" object`);
  for (const k of ['name', 'section', 'type', 'license'] as const) if (typeof p[k] !== 'string') throw new VerifyInputError(`program.${k} is not a string`);
  const insns = hex(p.insns, 'program.insns');
  if (insns.length === 0 || insns.length % 8 !== 0) throw new VerifyInputError(`program.insns is ${insns.length} bytes, not a whole number of 8-byte instructions`);
  if (!Array.isArray(p.maps)) throw new VerifyInputError(`program.maps is not an array`);
  const maps = new Map<number, PreparedMap>();
  p.maps.forEach((m: Record<string, unknown>, i: number) => {
    const at = `program.maps[${i}]`;
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string') throw new VerifyInputError(`${at}.name is not a string`);
    maps.set(u32(m.fd, `${at}.fd`), {
      name: m.name, type: u32(m.type, `${at}.type`), keySize: u32(m.keySize, `${at}.keySize`), valueSize: u32(m.valueSize, `${at}.valueSize`),
      maxEntries: u32(m.maxEntries, `${at}.maxEntries`), flags: u32(m.flags, `${at}.flags`),
      ...(m.frozenValue === undefined ? {} : { frozenValue: hex(m.frozenValue, `${at}.frozenValue`) }),
    });
  });
  return { name: p.name as string, section: p.section as string, type: p.type as string, license: p.license as string, insns, maps };
}

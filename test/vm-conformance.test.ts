// The vendored conformance suite through the vm, with both engines: every tests/*.data program
// must leave its `-- result` in r0 (r1 = the `-- mem` bytes, r2 = their length, as the suite's
// runners pass them). The negative files that are about programs rather than assemblers: the
// strict decoder refuses the reserved-field encodings before anything runs, and the file whose
// stated result is wrong gets the value the program really computes (the kernel's, recorded).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleUbpf, DecodeError, parseConformanceData } from '../isa/index.js';
import { compiledEngine, interpret, runRaw } from '../vm/index.js';

const SUITE = fileURLToPath(new URL('./vendor/bpf-conformance/', import.meta.url));
const files = (dir: string): string[] => readdirSync(`${SUITE}${dir}`).filter((f) => f.endsWith('.data')).sort();

const engines = { interpreter: interpret, compiled: compiledEngine } as const;

describe.each(Object.keys(engines) as (keyof typeof engines)[])('conformance suite in the vm (%s)', (engineName) => {
  const engine = engines[engineName];
  it.each(files('tests'))('tests/%s', (f) => {
    const name = `tests/${f}`;
    const data = parseConformanceData(readFileSync(`${SUITE}tests/${f}`, 'utf8'), name);
    const prog = data.raw ?? assembleUbpf(data.asm!.text, name, { firstLine: data.asm!.line });
    const r = runRaw(prog, { memory: data.mem ?? new Uint8Array(0), engine });
    expect(r.fault).toBeNull();
    expect(`0x${r.r0.toString(16)}`).toBe(`0x${data.result!.toString(16)}`);
    expect(r.insnsExecuted).toBeGreaterThan(0);
  });

  it('negative/incorrect_return_value_high_bits.data: the vm computes the true value, not the stated one', () => {
    const data = parseConformanceData(readFileSync(`${SUITE}negative/incorrect_return_value_high_bits.data`, 'utf8'), 'x');
    const prog = assembleUbpf(data.asm!.text, 'x');
    const r = runRaw(prog, { memory: data.mem!, engine });
    expect(r.r0).toBe(0x8877665544332211n);
    expect(r.r0).not.toBe(data.result);
  });

  it('negative/unused-*.data: refused by the decoder before the vm runs anything (except addr_space_cast)', () => {
    let refused = 0;
    for (const f of files('negative').filter((x) => x.startsWith('unused-'))) {
      const data = parseConformanceData(readFileSync(`${SUITE}negative/${f}`, 'utf8'), f);
      try {
        const r = runRaw(data.raw!, { memory: new Uint8Array(0), engine });
        expect(f).toBe('unused-mov64_reg-offset.data');
        expect(r.fault).toBeNull();
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        refused++;
      }
    }
    expect(refused).toBe(44);
  });
});

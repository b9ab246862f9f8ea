// verify() of tsbpf/verifier (issue 10, Interfaces): accepted / errno / error / stats, with the
// statistics the kernel prints at log level 4 (BPF_LOG_STATS) compared with the live kernel's.

import { describe, expect, it } from 'vitest';
import { LoadError, loadProgram } from '../loader/index.js';
import { verify } from '../verifier/index.js';
import { requireRoot } from './support/references.js';

const asRoot = requireRoot();

type Slot = [number, number, number, number, number];
function bytes(slots: readonly Slot[]): Uint8Array {
  const b = Buffer.alloc(slots.length * 8);
  slots.forEach(([op, dst, src, off, imm], i) => {
    b.writeUInt8(op, i * 8); b.writeUInt8((src << 4) | dst, i * 8 + 1); b.writeInt16LE(off, i * 8 + 2); b.writeInt32LE(imm, i * 8 + 4);
  });
  return new Uint8Array(b);
}
const MOV0: Slot = [0xb7, 0, 0, 0, 0];
const EXIT: Slot = [0x95, 0, 0, 0, 0];
const st = (size: 1 | 2 | 4 | 8, off: number): Slot => [({ 1: 0x72, 2: 0x6a, 4: 0x62, 8: 0x7a } as const)[size], 10, 0, off, 7];

const PROGRAMS: Record<string, Uint8Array> = {
  'no stack': bytes([MOV0, EXIT]),
  'u32 at -4': bytes([st(4, -4), MOV0, EXIT]),
  'u64 at -16': bytes([st(8, -16), MOV0, EXIT]),
  'byte at -13 and u16 at -40': bytes([st(1, -13), st(2, -40), MOV0, EXIT]),
  'a branch on a stack byte': bytes([st(1, -1), [0x71, 1, 10, -1, 0], [0x15, 1, 0, 1, 7], MOV0, [0xb7, 0, 0, 0, 1], EXIT]),
};

function kernelStats(insns: Uint8Array): { insnsProcessed: number; totalStates: number; peakStates: number; maxStatesPerInsn: number; stackDepth: number[] } {
  const r = loadProgram({ name: 'stats', section: 'xdp', type: 6, insns, license: 'GPL', logLevel: 4 });
  r.fd.close();
  const depth = /stack depth ([\d+]+)/.exec(r.log)!;
  const p = /processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)/.exec(r.log)!;
  return { insnsProcessed: Number(p[1]), maxStatesPerInsn: Number(p[2]), totalStates: Number(p[3]), peakStates: Number(p[4]), stackDepth: depth[1]!.split('+').map(Number) };
}

describe('verify()', () => {
  it('accepted, errno and error in the documented shape', () => {
    expect(verify(PROGRAMS['no stack']!, { progType: 'xdp' })).toMatchObject({ accepted: true, errno: null, error: null, notModelled: null });
    const r = verify(bytes([MOV0, [0x05, 0, 0, 5, 0], EXIT]), { progType: 'xdp' });
    expect(r).toMatchObject({ accepted: false, errno: 'EINVAL', error: { insn: 1, message: 'jump out of range from insn 1 to 7' }, stats: null });
    // Without CAP_BPF an xdp program is refused before the verifier (live: test/verifier-unpriv.test.ts).
    expect(verify(PROGRAMS['no stack']!, { progType: 'xdp', privileged: false })).toMatchObject({ accepted: false, errno: 'EPERM', error: null, notModelled: null });
  });

  it.skipIf(!asRoot)('stats: processed insns, states and stack depth as the kernel prints them', () => {
    for (const [name, insns] of Object.entries(PROGRAMS)) {
      let kernel;
      try {
        kernel = kernelStats(insns);
      } catch (e) {
        if (e instanceof LoadError) throw new Error(`${name}: the kernel refused it: ${e.message}`);
        throw e;
      }
      expect({ name, stats: verify(insns, { progType: 'xdp' }).stats }).toEqual({ name, stats: kernel });
    }
  });
});

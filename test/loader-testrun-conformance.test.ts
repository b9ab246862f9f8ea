// The conformance suite's programs run in the kernel through testRun, in the harness upstream's
// libbpf plugin uses: an XDP program calls the test as a bpf-to-bpf subprogram and stores its
// 64-bit r0 into an array map. Each result must be the file's `-- result`; the programs the kernel
// refused in the research run (artifacts/isa/kernel-6.18-conformance.json) must be refused here too.
// Files with `-- mem` need the plugin's packet prolog and are left to the VM tests.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleUbpf, encodeInstructions, type Instruction, parseConformanceData } from '../isa/index.js';
import {
  MapType, OwnedFd, ProgType, SyscallError, testRun,
} from '../loader/index.js';
import { sys } from '../src/internal.js';

import { createMap } from './support/bpf-raw.js';
import { requireRoot } from './support/references.js';

const { bpf, BpfCommand, encodeAttr, MapElemAttr, objectName, pointee, ProgLoadAttr } = sys;

const ok = requireRoot();

const SUITE = fileURLToPath(new URL('./vendor/bpf-conformance/tests/', import.meta.url));
const KERNEL = fileURLToPath(new URL('./data/isa/kernel-6.18-conformance.json', import.meta.url));

function harness(mapFd: number, test: Instruction[]): Instruction[] {
  return [
    { kind: 'call', callee: 'local', imm: 4, offset: 0 }, // to the test, 4 slots on
    { kind: 'ldImm64', dst: 1, pseudo: 2, imm: mapFd, nextImm: 0 }, // r1 = &map[0] (BPF_PSEUDO_MAP_VALUE)
    { kind: 'stx', size: 8, dst: 1, src: 0, offset: 0 },
    { kind: 'exit' },
    ...test,
  ];
}

function load(insns: Instruction[]): OwnedFd {
  const code = encodeInstructions(insns);
  const log = pointee(1 << 16);
  try {
    return new OwnedFd(bpf(BpfCommand.PROG_LOAD, encodeAttr(ProgLoadAttr, {
      prog_type: ProgType.XDP, insn_cnt: code.length / 8, insns: pointee(code), license: pointee(Buffer.from('GPL\0')),
      log_level: 1, log_size: log.size, log_buf: log, prog_name: objectName('conformance'),
    })), 'conformance program');
  } catch (e) {
    if (e instanceof SyscallError) throw new Error(`${e.code}: ${log.cString().trim().split('\n').filter((l) => !/^processed \d+ insns/.test(l)).pop()}`);
    throw e;
  }
}

describe.skipIf(!ok)('conformance programs through testRun', () => {
  it('every mem-less test: the kernel result is the file\'s, or the program is refused as in the research run', () => {
    const kernel = JSON.parse(readFileSync(KERNEL, 'utf8')) as Record<string, [string, string, string]>;
    const map = createMap(MapType.ARRAY, 4, 8, 1);
    const counts = { ran: 0, refused: 0, skipped: 0 };
    try {
      for (const f of readdirSync(SUITE).filter((x) => x.endsWith('.data')).sort()) {
        const name = `tests/${f}`;
        const data = parseConformanceData(readFileSync(`${SUITE}${f}`, 'utf8'), name);
        const expected = kernel[name]!;
        if (data.mem !== undefined || data.asm === undefined || data.result === undefined || expected[1] === 'asm-error') { counts.skipped++; continue; }
        let prog: OwnedFd;
        try {
          prog = load(harness(map.fd, assembleUbpf(data.asm.text, name, { firstLine: data.asm.line })));
        } catch (e) {
          expect([name, expected[1]]).toEqual([name, 'load-error']);
          expect([name, (e as Error).message]).toEqual([name, expected[2]]);
          counts.refused++;
          continue;
        }
        try {
          testRun({ fd: prog.fd }, { data: new Uint8Array(64) });
          const v = pointee(8);
          bpf(BpfCommand.MAP_LOOKUP_ELEM, encodeAttr(MapElemAttr, { map_fd: map.fd, key: pointee(4), value: v }));
          expect([name, `0x${Buffer.from(v.bytes).readBigUInt64LE(0).toString(16)}`]).toEqual([name, `0x${data.result.toString(16)}`]);
          counts.ran++;
        } finally {
          prog.close();
        }
      }
    } finally {
      map.close();
    }
    expect(counts.ran).toBeGreaterThan(240);
    console.log(`conformance via testRun: ${counts.ran} ran with the expected r0, ${counts.refused} refused as in the research run, ${counts.skipped} skipped (mem or no result)`);
  });
});

// Event stream readers against records produced by known programs, run in the kernel with
// BPF_PROG_TEST_RUN: each record carries a sequence number taken from an array map, so the
// reader's output can be checked for count, order, contents, wrap-around and losses.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MapType, PerfBuffer, ProgType, RingBuffer, readTracePipe, testRun } from '../loader/index.js';
import { createMap, loadRaw, lookupU64 } from './support/bpf-raw.js';
import { requireRoot } from './support/references.js';

const ok = requireRoot();

const MAGIC = 0x1122334455667788n;
const PACKET = new Uint8Array(64);

/** r1 = seq (fetch-add on counter[0]); stores [seq, MAGIC] at r10-24 (16 bytes); leaves ctx in r6. */
function sequenced(counterFd: number): string[] {
  return [
    'r6 = r1', '*(u32 *)(r10 - 4) = 0', 'r2 = r10', 'r2 += -4', `r1 = map_fd(${counterFd})`, 'call 1',
    'if r0 == 0 goto +LAST', 'r1 = 1', 'r1 = atomic_fetch_add((u64 *)(r0 + 0), r1)', '*(u64 *)(r10 - 24) = r1',
    `r1 = ${MAGIC} ll`, '*(u64 *)(r10 - 16) = r1',
  ];
}

/** Resolves the single `goto +LAST` to jump to the final `exit`'s preceding `r0 = 2`. */
function finish(lines: string[]): string[] {
  const all = [...lines, 'r0 = 2', 'exit'];
  const slots = (l: string): number => (/ ll$|map_fd\(/.test(l) ? 2 : 1);
  const at = all.findIndex((l) => l.includes('+LAST'));
  let skip = 0;
  for (let i = at + 1; i < all.length - 2; i++) skip += slots(all[i]!);
  return all.map((l) => l.replace('+LAST', `+${skip}`));
}

function decode(r: Uint8Array): { seq: bigint; magic: bigint } {
  const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
  return { seq: v.getBigUint64(0, true), magic: v.getBigUint64(8, true) };
}

describe.skipIf(!ok)('event streams on the live kernel', () => {
  it('ring buffer: every record in order with its contents, across many wrap-arounds', async () => {
    const counter = createMap(MapType.ARRAY, 4, 8, 1);
    const ring = createMap(MapType.RINGBUF, 0, 0, 4096);
    const prog = loadRaw(ProgType.XDP, finish([...sequenced(counter.fd), `r1 = map_fd(${ring.fd})`, 'r2 = r10', 'r2 += -24', 'r3 = 16', 'r4 = 0', 'call 130']));
    const reader = new RingBuffer(ring);
    try {
      const seen: bigint[] = [];
      // 24-byte records in a 4096-byte ring: 10 rounds of 100 go round it about 6 times.
      for (let round = 0; round < 10; round++) {
        testRun(prog, { data: PACKET, repeat: 100 });
        reader.drain((r) => {
          const d = decode(r);
          expect(d.magic).toBe(MAGIC);
          seen.push(d.seq);
        });
      }
      expect(lookupU64(counter, 0)).toBe(1000n);
      expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    } finally {
      await reader.close();
      prog.close(); ring.close(); counter.close();
    }
  });

  it('ring buffer: a full ring keeps what fits (bpf_ringbuf_output fails for the rest); async iteration sees them', async () => {
    const counter = createMap(MapType.ARRAY, 4, 8, 1);
    const ring = createMap(MapType.RINGBUF, 0, 0, 4096);
    const prog = loadRaw(ProgType.XDP, finish([...sequenced(counter.fd), `r1 = map_fd(${ring.fd})`, 'r2 = r10', 'r2 += -24', 'r3 = 16', 'r4 = 0', 'call 130']));
    const reader = new RingBuffer(ring);
    try {
      testRun(prog, { data: PACKET, repeat: 300 });
      const seqs: bigint[] = [];
      for await (const r of reader.records({ idleTimeoutMs: 200 })) seqs.push(decode(r).seq);
      // floor(4096 / 24) records fit; they are the first ones produced.
      expect(seqs).toEqual(Array.from({ length: Math.floor(4096 / 24) }, (_, i) => BigInt(i)));
      // Space is free again: the next run's records arrive while the iterator waits in epoll.
      const it = reader.records();
      const next = it.next();
      testRun(prog, { data: PACKET, repeat: 1 });
      const got = await next;
      expect(decode(got.value as Uint8Array).seq).toBe(300n);
      await it.return(undefined);
    } finally {
      await reader.close();
      prog.close(); ring.close(); counter.close();
    }
  });

  it('perf buffer: samples in order with contents; an overfull ring reports the rest as lost', async () => {
    const counter = createMap(MapType.ARRAY, 4, 8, 1);
    const cpus = 64;
    const perf = createMap(MapType.PERF_EVENT_ARRAY, 4, 4, cpus);
    const prog = loadRaw(ProgType.XDP, finish([
      ...sequenced(counter.fd), 'r1 = r6', `r2 = map_fd(${perf.fd})`, 'r3 = 4294967295 ll', 'r4 = r10', 'r4 += -24', 'r5 = 16', 'call 25',
    ]));
    const reader = new PerfBuffer(perf, { pages: 1 });
    const affinity = /: (\S+)$/.exec(execFileSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' }).trim())![1]!;
    let pinned = false;
    try {
      const seen: bigint[] = [];
      let lost = 0;
      for (let round = 0; round < 5; round++) {
        testRun(prog, { data: PACKET, repeat: 50 });
        reader.drain((r) => {
          if (r.type === 'lost') { lost += r.lost; return; }
          // The kernel pads u32 size + raw data to 8 bytes: 16 bytes of output arrive as 20.
          expect(r.data.length).toBe(20);
          expect(decode(r.data).magic).toBe(MAGIC);
          seen.push(decode(r.data).seq);
        });
      }
      expect(lost).toBe(0);
      // In order per CPU; the test run may move between CPUs, so compare the sorted union.
      expect([...seen].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 250 }, (_, i) => BigInt(i)));
      // One data page holds 4096 / 32 = 128 samples (8-byte header, u32 size, 16 bytes, padding).
      // The overflow and the LOST record that reports it happen on one CPU's ring, so keep this
      // thread (the test runs execute on it) on one CPU for the rest of the test.
      execFileSync('taskset', ['-p', '-c', String(reader.cpus[0]), String(process.pid)], { stdio: 'ignore' });
      pinned = true;
      testRun(prog, { data: PACKET, repeat: 1000 });
      let samples = 0;
      for await (const r of reader.records({ idleTimeoutMs: 200 })) {
        if (r.type === 'lost') lost += r.lost;
        else samples++;
      }
      // The kernel writes a LOST record into a CPU's ring when that ring has room again, just before
      // its next sample; the test run may land on either CPU, so produce one at a time until every
      // record is accounted for.
      const burstSamples = samples;
      let produced = 1000;
      for (let i = 0; i < 400 && samples + lost < produced; i++) {
        testRun(prog, { data: PACKET, repeat: 1 });
        produced++;
        reader.drain((r) => { if (r.type === 'lost') lost += r.lost; else samples++; });
      }
      expect(samples + lost).toBe(produced);
      expect(lost).toBeGreaterThan(0);
      expect(burstSamples).toBeLessThanOrEqual(128);
    } finally {
      if (pinned) execFileSync('taskset', ['-p', '-c', affinity, String(process.pid)], { stdio: 'ignore' });
      await reader.close();
      prog.close(); perf.close(); counter.close();
    }
  });

  it('perf buffer: records that wrap around the end of the ring arrive whole (copied), in order', async () => {
    const counter = createMap(MapType.ARRAY, 4, 8, 1);
    const perf = createMap(MapType.PERF_EVENT_ARRAY, 4, 4, 64);
    // 28 bytes out: header 8 + size 4 + 28 = 40-byte records, which do not divide a 4096-byte ring.
    const prog = loadRaw(ProgType.XDP, finish([
      ...sequenced(counter.fd), '*(u64 *)(r10 - 8) = r1', '*(u32 *)(r10 - 32) = 0', 'r1 = r6', `r2 = map_fd(${perf.fd})`, 'r3 = 4294967295 ll',
      'r4 = r10', 'r4 += -32', 'r5 = 28', 'call 25',
    ]));
    const reader = new PerfBuffer(perf, { pages: 1 });
    try {
      const seen: bigint[] = [];
      for (let round = 0; round < 12; round++) {
        testRun(prog, { data: PACKET, repeat: 60 });
        reader.drain((r) => {
          if (r.type === 'lost') throw new Error(`lost ${r.lost}`);
          const v = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
          // Layout at r10-32: u32 0, pad, seq (r10-24), magic (r10-16), seq again (r10-8).
          const seq = v.getBigUint64(8, true);
          expect(v.getBigUint64(16, true)).toBe(MAGIC);
          expect(r.data.length).toBe(28);
          seen.push(seq);
        });
      }
      // 720 records of 40 bytes went round the 4 KiB ring about seven times, so several wrapped.
      expect([...seen].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 720 }, (_, i) => BigInt(i)));
    } finally {
      await reader.close();
      prog.close(); perf.close(); counter.close();
    }
  });

  it('trace_pipe: the reader gets the line bpf_printk wrote', async () => {
    const tag = `tsbpf${process.pid}`.slice(0, 12).padEnd(12, 'x'); // 12 chars + "\n\0" = 14 … stored as 16 bytes
    const bytes = Buffer.alloc(16);
    bytes.write(`${tag}\n`);
    const lo = bytes.readBigUInt64LE(0);
    const hi = bytes.readBigUInt64LE(8);
    const prog = loadRaw(ProgType.XDP, [
      `r1 = ${lo} ll`, '*(u64 *)(r10 - 16) = r1', `r1 = ${hi} ll`, '*(u64 *)(r10 - 8) = r1',
      'r1 = r10', 'r1 += -16', `r2 = ${tag.length + 2}`, 'call 6', 'r0 = 2', 'exit',
    ]);
    try {
      const lines = readTracePipe({ idleTimeoutMs: 3000 });
      const first = lines.next();
      await new Promise((r) => setTimeout(r, 100));
      testRun(prog, { data: PACKET });
      let found: string | undefined;
      for (let r = await first; r.done !== true; r = await lines.next()) {
        if (r.value.message.includes(tag)) { found = r.value.message; break; }
      }
      await lines.return(undefined);
      expect(found).toBe(tag);
    } finally {
      prog.close();
    }
  });

  it('tsbpf trace --json prints the bpf_printk line as JSON (same file as the other trace_pipe reader: tests here run one at a time)', async () => {
    if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: npm test builds it first');
    const tag = `tsbcli${process.pid}`.slice(0, 12).padEnd(12, 'y');
    const bytes = Buffer.alloc(16);
    bytes.write(`${tag}\n`);
    const prog = loadRaw(ProgType.XDP, [
      `r1 = ${bytes.readBigUInt64LE(0)} ll`, '*(u64 *)(r10 - 16) = r1', `r1 = ${bytes.readBigUInt64LE(8)} ll`, '*(u64 *)(r10 - 8) = r1',
      'r1 = r10', 'r1 += -16', `r2 = ${tag.length + 2}`, 'call 6', 'r0 = 2', 'exit',
    ]);
    try {
      const child = spawn(process.execPath, ['dist/cli.js', 'trace', '--json', '--timeout', '5000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const found = new Promise<string>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.includes(tag));
          if (line !== undefined) resolve(line);
        });
      });
      await new Promise((r) => setTimeout(r, 500)); // the child opens trace_pipe
      testRun(prog, { data: PACKET });
      const line = JSON.parse(await found) as { message: string; pid: number | null };
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(line.message).toBe(tag);
      expect(line.pid).toBe(process.pid);
      expect(code).toBe(0);
    } finally {
      prog.close();
    }
  });
});

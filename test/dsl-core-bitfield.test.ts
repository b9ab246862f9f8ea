// CO-RE bitfield reads from the structured layer (`b.coreRead` through a bitfield member, and
// `b.coreLoad` through a BTF pointer) against clang-19's BPF_CORE_READ_BITFIELD_PROBED and
// BPF_CORE_READ_BITFIELD on the same kernel bitfields (sk_buff.pkt_type — also through the
// trusted pointer of the bpf_cast_to_kern_ctx kfunc —, net_device.lltx through the skb->dev
// pointer, and the signed bpf_reg_state.iter.depth): the same
// CO-RE records in instruction order (kind, root type, access string); the same values after
// tsbpf's CO-RE relocation against this kernel's BTF; and, loaded by tsbpf's loader and run with
// BPF_PROG_TEST_RUN, the same values read — which for pkt_type are also what the kernel itself
// reports as __sk_buff.pkt_type for the packet's destination MAC.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BpfObject, decodeBtf, readObject } from '../elf/index.js';
import { loadKernelCoreTarget, loadObject, relocateObjectCore, testRun } from '../loader/index.js';
import { defineObject, kfunc, program, type ProgramBuilder, ptr, void_, R0, R7, type Reg, type StructType } from '../src/dsl/index.js';
import { generateTypesModule } from '../src/dsl/types/index.js';
import { kernelAvailable } from './support/dsl-kernel.js';
import { requireReferences, run } from './support/references.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const ok = requireReferences('clang-19') && existsSync(VMLINUX);
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-core-bitfield-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C_TWIN = (vmlinuxH: string): string => `#include "${vmlinuxH}"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
SEC("tc")
int read_pkt_type(struct __sk_buff *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;
	return BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
}
SEC("tc")
int read_lltx(struct __sk_buff *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	return BPF_CORE_READ_BITFIELD_PROBED(dev, lltx);
}
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
SEC("tc")
int load_pkt_type(struct __sk_buff *ctx)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);
	return BPF_CORE_READ_BITFIELD(skb, pkt_type);
}
SEC("tc")
int read_iter_depth(struct __sk_buff *ctx)
{
	struct bpf_reg_state *reg = (struct bpf_reg_state *)ctx;
	return BPF_CORE_READ_BITFIELD_PROBED(reg, iter.depth);
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Per program: its CO-RE records in instruction order, as `kind root access`. */
function coreRecords(obj: BpfObject): Map<string, string[]> {
  const btf = obj.btf!;
  const m = new Map<string, string[]>();
  for (const p of obj.programs) {
    m.set(p.name, p.instructions.flatMap((i) => (i.coreRelocations ?? []).map((r) => `${r.kind} ${btf.nameOf(r.typeId)} ${btf.string(r.accessStringOffset)}`)));
  }
  return m;
}

/** b.coreRead on descriptors imported at run time (their field names are not known to tsc here). */
function untypedRead(b: ProgramBuilder, dst: Reg, ptr: Reg, root: StructType, ...path: string[]): void {
  (b.coreRead as unknown as (...a: unknown[]) => ProgramBuilder).call(b, dst, ptr, root, ...path);
}

function untypedLoad(b: ProgramBuilder, dst: Reg, p: Reg, root: StructType, ...path: string[]): void {
  (b.coreLoad as unknown as (...a: unknown[]) => ProgramBuilder).call(b, dst, p, root, ...path);
}

/** An Ethernet frame to `dst` (the kernel's eth_type_trans sets pkt_type from it). */
function frame(dst: readonly number[]): Uint8Array {
  const b = Buffer.alloc(64);
  Buffer.from(dst).copy(b, 0);
  b.fill(0x02, 6, 12);
  b.writeUInt16BE(0x0800, 12);
  b.writeUInt8(0x45, 14);
  return b;
}

describe.skipIf(!ok)('coreRead of a bitfield equals clang-19\'s BPF_CORE_READ_BITFIELD_PROBED', () => {
  let dsl: Uint8Array;
  let c: Uint8Array;

  it('emits the same CO-RE records in the same order as the C twin', async () => {
    const fixture = resolve('fixtures/build/vmlinux.h');
    const vmlinuxH = existsSync(fixture) ? fixture : join(dir, 'vmlinux.h');
    if (vmlinuxH !== fixture) writeFileSync(vmlinuxH, run('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c']));
    writeFileSync(join(dir, 'twin.c'), C_TWIN(vmlinuxH));
    run('clang-19', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-c', join(dir, 'twin.c'), '-o', join(dir, 'twin.o')]);
    c = new Uint8Array(readFileSync(join(dir, 'twin.o')));

    const kernel = decodeBtf(new Uint8Array(readFileSync(VMLINUX)));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'kernel.ts'), generateTypesModule(kernel, ['sk_buff', 'net_device', 'bpf_reg_state'], { importFrom: resolve('src/dsl/types/index.js') }));
    const k = await import(join(dir, 'kernel.ts')) as Record<string, StructType>;
    const skb = k.sk_buff!;
    const castToKernCtx = kfunc('bpf_cast_to_kern_ctx', { params: [ptr(void_)], returns: ptr(void_) });
    dsl = defineObject({
      license: 'GPL',
      programs: {
        read_pkt_type: program('tc', (b) => { untypedRead(b, R0, b.ctx, skb, 'pkt_type'); b.return(R0); }),
        read_lltx: program('tc', (b) => { untypedRead(b, R7, b.ctx, skb, 'dev', 'lltx'); b.return(R7); }),
        // Direct loads through the kfunc's trusted sk_buff pointer (BPF_CORE_READ_BITFIELD).
        load_pkt_type: program('tc', (b) => { b.callKfunc(castToKernCtx, b.ctx); untypedLoad(b, R0, R0, skb, 'pkt_type'); b.return(R0); }),
        // A signed bitfield (int depth : 30): read only for its relocations (the data is not a bpf_reg_state).
        read_iter_depth: program('tc', (b) => { untypedRead(b, R0, b.ctx, k.bpf_reg_state!, 'iter', 'depth'); b.return(R0); }),
        // The kernel's own view of the same field, through the context rewrite (__sk_buff.pkt_type at 4).
        ctx_pkt_type: program('tc', (b) => { b.load(4, R0, b.ctx, 4); b.return(R0); }),
      },
    }).build();

    const ours = coreRecords(readObject(dsl));
    const theirs = coreRecords(readObject(c));
    for (const name of ['read_pkt_type', 'read_lltx', 'load_pkt_type', 'read_iter_depth']) {
      expect(ours.get(name), name).toEqual(theirs.get(name));
    }
    // Relocated against this kernel's BTF by tsbpf's CO-RE step: the same values before and after.
    const target = loadKernelCoreTarget({ modules: false });
    const patched = (bytes: Uint8Array): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const r of relocateObjectCore(readObject(bytes), target).results) {
        const list = m.get(r.program) ?? [];
        list.push(`${r.kind} ${r.accessString} ${r.ok ? `${r.original} -> ${r.patched}` : 'failed'}`);
        m.set(r.program, list);
      }
      return m;
    };
    const ourPatch = patched(dsl);
    const theirPatch = patched(c);
    for (const name of ['read_pkt_type', 'read_lltx', 'load_pkt_type', 'read_iter_depth']) expect(ourPatch.get(name), name).toEqual(theirPatch.get(name));
    // The signed field: FIELD_SIGNED is 1 and the arithmetic shift extracts 30 bits.
    expect(theirPatch.get('read_iter_depth')!.filter((r) => r.startsWith('field_signed') || r.startsWith('field_rshift'))).toEqual([
      expect.stringMatching(/ -> 1$/), expect.stringMatching(/ -> 34$/), expect.stringMatching(/ -> 34$/),
    ]);
    // The bitfield access carries all five kinds, the right shift twice (logical and arithmetic).
    expect(theirs.get('read_pkt_type')!.map((r) => r.split(' ')[0])).toEqual([
      'field_byte_offset', 'field_byte_size', 'field_lshift_u64', 'field_signed', 'field_rshift_u64', 'field_rshift_u64',
    ]);
  });

  const live = ok && kernelAvailable();
  it.skipIf(!live)('reads the same values in the kernel as the C twin and as __sk_buff.pkt_type', () => {
    const ours = loadObject(dsl, { name: 'dslbf' });
    const twin = loadObject(c, { name: 'cbf' });
    try {
      const macs: Record<string, readonly number[]> = {
        host: [0, 0, 0, 0, 0, 0], // the loopback device's own address
        broadcast: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // multicast: loopback has no broadcast address
        multicast: [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01],
        otherhost: [0x02, 0x11, 0x22, 0x33, 0x44, 0x55],
      };
      const seen = new Set<number>();
      for (const [what, mac] of Object.entries(macs)) {
        const data = frame(mac);
        const kernelView = testRun(ours.program('ctx_pkt_type'), { data }).retval;
        const a = testRun(ours.program('read_pkt_type'), { data }).retval;
        const b = testRun(twin.program('read_pkt_type'), { data }).retval;
        expect([what, a]).toEqual([what, kernelView]);
        expect([what, a]).toEqual([what, b]);
        expect([what, testRun(ours.program('load_pkt_type'), { data }).retval]).toEqual([what, kernelView]);
        expect([what, testRun(twin.program('load_pkt_type'), { data }).retval]).toEqual([what, kernelView]);
        seen.add(a);
        // The loopback device of test runs is lockless (lltx = 1); both read it through skb->dev.
        expect(testRun(ours.program('read_lltx'), { data }).retval).toBe(testRun(twin.program('read_lltx'), { data }).retval);
      }
      expect([...seen].sort()).toEqual([0, 2, 3]); // PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST
      expect(testRun(ours.program('read_lltx'), { data: frame(macs.broadcast!) }).retval).toBe(1);
    } finally {
      ours.close();
      twin.close();
    }
  });
});

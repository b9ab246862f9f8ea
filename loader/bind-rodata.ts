// libbpf binds every read-only data map (.rodata, .rodata.*) to each program it loads with
// BPF_PROG_BIND_MAP, so the map lives as long as the program and tools that read a program's
// maps find it even when no instruction uses it (bpftool prog show prints the bpf_metadata_*
// variables from it). A kernel without the command (before 5.10) still gets the program, as
// with libbpf: a failed bind is a warning, never a failed load.
import type { BpfObject } from '../elf/index.js';
import type { LoaderLog } from './log.js';
import type { BpfMap } from './maps.js';
import { BpfCommand, bpfRaw, encodeAttr, errnoName, ProgBindMapAttr } from './sys/index.js';

/** The maps of the object's read-only data sections, in section order. */
export function readOnlyDataMaps(object: BpfObject, maps: ReadonlyMap<string, BpfMap>): BpfMap[] {
  const out: BpfMap[] = [];
  for (const g of object.globals) {
    const m = g.kind === 'rodata' ? maps.get(g.name) : undefined;
    if (m !== undefined) out.push(m);
  }
  return out;
}

/** Binds each map to the program; returns how many binds the kernel took. */
export function bindReadOnlyData(progName: string, progFd: number, rodata: readonly BpfMap[], log: LoaderLog): number {
  let bound = 0;
  for (const m of rodata) {
    const r = bpfRaw(BpfCommand.PROG_BIND_MAP, encodeAttr(ProgBindMapAttr, { prog_fd: progFd, map_fd: m.fd }));
    if (r >= 0) bound++;
    else log('warn', `prog '${progName}': failed to bind map '${m.info.name}': ${errnoName(-r)}`);
  }
  return bound;
}

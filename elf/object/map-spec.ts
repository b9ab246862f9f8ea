// The one description of a map to create: what BPF_MAP_CREATE takes. The loader creates kernel
// maps from it and the vm its own; an object's map definitions (BtfMap) become one.

/** A map to create: its kind and sizes, and what a loader adds when it creates one in the kernel. */
export interface MapSpec {
  readonly name: string;
  /** BPF_MAP_TYPE_* number (BPF_MAP_TYPE). */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly numaNode?: number;
  readonly mapExtra?: number | bigint;
  /** Kernel maps: the inner map template's fd of a map-in-map. */
  readonly innerMapFd?: number;
  /** Kernel maps: the BTF object holding the key and value types, and their ids in it. */
  readonly btfFd?: number;
  readonly btfKeyTypeId?: number;
  readonly btfValueTypeId?: number;
  /** struct_ops maps: the kernel's `bpf_struct_ops_<name>` type id in vmlinux BTF. */
  readonly btfVmlinuxValueTypeId?: number;
}

// The layouts of `union bpf_attr` per command (and of perf_event_attr), defined once. Each layout
// names the union arm it lives in (a named member such as `batch`, or undefined for an anonymous
// arm) and every field's byte offset and size. test/loader-sys-attr.test.ts checks each field
// against the running kernel's BTF. Dotted names go through named nested structs
// (link_create's `perf_event.bpf_cookie`); members of anonymous unions are named directly.

export interface AttrField {
  readonly offset: number;
  readonly size: 2 | 4 | 8 | 16;
  /** A signed integer in the kernel (__s32 token fds, clockid …); the others are unsigned. */
  readonly signed?: true;
}

export interface AttrLayout<F extends string = string> {
  /** C name of the arm or struct, for messages and the BTF check. */
  readonly name: string;
  /** Named union member holding these fields; undefined for an anonymous arm. */
  readonly arm?: string;
  /** Bytes passed to the kernel: the arm's size (the kernel accepts a prefix of newer layouts). */
  readonly size: number;
  readonly fields: Readonly<Record<F, AttrField>>;
}

const u32 = (offset: number): AttrField => ({ offset, size: 4 });
const u64 = (offset: number): AttrField => ({ offset, size: 8 });
const s32 = (offset: number): AttrField => ({ offset, size: 4, signed: true });

function layout<F extends string>(name: string, arm: string | undefined, size: number, fields: Record<F, AttrField>): AttrLayout<F> {
  return arm === undefined ? { name, size, fields } : { name, arm, size, fields };
}

export const MapCreateAttr = layout('map_create', undefined, 80, {
  map_type: u32(0), key_size: u32(4), value_size: u32(8), max_entries: u32(12), map_flags: u32(16),
  inner_map_fd: u32(20), numa_node: u32(24), map_name: { offset: 28, size: 16 }, map_ifindex: u32(44), btf_fd: u32(48),
  btf_key_type_id: u32(52), btf_value_type_id: u32(56), btf_vmlinux_value_type_id: u32(60), map_extra: u64(64),
  value_type_btf_obj_fd: s32(72), map_token_fd: s32(76),
});

/** MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM, MAP_GET_NEXT_KEY, MAP_LOOKUP_AND_DELETE_ELEM, MAP_FREEZE. */
export const MapElemAttr = layout('map_elem', undefined, 32, {
  map_fd: u32(0), key: u64(8), value: u64(16), next_key: u64(16), flags: u64(24),
});

export const MapBatchAttr = layout('batch', 'batch', 56, {
  in_batch: u64(0), out_batch: u64(8), keys: u64(16), values: u64(24), count: u32(32), map_fd: u32(36),
  elem_flags: u64(40), flags: u64(48),
});

export const ProgLoadAttr = layout('prog_load', undefined, 152, {
  prog_type: u32(0), insn_cnt: u32(4), insns: u64(8), license: u64(16), log_level: u32(24), log_size: u32(28),
  log_buf: u64(32), kern_version: u32(40), prog_flags: u32(44), prog_name: { offset: 48, size: 16 },
  prog_ifindex: u32(64), expected_attach_type: u32(68), prog_btf_fd: u32(72), func_info_rec_size: u32(76),
  func_info: u64(80), func_info_cnt: u32(88), line_info_rec_size: u32(92), line_info: u64(96), line_info_cnt: u32(104),
  attach_btf_id: u32(108), attach_prog_fd: u32(112), attach_btf_obj_fd: u32(112), core_relo_cnt: u32(116),
  fd_array: u64(120), core_relos: u64(128), core_relo_rec_size: u32(136), log_true_size: u32(140),
  prog_token_fd: s32(144), fd_array_cnt: u32(148),
});

/** OBJ_PIN, OBJ_GET. */
export const ObjAttr = layout('obj', undefined, 24, { pathname: u64(0), bpf_fd: u32(8), file_flags: u32(12), path_fd: s32(16) });

/** PROG_ATTACH, PROG_DETACH. */
export const ProgAttachAttr = layout('prog_attach', undefined, 32, {
  target_fd: u32(0), target_ifindex: u32(0), attach_bpf_fd: u32(4), attach_type: u32(8), attach_flags: u32(12),
  replace_bpf_fd: u32(16), relative_fd: u32(20), relative_id: u32(20), expected_revision: u64(24),
});

export const TestRunAttr = layout('test', 'test', 80, {
  prog_fd: u32(0), retval: u32(4), data_size_in: u32(8), data_size_out: u32(12), data_in: u64(16), data_out: u64(24),
  repeat: u32(32), duration: u32(36), ctx_size_in: u32(40), ctx_size_out: u32(44), ctx_in: u64(48), ctx_out: u64(56),
  flags: u32(64), cpu: u32(68), batch_size: u32(72),
});

/** *_GET_NEXT_ID and *_GET_FD_BY_ID. */
export const GetIdAttr = layout('get_id', undefined, 16, {
  start_id: u32(0), prog_id: u32(0), map_id: u32(0), btf_id: u32(0), link_id: u32(0), next_id: u32(4), open_flags: u32(8),
  fd_by_id_token_fd: s32(12),
});

export const ObjInfoAttr = layout('info', 'info', 16, { bpf_fd: u32(0), info_len: u32(4), info: u64(8) });

export const ProgQueryAttr = layout('query', 'query', 64, {
  target_fd: u32(0), target_ifindex: u32(0), attach_type: u32(4), query_flags: u32(8), attach_flags: u32(12),
  prog_ids: u64(16), prog_cnt: u32(24), count: u32(24), prog_attach_flags: u64(32), link_ids: u64(40),
  link_attach_flags: u64(48), revision: u64(56),
});

export const RawTracepointAttr = layout('raw_tracepoint', 'raw_tracepoint', 24, { name: u64(0), prog_fd: u32(8), cookie: u64(16) });

export const BtfLoadAttr = layout('btf_load', undefined, 40, {
  btf: u64(0), btf_log_buf: u64(8), btf_size: u32(16), btf_log_size: u32(20), btf_log_level: u32(24),
  btf_log_true_size: u32(28), btf_flags: u32(32), btf_token_fd: s32(36),
});

export const TaskFdQueryAttr = layout('task_fd_query', 'task_fd_query', 48, {
  pid: u32(0), fd: u32(4), flags: u32(8), buf_len: u32(12), buf: u64(16), prog_id: u32(24), fd_type: u32(28),
  probe_offset: u64(32), probe_addr: u64(40),
});

export const LinkCreateAttr = layout('link_create', 'link_create', 64, {
  prog_fd: u32(0), map_fd: u32(0), target_fd: u32(4), target_ifindex: u32(4), attach_type: u32(8), flags: u32(12),
  target_btf_id: u32(16), iter_info: u64(16), iter_info_len: u32(24), 'perf_event.bpf_cookie': u64(16),
  'kprobe_multi.flags': u32(16), 'kprobe_multi.cnt': u32(20), 'kprobe_multi.syms': u64(24), 'kprobe_multi.addrs': u64(32),
  'kprobe_multi.cookies': u64(40), 'tracing.target_btf_id': u32(16), 'tracing.cookie': u64(24),
  'netfilter.pf': u32(16), 'netfilter.hooknum': u32(20), 'netfilter.priority': s32(24), 'netfilter.flags': u32(28),
  'tcx.relative_fd': u32(16), 'tcx.relative_id': u32(16), 'tcx.expected_revision': u64(24),
  'uprobe_multi.path': u64(16), 'uprobe_multi.offsets': u64(24), 'uprobe_multi.ref_ctr_offsets': u64(32),
  'uprobe_multi.cookies': u64(40), 'uprobe_multi.cnt': u32(48), 'uprobe_multi.flags': u32(52), 'uprobe_multi.pid': u32(56),
});

export const LinkUpdateAttr = layout('link_update', 'link_update', 16, {
  link_fd: u32(0), new_prog_fd: u32(4), new_map_fd: u32(4), flags: u32(8), old_prog_fd: u32(12), old_map_fd: u32(12),
});

export const LinkDetachAttr = layout('link_detach', 'link_detach', 4, { link_fd: u32(0) });
export const EnableStatsAttr = layout('enable_stats', 'enable_stats', 4, { type: u32(0) });
export const IterCreateAttr = layout('iter_create', 'iter_create', 8, { link_fd: u32(0), flags: u32(4) });
export const ProgBindMapAttr = layout('prog_bind_map', 'prog_bind_map', 12, { prog_fd: u32(0), map_fd: u32(4), flags: u32(8) });

/** Every bpf_attr layout, for the BTF check. */
export const BPF_ATTR_LAYOUTS: readonly AttrLayout[] = [
  MapCreateAttr, MapElemAttr, MapBatchAttr, ProgLoadAttr, ObjAttr, ProgAttachAttr, TestRunAttr, GetIdAttr, ObjInfoAttr,
  ProgQueryAttr, RawTracepointAttr, BtfLoadAttr, TaskFdQueryAttr, LinkCreateAttr, LinkUpdateAttr, LinkDetachAttr,
  EnableStatsAttr, IterCreateAttr, ProgBindMapAttr,
];

/**
 * struct perf_event_attr (PERF_ATTR_SIZE_VER8 = 136 bytes). `flags` is the u64 of single-bit
 * fields starting with `disabled`; PerfEventFlag gives the bits.
 */
export const PerfEventAttr = layout('perf_event_attr', undefined, 136, {
  type: u32(0), size: u32(4), config: u64(8), sample_period: u64(16), sample_freq: u64(16), sample_type: u64(24),
  read_format: u64(32), flags: u64(40), wakeup_events: u32(48), wakeup_watermark: u32(48), bp_type: u32(52),
  config1: u64(56), bp_addr: u64(56), kprobe_func: u64(56), uprobe_path: u64(56),
  config2: u64(64), bp_len: u64(64), kprobe_addr: u64(64), probe_offset: u64(64),
  branch_sample_type: u64(72), sample_regs_user: u64(80), sample_stack_user: u32(88), clockid: s32(92),
  sample_regs_intr: u64(96), aux_watermark: u32(104), sample_max_stack: { offset: 108, size: 2 }, aux_sample_size: u32(112),
  sig_data: u64(120), config3: u64(128),
});

/** Bit numbers inside PerfEventAttr.flags (the bitfield after read_format). */
export const PerfEventFlag = {
  disabled: 0, inherit: 1, pinned: 2, exclusive: 3, exclude_user: 4, exclude_kernel: 5, exclude_hv: 6, exclude_idle: 7,
  mmap: 8, comm: 9, freq: 10, inherit_stat: 11, enable_on_exec: 12, task: 13, watermark: 14,
} as const;

/** Object names (map_name/prog_name) as the kernel accepts them: at most 15 bytes, NUL-terminated. */
export function objectName(name: string): Uint8Array {
  const bytes = Buffer.from(name, 'utf8').subarray(0, 15);
  return bytes;
}

/** struct bpf_map_info (OBJ_GET_INFO_BY_FD on a map), the fields the loader reads. */
export const MapInfoLayout = layout('bpf_map_info', undefined, 88, {
  type: u32(0), id: u32(4), key_size: u32(8), value_size: u32(12), max_entries: u32(16), map_flags: u32(20),
  name: { offset: 24, size: 16 }, ifindex: u32(40), btf_vmlinux_value_type_id: u32(44), btf_id: u32(64),
  btf_key_type_id: u32(68), btf_value_type_id: u32(72), map_extra: u64(80),
});

/** struct bpf_prog_info, the fields the loader reads. */
export const ProgInfoLayout = layout('bpf_prog_info', undefined, 232, {
  type: u32(0), id: u32(4), tag: { offset: 8, size: 8 }, jited_prog_len: u32(16), xlated_prog_len: u32(20),
  jited_prog_insns: u64(24), xlated_prog_insns: u64(32), load_time: u64(40), created_by_uid: u32(48), nr_map_ids: u32(52),
  map_ids: u64(56), name: { offset: 64, size: 16 }, ifindex: u32(80), btf_id: u32(128),
  func_info_rec_size: u32(132), func_info: u64(136), nr_func_info: u32(144), nr_line_info: u32(148), line_info: u64(152),
  line_info_rec_size: u32(172), verified_insns: u32(216),
});

/** struct bpf_btf_info. */
export const BtfInfoLayout = layout('bpf_btf_info', undefined, 32, {
  btf: u64(0), btf_size: u32(8), id: u32(12), name: u64(16), name_len: u32(24), kernel_btf: u32(28),
});

/** Info structs checked against kernel BTF like the bpf_attr arms. */
export const INFO_LAYOUTS: readonly AttrLayout[] = [MapInfoLayout, ProgInfoLayout, BtfInfoLayout];

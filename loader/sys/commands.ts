// bpf(2) command numbers (enum bpf_cmd in include/uapi/linux/bpf.h).

export const BpfCommand = {
  MAP_CREATE: 0, MAP_LOOKUP_ELEM: 1, MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5, OBJ_PIN: 6, OBJ_GET: 7, PROG_ATTACH: 8, PROG_DETACH: 9, PROG_TEST_RUN: 10,
  PROG_GET_NEXT_ID: 11, MAP_GET_NEXT_ID: 12, PROG_GET_FD_BY_ID: 13, MAP_GET_FD_BY_ID: 14, OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16, RAW_TRACEPOINT_OPEN: 17, BTF_LOAD: 18, BTF_GET_FD_BY_ID: 19, TASK_FD_QUERY: 20,
  MAP_LOOKUP_AND_DELETE_ELEM: 21, MAP_FREEZE: 22, BTF_GET_NEXT_ID: 23, MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25, MAP_UPDATE_BATCH: 26, MAP_DELETE_BATCH: 27, LINK_CREATE: 28, LINK_UPDATE: 29,
  LINK_GET_FD_BY_ID: 30, LINK_GET_NEXT_ID: 31, ENABLE_STATS: 32, ITER_CREATE: 33, LINK_DETACH: 34, PROG_BIND_MAP: 35,
  TOKEN_CREATE: 36,
} as const;

export type BpfCommandName = keyof typeof BpfCommand;

const BY_NUMBER = new Map<number, string>(Object.entries(BpfCommand).map(([k, v]) => [v, `BPF_${k}`]));

/** 'BPF_PROG_LOAD' for 5. */
export function bpfCommandName(cmd: number): string {
  return BY_NUMBER.get(cmd) ?? `bpf command ${cmd}`;
}

/** Map update flags (BPF_ANY …) and other flags the loader passes. */
export const MapUpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2, F_LOCK: 4 } as const;

/** map_flags bits (enum in uapi bpf.h). */
export const MapFlag = {
  NO_PREALLOC: 1 << 0, NO_COMMON_LRU: 1 << 1, NUMA_NODE: 1 << 2, RDONLY: 1 << 3, WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5, ZERO_SEED: 1 << 6, RDONLY_PROG: 1 << 7, WRONLY_PROG: 1 << 8, CLONE: 1 << 9,
  MMAPABLE: 1 << 10, PRESERVE_ELEMS: 1 << 11, INNER_MAP: 1 << 12,
} as const;

/** prog_flags bits. */
export const ProgFlag = { STRICT_ALIGNMENT: 1 << 0, ANY_ALIGNMENT: 1 << 1, TEST_RND_HI32: 1 << 2, TEST_STATE_FREQ: 1 << 3, SLEEPABLE: 1 << 4, XDP_HAS_FRAGS: 1 << 5 } as const;

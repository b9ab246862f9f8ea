// The tables the abstract interpretation consults: helper prototypes (what
// each argument must be, what R0 becomes) and per-program-type context access
// (which offsets and sizes of the ctx struct a load or store may touch, and
// what a load gives). The kernel keeps these in bpf_func_proto and the
// is_valid_access callbacks; these interfaces describe the same facts.

/** How a helper argument is checked (the kernel's enum bpf_arg_type, the ones the model knows). */
export type HelperArgType =
  | 'anything'            // ARG_ANYTHING: any initialised register
  | 'dontcare'            // ARG_DONTCARE: not an argument
  | 'const_map_ptr'       // ARG_CONST_MAP_PTR
  | 'map_key'             // ARG_PTR_TO_MAP_KEY: key_size bytes readable
  | 'map_value'           // ARG_PTR_TO_MAP_VALUE: value_size bytes readable
  | 'map_value_or_null'   // ARG_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL
  | 'uninit_map_value'    // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE
  | 'mem'                 // ARG_PTR_TO_MEM | MEM_RDONLY: readable memory sized by the next argument
  | 'mem_or_null'         // ARG_PTR_TO_MEM | MEM_RDONLY | PTR_MAYBE_NULL
  | 'uninit_mem'          // ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE: written by the helper
  | 'const_size'          // ARG_CONST_SIZE: size of the previous argument, > 0
  | 'const_size_or_zero'  // ARG_CONST_SIZE_OR_ZERO
  | 'const_alloc_size_or_zero' // ARG_CONST_ALLOC_SIZE_OR_ZERO: a known constant
  | 'ctx'                 // ARG_PTR_TO_CTX
  | 'ctx_or_null'         // ARG_PTR_TO_CTX_OR_NULL
  | 'ringbuf_mem_release' // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
  | 'stack'               // ARG_PTR_TO_STACK
  | 'stack_or_null'       // ARG_PTR_TO_STACK | PTR_MAYBE_NULL
  | 'long'                // ARG_PTR_TO_LONG (8 bytes written, aligned)
  | 'int'                 // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED of 4 bytes (was ARG_PTR_TO_INT)
  | 'const_str'           // ARG_PTR_TO_CONST_STR
  | 'func'                // ARG_PTR_TO_FUNC
  | 'sock_common'         // ARG_PTR_TO_SOCK_COMMON
  | 'socket'              // ARG_PTR_TO_SOCKET
  | 'socket_or_null'      // ARG_PTR_TO_SOCKET_OR_NULL
  | 'btf_id'              // ARG_PTR_TO_BTF_ID
  | `btf_id:${string}`    // ARG_PTR_TO_BTF_ID with argN_btf_id of the named kernel struct
  | `btf_id_or_null:${string}` // ARG_PTR_TO_BTF_ID_OR_NULL with argN_btf_id of the named kernel struct
  | 'btf_id_sock_common'  // ARG_PTR_TO_BTF_ID_SOCK_COMMON: a socket of any kind, or a BTF pointer to one
  | 'spin_lock'           // ARG_PTR_TO_SPIN_LOCK: the bpf_spin_lock of a map value
  | 'kptr_xchg_dest'      // ARG_KPTR_XCHG_DEST: a map value pointer at a referenced kptr field
  | 'btf_id_or_null_release' // ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE (bpf_kptr_xchg's new value)
  | 'percpu_btf_id'       // ARG_PTR_TO_PERCPU_BTF_ID
  | 'unmodelled';         // any other kind: the model reports 'not modelled'

/** What R0 holds after the call (the kernel's enum bpf_return_type). */
export type HelperReturnType =
  | 'integer'               // RET_INTEGER: unknown scalar (possibly refined, see `retRange`)
  | 'void'                  // RET_VOID: R0 not initialised
  | 'map_value'             // RET_PTR_TO_MAP_VALUE (bpf_get_local_storage)
  | 'map_value_or_null'     // RET_PTR_TO_MAP_VALUE_OR_NULL
  | 'ringbuf_mem_or_null'   // RET_PTR_TO_RINGBUF_MEM_OR_NULL, size from the alloc-size argument
  | 'socket_or_null'        // RET_PTR_TO_SOCKET_OR_NULL
  | 'tcp_sock_or_null'      // RET_PTR_TO_TCP_SOCK_OR_NULL
  | 'sock_common_or_null'   // RET_PTR_TO_SOCK_COMMON_OR_NULL
  | `btf_id_or_null:${string}` // RET_PTR_TO_BTF_ID_OR_NULL to the named kernel struct
  | `btf_id_trusted:${string}` // RET_PTR_TO_BTF_ID_TRUSTED to the named kernel struct
  | 'kptr_or_null'          // RET_PTR_TO_BTF_ID_OR_NULL to the struct of bpf_kptr_xchg's kptr field
  | 'unmodelled';

export interface HelperPrototype {
  readonly id: number;
  /** The name the kernel prints before `#id`. */
  readonly name: string;
  readonly ret: HelperReturnType;
  /** Up to five arguments, R1 first; missing ones are 'dontcare'. */
  readonly args: readonly HelperArgType[];
  readonly gplOnly?: boolean;
  /** gpl_only differs between the program types' prototypes: a non-GPL program's call has no model verdict. */
  readonly gplVaries?: boolean;
  /** The prototype's pkt_access: packet pointers may be passed as memory arguments. */
  readonly pktAccess?: boolean;
  /** The helper invalidates packet pointers (bpf_helper_changes_pkt_data). */
  readonly changesPktData?: boolean;
  /** Program types (kernel names without BPF_PROG_TYPE_, lower case) the helper is available to; undefined = not known. */
  readonly progTypes?: readonly string[];
  /** The returned reference must be released (is_acquire_function). */
  readonly acquires?: boolean;
  /** R0 carries the reference of its argument (is_ptr_cast_function). */
  readonly castsPointer?: boolean;
  /** Argument index (0-based) of the reference this helper releases. */
  readonly releasesArg?: number;
  /** Map types (uapi numbers) this helper accepts for its const_map_ptr argument; undefined = any. */
  readonly mapTypes?: readonly number[];
}

/** Register types a ctx load can produce (the kernel's bpf_insn_access_aux.reg_type). */
export type CtxFieldType = 'scalar' | 'pkt' | 'pkt_meta' | 'pkt_end' | 'sock' | 'sock_common_or_null' | 'sock_or_null' | 'flow_keys' | 'tp_buffer' | 'unmodelled'
  /** PTR_TO_BTF_ID | PTR_TRUSTED to the named kernel struct. */
  | `trusted_ptr:${string}`;

export type AccessKind = 'read' | 'write';

/** One ctx access decision: allowed (with the loaded register's type) or the kernel's refusal. */
export type CtxAccessDecision =
  | { readonly allowed: true; readonly type: CtxFieldType }
  | { readonly allowed: false };

/**
 * A program type's context: its size, and the decision for an access of
 * `size` bytes at `off` (the kernel's is_valid_access callback).
 * `decide` returns undefined when the table does not know the answer.
 */
export interface CtxTable {
  readonly progType: string;
  /** The C struct the program sees (`__sk_buff`, `xdp_md`, ...). */
  readonly structName: string;
  /** `signExtend`: a BPF_MEMSX load (the kernel refuses it for the fields it cannot convert). */
  decide(off: number, size: 1 | 2 | 4 | 8, kind: AccessKind, signExtend?: boolean): CtxAccessDecision | undefined;
}

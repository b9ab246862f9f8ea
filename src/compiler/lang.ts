// The language of `tsbpf build`: eBPF programs as plain TypeScript. A program module imports
// these declarations (`import { xdp, hashMap, u32 } from 'tsbpf/lang'`) so that tsc type-checks
// it; `tsbpf build` then compiles the module's source — these functions never run. Each type and
// function here is what the compiler (src/compiler/) recognises by name; docs/dsl.md describes
// what each construct becomes.

/* eslint-disable @typescript-eslint/no-unused-vars */

// ---- integers -----------------------------------------------------------------------------
// Plain `number` aliases for tsc; the compiler gives each its width and signedness, with
// wrap-around arithmetic, and converts on assignment and with `as` (truncation, sign extension).
export type u8 = number;
export type u16 = number;
export type u32 = number;
export type u64 = number;
export type s8 = number;
export type s16 = number;
export type s32 = number;
export type s64 = number;
export type bool = boolean;
/** A C `char` (a byte that user space decodes as text: `comm: Arr<char, 16>`). */
export type char = number;

// ---- structs and arrays -------------------------------------------------------------------
// A struct is an interface of the module whose fields are integers, chars, Arr<T, N> or structs,
// laid out as C lays them out. Structs and arrays live on the stack (`zero<T>()`), in map values
// and ring buffer records; fields are read and written as properties, elements by index.

/** A fixed array of N elements of T (N a number literal). */
export type Arr<T, N extends number> = T[] & { readonly length: N };

/** A zero-initialised struct or array on the stack: `const e = zero<Event>()`. */
export function zero<T extends object>(): T { return compiled(); }

/** `lock *(&field) += n` on an integer field or element (4 or 8 bytes) of a map value or record: `atomicAdd(s.packets, 1)`. */
export function atomicAdd<T extends number>(field: T, n: T): void { return compiled(); }

// ---- maps ---------------------------------------------------------------------------------

/** A map value of integer type through a checked pointer (a lookup that was not null). */
export interface Cell<V extends number> {
  /** Loads or stores the value. */
  value: V;
  /** `lock *value += n` (4- and 8-byte values). */
  atomicAdd(n: V): void;
}

/** How update() treats an existing key: BPF_ANY, BPF_NOEXIST, BPF_EXIST. */
export type UpdateMode = 'any' | 'noexist' | 'exist';

export interface MapOptions {
  readonly maxEntries: number;
}

/** What a lookup gives: an integer value's Cell, or the struct or array itself (in the map, by reference). */
export type Ref<V> = V extends number ? Cell<V> : V;
/** A map key or value: an integer, a struct or an array. */
export type Storable = number | object;

/** A key/value map; keys and values are integers, structs or arrays. */
export interface HashMap<K extends Storable, V extends Storable> {
  /** The value (a Cell for integers), or null when the key is absent (check it before use: tsc refuses otherwise). */
  lookup(key: K): Ref<V> | null;
  /** Stores value under key; 0 or a negative errno. */
  update(key: K, value: V, mode?: UpdateMode): s64;
  /** Removes key; 0 or a negative errno. */
  delete(key: K): s64;
  /** Adds `by` (default 1) to the integer value under key, creating it when absent (lookup, atomic add, update). */
  increment(key: K, by?: V extends number ? V : never): void;
}

/** An array of values indexed by u32 (every entry exists, zero at first). */
export interface ArrayMap<V extends Storable> {
  lookup(index: u32): Ref<V> | null;
  update(index: u32, value: V, mode?: UpdateMode): s64;
  increment(index: u32, by?: V extends number ? V : never): void;
}

/** A per-CPU hash map: lookup sees this CPU's value, lookupOnCpu another CPU's. */
export interface PerCpuHashMap<K extends Storable, V extends Storable> extends HashMap<K, V> {
  /** CPU `cpu`'s value under key (bpf_map_lookup_percpu_elem), or null when the key is absent or there is no such CPU. */
  lookupOnCpu(key: K, cpu: u32): Ref<V> | null;
}

/** A per-CPU array: lookup sees this CPU's value, lookupOnCpu another CPU's. */
export interface PerCpuArrayMap<V extends Storable> extends ArrayMap<V> {
  /** CPU `cpu`'s value at index (bpf_map_lookup_percpu_elem), or null past the array or the CPUs. */
  lookupOnCpu(index: u32, cpu: u32): Ref<V> | null;
}

/** A ring buffer of records shared with user space. */
export interface RingBuf {
  /** Copies the value (an integer, struct or array: its size) into the buffer; 0 or a negative errno. */
  output<V extends Storable>(value: V): s64;
  /** Room for a T in the buffer, written in place, or null when the buffer is full; submit or discard it on every path. */
  reserve<T extends object>(): T | null;
  /** Hands a reserved record to user space. */
  submit(record: object): void;
  /** Gives a reserved record back unsent. */
  discard(record: object): void;
}

/** A perf event array: one perf buffer per CPU. */
export interface PerfEventArray {
  /** Copies the record into this CPU's buffer (bpf_perf_event_output); ctx is the program's parameter. */
  output<V extends Storable>(ctx: object, value: V): s64;
}

function compiled(): never {
  throw new Error('tsbpf/lang declarations describe programs for `tsbpf build`; they do not run in JavaScript');
}

/** BPF_MAP_TYPE_HASH. */
export function hashMap<K extends Storable, V extends Storable>(options: MapOptions): HashMap<K, V> { return compiled(); }
/** BPF_MAP_TYPE_LRU_HASH. */
export function lruHashMap<K extends Storable, V extends Storable>(options: MapOptions): HashMap<K, V> { return compiled(); }
/** BPF_MAP_TYPE_PERCPU_HASH (lookup sees this CPU's value). */
export function perCpuHashMap<K extends Storable, V extends Storable>(options: MapOptions): PerCpuHashMap<K, V> { return compiled(); }
/** BPF_MAP_TYPE_ARRAY. */
export function arrayMap<V extends Storable>(options: MapOptions): ArrayMap<V> { return compiled(); }
/** BPF_MAP_TYPE_PERCPU_ARRAY. */
export function perCpuArrayMap<V extends Storable>(options: MapOptions): PerCpuArrayMap<V> { return compiled(); }
/** BPF_MAP_TYPE_RINGBUF; maxEntries is the size in bytes (a power of two, a page multiple). */
export function ringBuf(options: MapOptions): RingBuf { return compiled(); }
/** BPF_MAP_TYPE_PERF_EVENT_ARRAY (the loader sizes it to the CPUs). */
export function perfEventArray(): PerfEventArray { return compiled(); }

/** An array of maps like its inner template M: lookup gives slot `index`'s map (its methods are M's), or null when the slot is empty. */
export interface ArrayOfMaps<M extends object> { lookup(index: u32): M | null }
/** A hash of maps like its inner template M: lookup gives the map under key, or null. */
export interface HashOfMaps<K extends Storable, M extends object> { lookup(key: K): M | null }
/**
 * BPF_MAP_TYPE_ARRAY_OF_MAPS: slots of maps like `inner` (a hash or array map of the module, the
 * template: the kernel takes only maps of its type, key, value and size). `values` puts maps of
 * the module in the first slots (`[a, null, b]`); user space puts others (their fds).
 */
export function arrayOfMaps<M extends object>(inner: M, options: MapOptions & { readonly values?: readonly (M | null)[] }): ArrayOfMaps<M> { return compiled(); }
/** BPF_MAP_TYPE_HASH_OF_MAPS: keys of type K → maps like `inner` (`hashOfMaps<u32, typeof inner>(inner, { maxEntries: 8 })`), put by user space. */
export function hashOfMaps<K extends Storable, M extends object>(inner: M, options: MapOptions): HashOfMaps<K, M> { return compiled(); }

// ---- programs -----------------------------------------------------------------------------

declare const programBrand: unique symbol;
/** An entry program (its ELF section is the program type and attach point). */
export interface Program { readonly [programBrand]: true }

/** An XDP or tc frame: header accessors check the frame is long enough and return null when not. */
export interface Packet {
  /** Bytes in the frame. */
  readonly length: u32;
  /** The Ethernet header (14 bytes), or null on a shorter frame. */
  eth(): EthHeader | null;
  /** The IPv4 header after an Ethernet header with type 0x0800, or null. */
  ipv4(): Ipv4Header | null;
}
export interface EthHeader {
  /** EtherType, in network order (compare with htons(0x0800)). */
  readonly proto: u16;
}
export interface Ipv4Header {
  /** Fields in network order, as in the frame. */
  readonly saddr: u32;
  readonly daddr: u32;
  readonly protocol: u8;
  readonly ttl: u8;
  readonly totLen: u16;
  /** The UDP header after this (option-less) IPv4 header, or null. */
  udp(): UdpHeader | null;
  /** The TCP header after this (option-less) IPv4 header, or null. */
  tcp(): TcpHeader | null;
}
/**
 * struct __sk_buff fields of a tc, cgroup_skb or socket filter packet (4-byte context loads),
 * read-only unless the program type's packet says otherwise.
 */
export interface SkbFields {
  /** skb->mark. */
  readonly mark: u32;
  /** skb->priority (the queueing priority). */
  readonly priority: u32;
  /** skb->tc_index. */
  readonly tcIndex: u32;
  /** skb->ifindex, skb->ingress_ifindex: the device's and the receiving device's index. */
  readonly ifindex: u32;
  readonly ingressIfindex: u32;
  /** skb->hash (the flow hash). */
  readonly hash: u32;
}
/** A socket filter's packet: the frame's length and the read-only __sk_buff fields. */
export interface SocketPacket extends Packet, SkbFields {}
/** A tc packet: mark, priority, tc_index and tc_classid are written in place (`pkt.mark = 7`). */
export interface TcPacket extends Packet, SkbFields {
  mark: u32;
  priority: u32;
  tcIndex: u32;
  /** skb->tc_classid (tc only): the class a direct-action classifier gives the packet. */
  tcClassid: u32;
  /** skb->sk: the packet's socket, or null. Not a reference: never skRelease it. */
  readonly sk: SockCommon | null;
}
export interface UdpHeader { readonly source: u16; readonly dest: u16; readonly len: u16 }
export interface TcpHeader { readonly source: u16; readonly dest: u16; readonly seq: u32 }

/** The context of an untyped tracepoint program: opaque. */
export interface TraceContext { readonly [programBrand]?: never }
/** The registers of a kprobe or uprobe (pt_regs). */
export interface ProbeContext {
  /** Argument n (0–5) of the probed function (PT_REGS_PARMn+1), in a kprobe or uprobe. */
  arg(n: number): u64;
  /** The return value (PT_REGS_RC), in a kretprobe or uretprobe. */
  ret(): u64;
}

/** An XDP program: returns an XDP_* action. */
export function xdp(body: (pkt: Packet) => u32): Program { return compiled(); }
/** A socket filter ("socket"): returns how many bytes of the packet to keep (0 drops it). */
export function socketFilter(body: (pkt: SocketPacket) => u32): Program { return compiled(); }
/** A tc classifier ("tc"): returns a TC_ACT_* verdict. */
export function tc(body: (pkt: TcPacket) => s32): Program { return compiled(); }
/**
 * A tracepoint program: `tracepoint('syscalls/sys_enter_openat', (ctx: SysEnterOpenat) => { … })`
 * with the record type `tsbpf gen tracepoint` writes (or no parameter type: an opaque context).
 */
export function tracepoint<C extends object = TraceContext>(name: string, body: (ctx: C) => s32): Program { return compiled(); }
/** A kprobe on a kernel function: `ctx.arg(n)`. */
export function kprobe(fn: string, body: (ctx: ProbeContext) => s32): Program { return compiled(); }
/** A kretprobe on a kernel function: `ctx.ret()`. */
export function kretprobe(fn: string, body: (ctx: ProbeContext) => s32): Program { return compiled(); }
/** A uprobe: `uprobe('/usr/lib/libc.so.6:getpid', …)`; `ctx.arg(n)`. */
export function uprobe(target: string, body: (ctx: ProbeContext) => s32): Program { return compiled(); }
/** A uretprobe; `ctx.ret()`. */
export function uretprobe(target: string, body: (ctx: ProbeContext) => s32): Program { return compiled(); }

// ---- kernel structs (CO-RE) ---------------------------------------------------------------
// Interfaces of kernel types as `tsbpf btf gen-ts --lang` writes them: every member read
// compiles to a load whose offset libbpf relocates to the running kernel's layout (a probe read
// in kprobe and tracepoint programs). See docs/dsl.md, "Kernel structs".

declare const kernelBrand: unique symbol;
/**
 * A kernel struct (Union: true for a union) of Size bytes in the BTF it was generated from. The
 * brand is required and names the struct, so only a pointer to that struct fits where one is
 * wanted: a number, a local struct or another kernel struct is a tsc error.
 */
export interface Kernel<Name extends string, Size extends number, Union extends boolean = false> { readonly [kernelBrand]: { readonly name: Name; readonly size: Size; readonly union: Union } }
/** A member at bit offset Bit of its kernel struct; Bits > 0: a bitfield of that width. */
export type At<Bit extends number, T, Bits extends number = 0> = T;
/** A pointer member to a kernel struct (read through it as if it were the struct). */
export type Ptr<T> = T;
/** An anonymous struct or union member (the Index-th member, at bit offset Bit) whose fields are its parent's (its own brand is not). */
export type Anon<Index extends number, Bit extends number, T> = { [K in keyof T as K extends typeof kernelBrand ? never : K]: T[K] };

/**
 * A BTF tracepoint (tp_btf/NAME): the tracepoint's arguments as parameters, kernel structs typed
 * from gen-ts --lang (`tpBtf('sched_process_exec', (p: task_struct, oldPid: s32) => …)`); their
 * members are loaded directly (relocated loads, no probe reads).
 */
export function tpBtf(event: string, body: (...args: never[]) => s32): Program { return compiled(); }
/**
 * An LSM program (lsm/HOOK): the hook's arguments as parameters, kernel structs from gen-ts --lang
 * (`lsm('file_open', (file: file) => …)`), read directly; it returns 0 to allow, or a negative errno.
 */
export function lsm(hook: string, body: (...args: never[]) => s32): Program { return compiled(); }
/** bpf_get_current_task (bpf_get_current_task_btf in tpBtf programs): the current task as a kernel struct: `getCurrentTask<task_struct>()`. */
export function getCurrentTask<T extends Kernel<'task_struct', number>>(): T { return compiled(); }
/** A kernel address (a kprobe argument, a u64 read elsewhere) seen as a kernel struct T. */
export function kernelStruct<T extends Kernel<string, number, boolean>>(address: u64): T { return compiled(); }
/**
 * A kernel struct pointer seen as another kernel struct, as C's cast `(struct tcp_sock *)sk`: reads
 * and (in struct_ops programs, where the verifier allows them) writes of its members.
 */
export function kernelCast<T extends Kernel<string, number, boolean>>(p: Kernel<string, number, boolean>): { -readonly [K in keyof T]: T[K] } { return compiled(); }

// ---- kernel enums (CO-RE enum value relocations) ------------------------------------------
// `tsbpf btf gen-ts --lang --type bpf_map_type` writes an enum as an interface whose members are
// its enumerators (typed as their values in the BTF it read). See docs/dsl.md, "Kernel enums".

/** A kernel enum of Size bytes (Signed: its values are signed) in the BTF it was generated from. */
export interface KernelEnum<Name extends string, Size extends number, Signed extends boolean = false> { readonly [kernelBrand]?: true }
/** An enumerator's name of the kernel enum E. */
export type EnumeratorOf<E> = keyof E & string;
/** The running kernel's value of an enumerator: `enumValue<bpf_map_type>('BPF_MAP_TYPE_RINGBUF')` (bpf_core_enum_value, ENUMVAL_VALUE). */
export function enumValue<E extends KernelEnum<string, number, boolean>>(name: EnumeratorOf<E>): s64 { return compiled(); }
/** Whether the running kernel's enum has the enumerator (bpf_core_enum_value_exists, ENUMVAL_EXISTS). */
export function enumValueExists<E extends KernelEnum<string, number, boolean>>(name: EnumeratorOf<E>): bool { return compiled(); }

// ---- kfuncs -------------------------------------------------------------------------------
// A kernel function is declared in the module as C declares an `extern … __ksym`:
//   declare function bpf_task_from_pid(pid: s32): Acquired<task_struct> | null;
//   declare function bpf_task_release(p: Release<task_struct>): void;
// and called by name. See docs/dsl.md, "kfuncs".

declare const acquiredBrand: unique symbol;
/** A kernel struct pointer a kfunc acquired (KF_ACQUIRE): the program owns it until a Release<T> parameter takes it back. */
export type Acquired<T> = T & { readonly [acquiredBrand]: true };
/** A kfunc parameter that releases an acquired pointer (KF_RELEASE): tsc accepts only an Acquired<T> there. */
export type Release<T> = Acquired<T>;
/**
 * bpf_ksym_exists: whether the running kernel has the kfunc, declared weak as C's `__ksym __weak`
 * (a JSDoc comment with the tag `@weak` on its `declare function`): the load goes on without it.
 * Call a weak kfunc only under `if (ksymExists(f))`: the verifier removes that branch when it is missing.
 */
export function ksymExists(kfunc: (...args: never[]) => unknown): bool { return compiled(); }

// ---- struct_ops ---------------------------------------------------------------------------

/** What a struct_ops map sets: function members as programs (their parameters typed by the slot), integers, a string in a char array. */
export type StructOpsInit<T> = {
  readonly [K in keyof T as K extends string ? K : never]?: T[K] extends (...args: never[]) => unknown ? T[K] : T[K] extends number ? T[K] : T[K] extends readonly number[] ? string : never
};
export interface StructOpsMap { readonly [programBrand]: true }
/**
 * A struct_ops map of the kernel struct T (from gen-ts --lang): each function member given is a
 * struct_ops program named MAP_MEMBER (`tsbpf_cc_init`), its parameters the slot's (kernel
 * structs are BTF pointers, read directly); `link: true` registers it through a bpf_link.
 */
export function structOps<T extends Kernel<string, number>>(ops: StructOpsInit<T>, options?: { link?: boolean }): StructOpsMap { return compiled(); }

/** Whether the running kernel's struct has the field (`exists(task.loginuid)`; a CO-RE FIELD_EXISTS relocation). */
export function exists(field: unknown): bool { return compiled(); }
/** The running kernel's size of a field (`sizeof(task.comm)`) or of a kernel type (`sizeof<task_struct>()`). */
export function sizeof<T = never>(field?: unknown): u32 { return compiled(); }

// ---- functions ----------------------------------------------------------------------------
// A module `function` is inlined where it is called. These two compile a function once, as a
// bpf-to-bpf subprogram the programs call (integer parameters, at most five; an integer or void result).

/** A static subprogram: `const f = subprogram((a: u32): u32 => …)`, verified at each call with the caller's values. */
export function subprogram<F extends (...args: never[]) => number | boolean | void>(f: F): F { return compiled(); }
/** A global function: verified once on its own from its BTF prototype (its arguments are any values of their types). */
export function global<F extends (...args: never[]) => number | boolean | void>(f: F): F { return compiled(); }

// ---- constants ----------------------------------------------------------------------------

export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;
export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;

// ---- helpers (each a kernel helper call; named parameters in their documentation) ---------
// Every helper the language can type is generated (scripts/gen-helpers.mjs) from the UAPI
// header's documentation: `getCurrentComm(e.comm)`, `ktimeGetNs()`, `probeReadKernelStr(buf, p)` …
export * from './lang-helpers.generated.js';

/**
 * bpf_trace_printk (GPL only): a line to /sys/kernel/tracing/trace_pipe. `format` is a string
 * literal with at most three conversions (%d %u %x %ld %lu %lx %llu …), one per argument.
 */
export function printk(format: string, ...args: number[]): void { return compiled(); }

/** Host to network order (big endian), 16 and 32 bits; constants are folded. */
export function htons(x: u16): u16 { return compiled(); }
export function htonl(x: u32): u32 { return compiled(); }
export function ntohs(x: u16): u16 { return compiled(); }
export function ntohl(x: u32): u32 { return compiled(); }

// ---- queues, stacks, bloom filters, tail calls, raw tracepoints, cgroup programs ----------
// (src/compiler/lower-queue.ts, lower-tail-call.ts, lower-program-kinds.ts; docs/dsl.md.)

/** How push() treats a full queue or stack: fail with -E2BIG (BPF_ANY), or drop the oldest value (BPF_EXIST). */
export type PushMode = 'any' | 'exist';

/** A FIFO queue or a LIFO stack of values (no keys). */
export interface QueueMap<V extends Storable> {
  /** Adds a copy of value; 0 or a negative errno (-E2BIG when full unless mode is 'exist'). */
  push(value: V, mode?: PushMode): s64;
  /** Takes the next value into `out` (a Cell for integers: `zero<Cell<u32>>()`, else a struct or array); 0, or -ENOENT when empty. */
  pop(out: Ref<V>): s64;
  /** Copies the next value into `out` without taking it; 0, or -ENOENT when empty. */
  peek(out: Ref<V>): s64;
}

/** A bloom filter: values are added, never removed; a test may say "present" for an absent value. */
export interface BloomFilter<V extends Storable> {
  /** Adds value; 0 or a negative errno. */
  push(value: V): s64;
  /** 0 when value may have been added, -ENOENT when it certainly was not. */
  peek(value: V): s64;
}

declare const progArrayBrand: unique symbol;
/** A program array: the targets of tail calls. */
export interface ProgArray { readonly [progArrayBrand]: true }

export interface ProgArrayOptions extends MapOptions {
  /**
   * Programs of the module put in the slots at load, as C's `.values = { [6] = &prog }`: by slot
   * (`{ 6: onTcp, 17: onUdp }`) or in order from slot 0 (`[a, null, b]`; null leaves a slot empty).
   */
  readonly values?: readonly (Program | null)[] | { readonly [slot: number]: Program };
}

/** BPF_MAP_TYPE_QUEUE (first in, first out). */
export function queueMap<V extends Storable>(options: MapOptions): QueueMap<V> { return compiled(); }
/** BPF_MAP_TYPE_STACK (last in, first out). */
export function stackMap<V extends Storable>(options: MapOptions): QueueMap<V> { return compiled(); }
/** BPF_MAP_TYPE_BLOOM_FILTER; hashes: the number of hash functions (1–15, default 5). */
export function bloomFilter<V extends Storable>(options: MapOptions & { readonly hashes?: number }): BloomFilter<V> { return compiled(); }
// ---- loops through the kernel (src/compiler/lower-loop.ts) --------------------------------

/**
 * bpf_loop: calls `body(index)` for index 0, 1, … n-1 (n at most 1 << 23) until it returns 1 (0
 * goes on); the number of calls made, or a negative errno. `body` is a `subprogram` of the module
 * taking the index (an integer type) and returning 0 or 1: the verifier checks it once, however
 * large n is. State goes through maps and global variables.
 */
export function loop(n: u32, body: (index: u32) => number): s64 { return compiled(); }

// ---- spin locks (src/compiler/lower-spin-lock.ts, references.ts) --------------------------

declare const spinLockBrand: unique symbol;
/**
 * struct bpf_spin_lock: a field of a map value's struct (at most one per value) that spinLock and
 * spinUnlock take. Between them the program may read and write the value but call nothing, and
 * it must unlock before it returns (both build errors at the line).
 */
export interface SpinLock { readonly [spinLockBrand]: true }
/** bpf_spin_lock: takes the lock of a map value (`spinLock(v.lock)` after a lookup). */
export function spinLock(lock: SpinLock): void { return compiled(); }
/** bpf_spin_unlock: releases it. */
export function spinUnlock(lock: SpinLock): void { return compiled(); }

// ---- timers (src/compiler/lower-timer.ts) -------------------------------------------------

declare const timerBrand: unique symbol;
/** struct bpf_timer: a field of a map value's struct that the timer functions take (`v.timer` after a lookup). */
export interface Timer { readonly [timerBrand]: true }
/** Which clock a timer counts on: CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME. */
export type TimerClock = 'monotonic' | 'realtime' | 'boottime';
/** bpf_timer_init: readies the timer of a value of `map` (the map it was looked up in); 0, or -EBUSY when it already was. */
export function timerInit(timer: Timer, map: object, clock: TimerClock): s64 { return compiled(); }
/** bpf_timer_set_callback: what runs when it fires — a `subprogram((): u32 => 0)` of the module (no parameters; it returns 0). */
export function timerSetCallback(timer: Timer, callback: () => number): s64 { return compiled(); }
/** bpf_timer_start: fires after `nsecs` nanoseconds (flags: 0, or BPF_F_TIMER_ABS 1); 0 or a negative errno. */
export function timerStart(timer: Timer, nsecs: u64, flags: u64): s64 { return compiled(); }
/** bpf_timer_cancel: stops it; 1 when it was pending, 0 when not, or a negative errno. */
export function timerCancel(timer: Timer): s64 { return compiled(); }

// ---- sockets (src/compiler/lower-socket.ts, references.ts) --------------------------------

declare const socketBrand: unique symbol;
/**
 * A socket a lookup found (struct bpf_sock_common: the fields every socket has, a time-wait or
 * request socket included). The program holds a reference: skRelease it on every path before the
 * program returns (a path that returns holding it is a build error at that return).
 */
export interface SockCommon {
  readonly [socketBrand]: true;
  /** AF_INET (2) or AF_INET6 (10). */
  readonly family: u32;
  /** Local address and port (the port in host order). */
  readonly srcIp4: u32;
  readonly srcPort: u32;
  /** Remote address, and port in network order. */
  readonly dstIp4: u32;
  readonly dstPort: u16;
  /** TCP state (TCP_ESTABLISHED 1 … TCP_LISTEN 10; UDP sockets are TCP_CLOSE 7). */
  readonly state: u32;
  /** The device the socket is bound to (0: none). */
  readonly boundDevIf: u32;
}
/** A full socket (struct bpf_sock): also its type, protocol, mark and priority. */
export interface Socket extends SockCommon {
  /** SOCK_STREAM (1), SOCK_DGRAM (2). */
  readonly type: u32;
  /** IPPROTO_TCP (6), IPPROTO_UDP (17). */
  readonly protocol: u32;
  readonly mark: u32;
  readonly priority: u32;
}
/**
 * bpf_sk_lookup_tcp: the TCP socket (listening or established) for `tuple` — a struct of 12 bytes
 * (IPv4: saddr, daddr: u32, sport, dport: u16, network order) or 36 (IPv6) — in the network
 * namespace `netns` (0xffffffff: the packet's or socket's own), or null. flags: 0.
 */
export function skLookupTcp(ctx: object, tuple: object, netns: u32, flags: u64): Socket | null { return compiled(); }
/** bpf_sk_lookup_udp: as skLookupTcp, for UDP sockets. */
export function skLookupUdp(ctx: object, tuple: object, netns: u32, flags: u64): Socket | null { return compiled(); }
/** bpf_skc_lookup_tcp: as skLookupTcp, but it may also find a time-wait or request socket (a SockCommon). */
export function skcLookupTcp(ctx: object, tuple: object, netns: u32, flags: u64): SockCommon | null { return compiled(); }
/** bpf_sk_release: gives back a socket a lookup found (or its full socket, skFullsock). */
export function skRelease(sk: SockCommon): void { return compiled(); }

declare const tcpSockBrand: unique symbol;
/** A TCP socket's counters (struct bpf_tcp_sock), as tcp(7)'s TCP_INFO reports them. */
export interface TcpSock {
  readonly [tcpSockBrand]: true;
  readonly sndCwnd: u32; readonly srttUs: u32; readonly rttMin: u32; readonly sndSsthresh: u32;
  readonly rcvNxt: u32; readonly sndNxt: u32; readonly sndUna: u32; readonly mssCache: u32;
  readonly ecnFlags: u32; readonly rateDelivered: u32; readonly rateIntervalUs: u32; readonly packetsOut: u32;
  readonly retransOut: u32; readonly totalRetrans: u32; readonly segsIn: u32; readonly dataSegsIn: u32;
  readonly segsOut: u32; readonly dataSegsOut: u32; readonly lostOut: u32; readonly sackedOut: u32;
  /** Bytes received and bytes the peer acknowledged (RFC 4898 tcpEStatsAppHCThruOctets…). */
  readonly bytesReceived: u64; readonly bytesAcked: u64;
  readonly dsackDups: u32; readonly delivered: u32; readonly deliveredCe: u32; readonly icskRetransmits: u32;
}
// Pointers derived from a socket (skFullsock, tcpSock, skcTo…) point into it: when it was looked
// up, they die with skRelease (a use after it is a build error at the line, as the verifier
// invalidates them), and a null result leaves the socket itself held.
/** bpf_sk_fullsock: the full socket (struct bpf_sock) of sk, or null for a time-wait or request socket. */
export function skFullsock(sk: SockCommon): Socket | null { return compiled(); }
/** bpf_tcp_sock: sk's TCP counters, or null when sk is not a TCP socket. */
export function tcpSock(sk: SockCommon): TcpSock | null { return compiled(); }
/**
 * bpf_get_listener_sock: the listener of sk (sk itself when it listens, the listener a request
 * socket belongs to), or null. Not a reference: never skRelease it.
 */
export function getListenerSock(sk: SockCommon): Socket | null { return compiled(); }
/** What the skcTo… casts take: a socket, its TCP counters or a kernel struct starting with struct sock_common. */
export type SockPointer = SockCommon | TcpSock | Kernel<string, number>;
/** bpf_skc_to_tcp_sock: sk as the kernel's struct tcp_sock (its members read directly), or null when sk is not a full TCP socket. */
export function skcToTcpSock<T extends Kernel<'tcp_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/** bpf_skc_to_tcp6_sock: sk as struct tcp6_sock, or null when it is not a full IPv6 TCP socket. */
export function skcToTcp6Sock<T extends Kernel<'tcp6_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/** bpf_skc_to_udp6_sock: sk as struct udp6_sock, or null when it is not an IPv6 UDP socket. */
export function skcToUdp6Sock<T extends Kernel<'udp6_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/** bpf_skc_to_tcp_timewait_sock: sk as struct tcp_timewait_sock, or null when it is not in TIME_WAIT. */
export function skcToTcpTimewaitSock<T extends Kernel<'tcp_timewait_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/** bpf_skc_to_tcp_request_sock: sk as struct tcp_request_sock, or null when it is not a request socket (SYN_RECV). */
export function skcToTcpRequestSock<T extends Kernel<'tcp_request_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/** bpf_skc_to_unix_sock: sk as struct unix_sock, or null when it is not an AF_UNIX socket. */
export function skcToUnixSock<T extends Kernel<'unix_sock', number>>(sk: SockPointer): T | null { return compiled(); }
/**
 * bpf_get_socket_cookie: the cookie of the packet's socket (tc, cgroup_skb, socket filter: skb->sk)
 * or of the context's socket (sock_addr programs), as getsockopt(SO_COOKIE) gives it; made on first
 * use; 0 when there is no socket. ctx is the program's parameter.
 */
export function getSocketCookie(ctx: object): u64 { return compiled(); }
/** bpf_sk_cgroup_id (cgroup_skb): the id of the cgroup v2 the socket belongs to (the cgroup directory's inode number). */
export function skCgroupId(sk: SockPointer): u64 { return compiled(); }
/** bpf_sk_ancestor_cgroup_id (cgroup_skb): the id of that cgroup's ancestor at `level` (0: the root), or 0 past the cgroup's own level. */
export function skAncestorCgroupId(sk: SockPointer, level: s32): u64 { return compiled(); }

// ---- local storage: a value per kernel object (src/compiler/lower-storage.ts) -------------

/** A task's value in a task storage map (BPF_MAP_TYPE_TASK_STORAGE), held by the task while it lives. */
export interface TaskStorage<V extends Storable> {
  /**
   * The value of `task` (a BTF pointer: a tpBtf argument, getCurrentTask(), a kfunc's result), or
   * null when it has none; with create, a zeroed value is made for it first (BPF_LOCAL_STORAGE_GET_F_CREATE).
   */
  get(task: Kernel<'task_struct', number>, create?: boolean): Ref<V> | null;
  /** Removes the task's value: 0, or -ENOENT when it had none. */
  delete(task: Kernel<'task_struct', number>): s64;
}
/** BPF_MAP_TYPE_TASK_STORAGE (no maxEntries: one value per task, freed with the task). */
export function taskStorage<V extends Storable>(): TaskStorage<V> { return compiled(); }
/** A cgroup's value in a cgroup storage map (BPF_MAP_TYPE_CGRP_STORAGE), held by the cgroup while it lives. */
export interface CgrpStorage<V extends Storable> {
  /** The value of `cgroup` (a BTF pointer: a tpBtf argument, a kfunc's result), or null; with create, a zeroed one is made first. */
  get(cgroup: Kernel<'cgroup', number>, create?: boolean): Ref<V> | null;
  /** Removes the cgroup's value: 0, or -ENOENT when it had none. */
  delete(cgroup: Kernel<'cgroup', number>): s64;
}
/** BPF_MAP_TYPE_CGRP_STORAGE (user space reads a cgroup's value with the cgroup directory's fd as the key). */
export function cgrpStorage<V extends Storable>(): CgrpStorage<V> { return compiled(); }
/** An inode's value in an inode storage map (BPF_MAP_TYPE_INODE_STORAGE), held by the inode while it lives; LSM programs only. */
export interface InodeStorage<V extends Storable> {
  /** The value of `inode` (a BTF pointer: an lsm argument's `f_inode`, …), or null; with create, a zeroed one is made first. */
  get(inode: Kernel<'inode', number>, create?: boolean): Ref<V> | null;
  /** Removes the inode's value: 0, or -ENOENT when it had none. */
  delete(inode: Kernel<'inode', number>): s64;
}
/** BPF_MAP_TYPE_INODE_STORAGE (user space reads an inode's value with an fd of the file as the key). */
export function inodeStorage<V extends Storable>(): InodeStorage<V> { return compiled(); }
/** A socket's value in a socket storage map (BPF_MAP_TYPE_SK_STORAGE), held by the socket while it lives. */
export interface SkStorage<V extends Storable> {
  /** The value of `sk` (any socket, or a kernel struct starting with struct sock_common), or null; with create, a zeroed one is made first. */
  get(sk: SockPointer, create?: boolean): Ref<V> | null;
  /** Removes the socket's value: 0, or -ENOENT when it had none. */
  delete(sk: SockPointer): s64;
}
/** BPF_MAP_TYPE_SK_STORAGE (user space reads a socket's value with the socket's fd as the key). */
export function skStorage<V extends Storable>(): SkStorage<V> { return compiled(); }

// ---- maps of kernel objects: stack traces, devices, CPUs, AF_XDP sockets, cgroups -------
// (src/compiler/object-maps.ts.) Programs pass them to helpers; user space fills or reads them.

declare const stackTraceBrand: unique symbol;
declare const devMapBrand: unique symbol;
declare const cpuMapBrand: unique symbol;
declare const xskMapBrand: unique symbol;
declare const cgroupArrayBrand: unique symbol;
/** Stack ids → the addresses of a stack: getStackid(ctx, map, flags) records one, user space reads it. */
export interface StackTraceMap { readonly [stackTraceBrand]: true }
/** Network devices by slot (u32 ifindex values written by user space): redirectMap's targets in XDP. */
export interface DevMap { readonly [devMapBrand]: true }
/** CPUs by slot (u32 queue sizes written by user space): redirectMap hands the frame to that CPU. */
export interface CpuMap { readonly [cpuMapBrand]: true }
/** AF_XDP sockets by slot (socket fds written by user space): redirectMap hands the frame to the socket. */
export interface XskMap { readonly [xskMapBrand]: true }
/** What redirectMap takes: a device, CPU or AF_XDP socket map. */
export type RedirectMap = DevMap | CpuMap | XskMap;
/** Cgroups by slot (cgroup directory fds written by user space): skbUnderCgroup, currentTaskUnderCgroup. */
export interface CgroupArray { readonly [cgroupArrayBrand]: true }

/** BPF_MAP_TYPE_STACK_TRACE; depth: addresses kept per stack (1–127, default 127). */
export function stackTraceMap(options: MapOptions & { readonly depth?: number }): StackTraceMap { return compiled(); }
/** BPF_MAP_TYPE_DEVMAP: slots 0 … maxEntries-1. */
export function devMap(options: MapOptions): DevMap { return compiled(); }
/** BPF_MAP_TYPE_DEVMAP_HASH: any u32 key (an ifindex, say), at most maxEntries of them. */
export function devMapHash(options: MapOptions): DevMap { return compiled(); }
/** BPF_MAP_TYPE_CPUMAP: slot n is CPU n. */
export function cpuMap(options: MapOptions): CpuMap { return compiled(); }
/** BPF_MAP_TYPE_XSKMAP. */
export function xskMap(options: MapOptions): XskMap { return compiled(); }
/** BPF_MAP_TYPE_CGROUP_ARRAY. */
export function cgroupArray(options: MapOptions): CgroupArray { return compiled(); }

/** BPF_MAP_TYPE_PROG_ARRAY: tail call targets, filled at load from `values` (and by user space). */
export function progArray(options: ProgArrayOptions): ProgArray { return compiled(); }

/**
 * bpf_tail_call: jumps to the program in slot `index` of `progs` (same program type) and does not
 * come back; when the slot is empty (or the chain is 33 calls deep) it returns and the program goes
 * on. ctx is the program's parameter.
 */
export function tailCall(ctx: object, progs: ProgArray, index: u32): void { return compiled(); }

/** The context of a raw tracepoint: the tracepoint's arguments as u64s. */
export interface RawTracepointContext {
  /** Argument n (a constant, 0–11) of the tracepoint (`ctx->args[n]`). */
  arg(n: number): u64;
}
/** A raw tracepoint (raw_tp/NAME): `rawTracepoint('sys_enter', (ctx) => …)`; the result is ignored. */
export function rawTracepoint(name: string, body: (ctx: RawTracepointContext) => s32): Program { return compiled(); }

/** A packet as cgroup_skb programs see it: it starts at the IP header (no Ethernet header); mark and priority are written in place. */
export interface SkbPacket extends SkbFields {
  mark: u32;
  priority: u32;
  /** Bytes in the packet. */
  readonly length: u32;
  /** skb->sk: the socket sending or receiving the packet, or null. Not a reference: never skRelease it. */
  readonly sk: SockCommon | null;
  /** The IPv4 header (skb->protocol is ETH_P_IP and the packet holds 20 bytes), or null. */
  ipv4(): Ipv4Header | null;
}
/** A cgroup_skb program on a cgroup's ingress or egress: returns 1 to let the packet through, 0 to drop it. */
export function cgroupSkb(direction: 'ingress' | 'egress', body: (pkt: SkbPacket) => u32): Program { return compiled(); }

/** The fields of struct bpf_sock_addr every sock_addr hook has. */
export interface SockAddrCommon {
  /** AF_INET (2) or AF_INET6 (10): the family of the address the caller gave. */
  readonly userFamily: u32;
  /** The port the caller gave, in network order in the low 16 bits (compare with htons(80)); writable. */
  userPort: u32;
  /** The socket's family, type (SOCK_STREAM 1, SOCK_DGRAM 2) and protocol (IPPROTO_TCP 6, IPPROTO_UDP 17). */
  readonly family: u32;
  readonly type: u32;
  readonly protocol: u32;
}
/** What an IPv4 hook (connect4, bind4, recvmsg4, getpeername4, getsockname4) sees (struct bpf_sock_addr). */
export interface SockAddr extends SockAddrCommon {
  /** The address the caller gave, in network order; writing it redirects the call. */
  userIp4: u32;
}
/** What an IPv6 hook (connect6, bind6, recvmsg6, getpeername6, getsockname6) sees. */
export interface SockAddr6 extends SockAddrCommon {
  /** The address, four u32 in network order (`::1` is [0, 0, 0, htonl(1)]); elements by a constant index, written in place or copied whole. */
  userIp6: Arr<u32, 4>;
}
/** sendmsg4 also sees (and may set) the source address of the datagram. */
export interface SendMsg4Addr extends SockAddr {
  msgSrcIp4: u32;
}
/** sendmsg6 also sees (and may set) the source address of the datagram. */
export interface SendMsg6Addr extends SockAddr6 {
  msgSrcIp6: Arr<u32, 4>;
}
/**
 * A cgroup sock_addr program (section cgroup/HOOK) for the sockets of a cgroup v2 hierarchy.
 * connect, bind and sendmsg return 1 to let the call go on (with the address as the program left it),
 * 0 to fail it with EPERM; recvmsg (the address recvfrom reports), getpeername and getsockname
 * rewrite the address user space sees and return 1.
 */
export function cgroupSockAddr(hook: 'connect4' | 'bind4' | 'recvmsg4' | 'getpeername4' | 'getsockname4', body: (ctx: SockAddr) => u32): Program;
export function cgroupSockAddr(hook: 'connect6' | 'bind6' | 'recvmsg6' | 'getpeername6' | 'getsockname6', body: (ctx: SockAddr6) => u32): Program;
export function cgroupSockAddr(hook: 'sendmsg4', body: (ctx: SendMsg4Addr) => u32): Program;
export function cgroupSockAddr(hook: 'sendmsg6', body: (ctx: SendMsg6Addr) => u32): Program;
export function cgroupSockAddr(hook: string, body: (ctx: never) => u32): Program { return compiled(); }

/**
 * What a sock_ops program sees (struct bpf_sock_ops): the operation, its arguments and the
 * connection's addresses and TCP state. Only `reply` and `skTxhash` are written (the kernel
 * refuses a store to any other field); TCP state fields read 0 when isFullsock is 0.
 */
export interface SockOps {
  /** The operation: BPF_SOCK_OPS_TIMEOUT_INIT, BPF_SOCK_OPS_TCP_CONNECT_CB, BPF_SOCK_OPS_STATE_CB … */
  readonly op: u32;
  /** The operation's arguments (elements by a constant index; for STATE_CB args[0] is the old state, args[1] the new). */
  readonly args: Readonly<Arr<u32, 4>>;
  /** What the program answers to the operations that ask (TIMEOUT_INIT, RWND_INIT, NEEDS_ECN, BASE_RTT); args[0]'s place. */
  reply: u32;
  /** AF_INET (2) or AF_INET6 (10). */
  readonly family: u32;
  /** Addresses in network order; remotePort is the port as a network-order u32 (htonl(port)), localPort the port in host order. */
  readonly remoteIp4: u32;
  readonly localIp4: u32;
  readonly remoteIp6: Readonly<Arr<u32, 4>>;
  readonly localIp6: Readonly<Arr<u32, 4>>;
  readonly remotePort: u32;
  readonly localPort: u32;
  /** 1 when the socket is a full socket (not a request socket): the TCP fields below are its own. */
  readonly isFullsock: u32;
  readonly sndCwnd: u32;
  /** The smoothed RTT in microseconds, times 8 (tcp_sock's srtt_us). */
  readonly srttUs: u32;
  /** The BPF_SOCK_OPS_*_CB_FLAG bits set by sockOpsCbFlagsSet. */
  readonly cbFlags: u32;
  /** The TCP state (BPF_TCP_ESTABLISHED 1 … as in tcp_states.h). */
  readonly state: u32;
  readonly rttMin: u32;
  readonly sndSsthresh: u32;
  readonly rcvNxt: u32;
  readonly sndNxt: u32;
  readonly sndUna: u32;
  readonly mssCache: u32;
  readonly ecnFlags: u32;
  readonly rateDelivered: u32;
  readonly rateIntervalUs: u32;
  readonly packetsOut: u32;
  readonly retransOut: u32;
  readonly totalRetrans: u32;
  readonly segsIn: u32;
  readonly dataSegsIn: u32;
  readonly segsOut: u32;
  readonly dataSegsOut: u32;
  readonly lostOut: u32;
  readonly sackedOut: u32;
  /** The socket's transmit hash; writable. */
  skTxhash: u32;
  readonly bytesReceived: u64;
  readonly bytesAcked: u64;
  /** In the header option callbacks: the length, TCP flags and hardware timestamp of the skb. */
  readonly skbLen: u32;
  readonly skbTcpFlags: u32;
  readonly skbHwtstamp: u64;
}
/**
 * A sock_ops program (section sockops), attached to a cgroup v2: called for the TCP events of the
 * cgroup's sockets (ctx.op says which). It returns 1; where an operation asks for an answer, the
 * program writes ctx.reply.
 */
export function sockOps(body: (ctx: SockOps) => u32): Program { return compiled(); }
export const BPF_SOCK_OPS_VOID = 0;
export const BPF_SOCK_OPS_TIMEOUT_INIT = 1;
export const BPF_SOCK_OPS_RWND_INIT = 2;
export const BPF_SOCK_OPS_TCP_CONNECT_CB = 3;
export const BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB = 4;
export const BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB = 5;
export const BPF_SOCK_OPS_NEEDS_ECN = 6;
export const BPF_SOCK_OPS_BASE_RTT = 7;
export const BPF_SOCK_OPS_RTO_CB = 8;
export const BPF_SOCK_OPS_RETRANS_CB = 9;
export const BPF_SOCK_OPS_STATE_CB = 10;
export const BPF_SOCK_OPS_TCP_LISTEN_CB = 11;
export const BPF_SOCK_OPS_RTT_CB = 12;
export const BPF_SOCK_OPS_PARSE_HDR_OPT_CB = 13;
export const BPF_SOCK_OPS_HDR_OPT_LEN_CB = 14;
export const BPF_SOCK_OPS_WRITE_HDR_OPT_CB = 15;
export const BPF_SOCK_OPS_RTO_CB_FLAG = 1;
export const BPF_SOCK_OPS_RETRANS_CB_FLAG = 2;
export const BPF_SOCK_OPS_STATE_CB_FLAG = 4;
export const BPF_SOCK_OPS_RTT_CB_FLAG = 8;
export const BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG = 16;
export const BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG = 32;
export const BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG = 64;
export const BPF_SOCK_OPS_ALL_CB_FLAGS = 127;

/**
 * bpf_setsockopt from a sock_ops or cgroup sock_addr program: sets option `optname` of `level`
 * (SOL_SOCKET 1, IPPROTO_TCP 6, IPPROTO_IP 0, IPPROTO_IPV6 41) on the context's socket to the
 * bytes of `optval` (a struct or array: its address and size, as setsockopt(2) takes them).
 * 0, or a negative errno (-EINVAL for an option the kernel does not let programs set).
 */
export function setsockopt(ctx: SockOps | SockAddrCommon, level: s32, optname: s32, optval: object): s64 { return compiled(); }
/** bpf_getsockopt: reads option `optname` of `level` into `optval` (its size is the option's length); 0 or a negative errno (then optval is zeroed). */
export function getsockopt(ctx: SockOps | SockAddrCommon, level: s32, optname: s32, optval: object): s64 { return compiled(); }

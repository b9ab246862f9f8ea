// Byte order of constants, folded in TypeScript (bpf_htons(ETH_P_IP) in C is a constant too).
// eBPF objects here are little-endian; the builder methods ntohs/htons … convert registers.

const swap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
const swap32 = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;

/** Host (little-endian) to network order, 16 bits. */
export const htons = swap16;
export const ntohs = swap16;
/** Host (little-endian) to network order, 32 bits (unsigned result). */
export const htonl = swap32;
export const ntohl = swap32;

// The program every probe loads: `r0 = 0; exit`, valid for every program type.

/** `r0 = 0; exit` as 16 little-endian instruction bytes. */
export const RETURN_ZERO: Uint8Array = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

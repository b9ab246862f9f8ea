// How many times each name has been used, keyed by the name's bytes in a string section (the C
// writer's `name___N` for the Nth use of a name, as libbpf's btf_dump counts them in a hash map of
// C strings): no JS string is made for a name, so counting 100,000 of them leaves no garbage.

export class NameCounts {
  /** Open addressing, two words a slot: global string offset + 1 of the name (0: empty), its count. */
  private slots: Int32Array;
  private used = 0;

  /**
   * `str`: the string sections, indexed by global string offset (record-view.ts); `capacity`: the
   * table's first number of slots, a power of two (it doubles when half full).
   */
  constructor(private readonly str: Uint8Array, capacity = 4096) {
    this.slots = new Int32Array(2 * capacity);
  }

  /** Counts one more use of the NUL-terminated name at `off`; returns its count (1 the first time). */
  add(off: number): number {
    const str = this.str;
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let slot = hashName(str, off) & mask; ; slot = (slot + 1) & mask) {
      const k = slots[2 * slot]!;
      if (k === 0) {
        slots[2 * slot] = off + 1;
        slots[2 * slot + 1] = 1;
        // At most half full, so that probe runs stay short.
        if (++this.used * 4 > slots.length) this.grow();
        return 1;
      }
      if (k - 1 === off || sameName(str, k - 1, off)) return ++slots[2 * slot + 1]!;
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let s = 0; s < old.length; s += 2) {
      const k = old[s]!;
      if (k === 0) continue;
      let slot = hashName(this.str, k - 1) & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = k;
      slots[2 * slot + 1] = old[s + 1]!;
    }
    this.slots = slots;
  }
}

/** FNV-1a of the NUL-terminated bytes at `off`. */
function hashName(str: Uint8Array, off: number): number {
  let h = 0x811c9dc5;
  for (let i = off, b = str[i]!; b !== 0; b = str[++i]!) h = Math.imul(h ^ b, 0x01000193);
  // FNV's low bits depend only on the bytes' low bits: mix the high ones down (the slot is the low bits).
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

function sameName(str: Uint8Array, a: number, b: number): boolean {
  for (;;) {
    const x = str[a++]!;
    if (x !== str[b++]) return false;
    if (x === 0) return true;
  }
}

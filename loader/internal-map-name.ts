// Kernel names of the maps libbpf makes for an object's data sections (pure: the verifier's
// preparation uses it without the syscall shim).

/** BPF_OBJ_NAME_LEN: kernel object names are at most 15 bytes and a NUL. */
export const NAME_LEN = 16;

/** libbpf's name for the map of a data section: object-name prefix + section name, 15 bytes, sanitized. */
export function internalMapName(objectName: string, section: string): string {
  const sfx = Math.max(7, section.length);
  const pfx = section.indexOf('.', 1) >= 0 ? 0 : Math.min(NAME_LEN - sfx - 1, objectName.length);
  return (objectName.slice(0, Math.max(0, pfx)) + section.slice(0, sfx)).slice(0, NAME_LEN - 1).replace(/[^A-Za-z0-9_.]/g, '_');
}

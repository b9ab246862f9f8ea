// The licenses the kernel treats as GPL-compatible (license_is_gpl_compatible): a program with
// any other license may not call GPL-only helpers.

const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

/** True when the kernel lets a program with this license call GPL-only helpers and kfuncs. */
export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license);
}

// Flavors: `task_struct___v514` is a local variant of `task_struct`. Everything from the last
// `X___Y` separator (X and Y not underscores) on is ignored when names are compared.

/** Length of the name without its flavor suffix (libbpf's bpf_core_essential_name_len). */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') return i + 1;
  }
  return name.length;
}

/** The name without its flavor suffix. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** The flavor suffix after `___`, or undefined when the name has none. */
export function flavorOf(name: string): string | undefined {
  const n = essentialNameLength(name);
  return n === name.length ? undefined : name.slice(n + 3);
}

/** Whether two names are equal once flavors are cut off. */
export function essentialNamesEqual(a: string, b: string): boolean {
  return essentialName(a) === essentialName(b);
}

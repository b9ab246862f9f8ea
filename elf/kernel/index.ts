// The kernel's uapi enums that objects and loaders name (generated from the kernel's BTF by
// npm run gen:kernel-enums; the BTF kinds are elf/btf's BTF_KIND).

export { BPF_ATTACH_TYPE } from './attach-type.generated.js';
export { BPF_MAP_TYPE } from './map-type.generated.js';
export { BPF_PROG_TYPE } from './prog-type.generated.js';

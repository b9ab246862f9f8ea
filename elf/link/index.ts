// Static linking of eBPF objects (tsbpf link).

export { LinkError } from './errors.js';
export { linkObjects, linkToObject, type LinkInput, type LinkSource } from './link.js';
export { dedupBtf, type DedupResult } from './btf-dedup.js';
export type { BtfTypes } from './btf-ids.js';

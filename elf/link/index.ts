// Static linking of eBPF objects (tsbpf link).

export { LinkError } from './errors.js';
export { linkObjects, type LinkInput } from './link.js';
export { dedupBtf, type DedupResult } from './btf-dedup.js';
export type { BtfTypes } from './btf-ids.js';

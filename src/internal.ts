// The internal entry: what tsbpf's tests, benches and its own CLI reach that the published package
// does not offer. It is built (dist/internal.js, for the benches) but not in package.json
// "exports" and without declarations, so nothing here is in the published types; a name moves to
// a subsystem's index.ts when it becomes API.

/** The bpf(2)/mmap/epoll shim: raw attrs and addresses, no lifetime checks. */
export * as sys from '../loader/sys/index.js';
/** CO-RE's building blocks (name flavours, access-string parsing); tsbpf/loader offers relocateObjectCore. */
export { essentialName, essentialNameLength, flavorOf, parseSpec } from '../loader/core/index.js';

// The loader's log hook, as libbpf's libbpf_set_print: the loader reports the decisions it takes
// (CO-RE candidates and the one chosen per relocation, maps created without BTF types and why,
// pins reused or made, programs loaded or skipped) to a function the user gives, per load
// (LoadObjectOptions.log) or for the process (setLoaderLog). Silent by default.

/** libbpf's levels: warn (LIBBPF_WARN), info (LIBBPF_INFO), debug (LIBBPF_DEBUG). */
export type LoaderLogLevel = 'warn' | 'info' | 'debug';

/** Receives one message (one line, no trailing newline) at a level. */
export type LoaderLog = (level: LoaderLogLevel, message: string) => void;

let processLog: LoaderLog | undefined;

/**
 * Sets the process-wide log function (undefined: silent) and returns the previous one, as
 * libbpf_set_print does. A load's own `log` option takes precedence over it.
 */
export function setLoaderLog(log: LoaderLog | undefined): LoaderLog | undefined {
  const previous = processLog;
  processLog = log;
  return previous;
}

/** The log a load reports to: its own, else the process-wide one, else one that drops everything. */
export function loaderLog(own?: LoaderLog): LoaderLog {
  return own ?? processLog ?? silent;
}

const silent: LoaderLog = () => {};

// setpriv(1)'s arguments for the live checks' reduced loaders: a root process whose only
// capability is CAP_BPF, one with no capability, and an ordinary user (nobody) with none.

export const SETPRIV_CAP_BPF: readonly string[] = ['--inh-caps=-all,+bpf', '--ambient-caps=+bpf', '--bounding-set=-all,+bpf'];

export const SETPRIV_NO_CAPS: readonly string[] = ['--inh-caps=-all', '--bounding-set=-all'];

export const SETPRIV_UNPRIVILEGED: readonly string[] = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

// The error classes of elf/ and loader/ that decide the CLI's message and exit status, in a
// module of their own: the CLI imports it when a command fails (or with the commands that use
// those subsystems anyway), not at start-up.

export { BtfError, LinkError } from '../../elf/index.js';
export { BpfAccessError, LoadError, NativeUnavailableError } from '../../loader/index.js';

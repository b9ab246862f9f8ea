// Entry point of the `tsbpf` executable.
import { mainAsync } from './main.js';

// Exit as soon as the command is done: a program module (tsbpf build) may have left timers
// or handles behind that would keep the process alive.
process.exit(await mainAsync(process.argv.slice(2)));

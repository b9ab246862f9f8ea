// Entry point of the `tsbpf` executable.
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2));

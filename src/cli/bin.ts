// Entry point of the `tsbpf` executable.
import { mainAsync } from './main.js';

process.exitCode = await mainAsync(process.argv.slice(2));

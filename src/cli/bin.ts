// Entry point of the `tsbpf` executable.
import { mainAsync } from './main.js';

void mainAsync(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

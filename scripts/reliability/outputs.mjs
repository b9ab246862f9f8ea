// Campaign area: `-o PATH` never destroys data (issue 12). Mutations of examples/hello.s and of
// fixture objects are assembled/linked to output paths of every shape the runner can make: new,
// existing (must stay untouched on failure), the input itself, a directory, a missing directory,
// beside stale temporaries of dead writers. Checks: a success leaves a valid output and no
// temporary; a failure leaves the old output byte for byte and no temporary.
// (Devices, FIFOs and symlinks cannot be made through the runner's `files`: test/cli-output-file.test.ts.)

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const area = 'outputs';
export const description = '-o to new/existing/input/directory paths, stale temporaries; old output kept on failure, no temporary left';

const OLD = 'old output, must survive a failure\n';
const DEAD_PID = 999999999; // above any pid_max (2^22): never a live process

const pick = (rng, list) => list[Math.floor(rng() * list.length)];

/** hello.s with a few random line-level mutations (dropped, duplicated, truncated, byte-flipped lines). */
function mutateSource(rng, text) {
  const lines = text.split('\n');
  const edits = Math.floor(rng() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rng() * lines.length);
    const kind = Math.floor(rng() * 4);
    if (kind === 0) lines.splice(at, 1);
    else if (kind === 1) lines.splice(at, 0, lines[at] ?? '');
    else if (kind === 2) lines[at] = (lines[at] ?? '').slice(0, Math.floor(rng() * (lines[at] ?? '').length));
    else {
      const l = lines[at] ?? '';
      const p = Math.floor(rng() * (l.length + 1));
      lines[at] = l.slice(0, p) + String.fromCharCode(32 + Math.floor(rng() * 95)) + l.slice(p + 1);
    }
  }
  return lines.join('\n');
}

/** Temporaries any writer of the case's outputs could have left. */
function temporaries(dir) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^\..*\.\d+\.tmp$/.test(e.name)) found.push(e.name);
    }
  };
  walk(dir);
  return found;
}

const isElf = (b) => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

export function* cases(rng, n, repo) {
  const hello = readFileSync(join(repo, 'examples', 'hello.s'), 'utf8');
  const objects = readdirSync(join(repo, 'fixtures', 'obj')).filter((f) => f.endsWith('.bpf.o')).sort();
  for (let i = 0; i < n; i++) {
    const shape = pick(rng, ['new', 'existing', 'input', 'directory', 'missing-dir', 'stale', 'nested-new']);
    const useLink = rng() < 0.25;
    const files = {};
    let inputName;
    if (useLink) {
      const obj = pick(rng, objects);
      const bytes = new Uint8Array(readFileSync(join(repo, 'fixtures', 'obj', obj)));
      // Sometimes a corrupted object, so that link fails after reading.
      if (rng() < 0.5) for (let k = 0; k < 1 + Math.floor(rng() * 8); k++) bytes[Math.floor(rng() * bytes.length)] = Math.floor(rng() * 256);
      inputName = 'in.o';
      files[inputName] = bytes;
    } else {
      inputName = 'in.s';
      files[inputName] = rng() < 0.7 ? mutateSource(rng, hello) : hello;
    }
    let out;
    switch (shape) {
      case 'new': out = 'out.o'; break;
      case 'existing': out = 'out.o'; files['out.o'] = OLD; break;
      case 'input': out = inputName; break;
      case 'directory': out = 'sub'; files['sub/keep'] = OLD; break;
      case 'missing-dir': out = 'no/such/out.o'; break;
      case 'stale': out = 'out.o'; files['out.o'] = OLD; files[`.out.o.${DEAD_PID}.tmp`] = 'left by a kill -9'; break;
      default: out = 'sub/out.o'; files['sub/keep'] = OLD; break;
    }
    const format = useLink ? [] : pick(rng, [[], ['--format', 'raw'], ['--format', 'hex'], ['--format', 'elf']]);
    const argv = useLink ? ['link', `{dir}/${inputName}`, '-o', `{dir}/${out}`] : ['asm', `{dir}/${inputName}`, '-o', `{dir}/${out}`, ...format];
    const before = files[out];
    const elfOut = useLink || format.length === 0 || format[1] === 'elf';
    yield {
      name: `${useLink ? 'link' : 'asm'}-${shape}`,
      argv,
      files,
      check(r) {
        // A dead writer's temporary goes with the next write; a run that fails before writing leaves it.
        const left = temporaries(r.dir).filter((t) => r.code === 0 || t !== `.out.o.${DEAD_PID}.tmp`);
        if (left.length > 0) return `temporary left: ${left.join(', ')}`;
        const path = join(r.dir, out);
        if (r.code === 0) {
          if (shape === 'directory' || shape === 'missing-dir') return `exit 0 writing to ${shape}`;
          const b = readFileSync(path);
          if (elfOut && !isElf(b)) return 'exit 0 but the output is not an ELF file';
          if (!elfOut && b.length === 0 && format[1] === 'hex') return 'exit 0 but the hex output is empty';
          return undefined;
        }
        if (shape === 'missing-dir' && existsSync(join(r.dir, 'no'))) return 'a failed write created a directory';
        if (shape === 'directory' && readFileSync(join(r.dir, 'sub', 'keep'), 'utf8') !== OLD) return 'the directory\'s content changed';
        if (before !== undefined && shape !== 'directory') {
          const now = readFileSync(path);
          const was = typeof before === 'string' ? Buffer.from(before) : Buffer.from(before);
          if (!now.equals(was)) return 'a failed run changed the existing output';
        }
        return undefined;
      },
    };
  }
}

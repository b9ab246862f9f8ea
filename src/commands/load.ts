// tsbpf load OBJ.o [--prog NAME]... [--btf FILE] [--pin DIR] [--print-log]: loads an object's
// programs (and its maps) into the kernel through tsbpf's loader. With --pin, each program is
// pinned as DIR/<program name>, as `bpftool prog loadall` does; without it the programs are
// released when the command exits (a load check).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AttachContext, attachOptionsForSection, attachProgram, loadObject, objectNameOf } from '../../loader/index.js';
import { UsageError } from '../cli/usage-error.js';

export interface LoadCommandOptions {
  readonly programs?: readonly string[];
  readonly btfPath?: string;
  readonly pinDir?: string;
  /** Keep the verifier log of successful loads too (log level 1). */
  readonly printLog?: boolean;
  /** Attach every program by its section (needs pinDir: each link is pinned as DIR/<program>_link). */
  readonly attach?: AttachContext;
}

export interface LoadCommandResult {
  /** One line per loaded program: name, section, kernel id, instruction count. */
  readonly lines: string[];
  /** Verifier logs by program (only with printLog). */
  readonly logs: { program: string; log: string }[];
}


export function loadCommand(bytes: Uint8Array, file: string, options: LoadCommandOptions): LoadCommandResult {
  const c = loadObject(bytes, {
    name: objectNameOf(file),
    ...(options.programs === undefined ? {} : { programs: options.programs }),
    ...(options.btfPath === undefined ? {} : { btfPath: options.btfPath }),
    logLevel: options.printLog === true ? 1 : 0,
  });
  try {
    if (options.pinDir !== undefined) {
      try {
        mkdirSync(options.pinDir, { recursive: true });
      } catch (e) {
        throw new UsageError(`${options.pinDir}: cannot create the pin directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      for (const name of c.programs.keys()) {
        const path = join(options.pinDir, name);
        try {
          c.pinProgram(name, path);
        } catch (e) {
          const code = (e as { code?: string }).code ?? String(e);
          const why = code === 'EEXIST' ? 'already exists' : code === 'EPERM' ? 'not on a BPF file system (mount bpffs there)' : code;
          throw new UsageError(`${path}: cannot pin program ${name}: ${why}`);
        }
      }
    }
    const lines = [...c.programs.values()].map((p) => `${p.name}\t${p.section}\t${p.insnCount} insns${options.pinDir === undefined ? '' : `\tpinned ${join(options.pinDir, p.name)}`}`);
    if (options.attach !== undefined) {
      // Links are pinned so the attachments outlive this command (closing an unpinned link detaches it).
      if (options.pinDir === undefined) throw new UsageError('--attach needs --pin DIR (the links are pinned there)');
      for (const p of c.programs.values()) {
        // struct_ops programs are not attached one by one: their struct_ops map is registered below.
        if (p.section.startsWith('struct_ops')) continue;
        const link = attachProgram(p, attachOptionsForSection(p.section, options.attach));
        try {
          const path = join(options.pinDir, `${p.name}_link`);
          link.pin(path);
          lines.push(`${p.name}\tattached ${link.kind} ${link.target}\tlink pinned ${path}`);
        } finally {
          link.close();
        }
      }
    }
    if (options.attach !== undefined && options.pinDir !== undefined) {
      for (const plan of c.structOps.values()) {
        const link = c.registerStructOps(plan.name);
        if (plan.link) {
          // A .struct_ops.link map stays registered while its bpf_link is pinned.
          const path = join(options.pinDir, `${plan.name}_link`);
          try {
            link.pin(path);
          } finally {
            link.close();
          }
          lines.push(`${plan.name}\tregistered struct_ops ${plan.structName}\tlink pinned ${path}`);
        } else {
          // The kernel keeps a registered struct_ops map alive by itself; pinning the map lets
          // `bpftool struct_ops unregister` (or a map delete of key 0) find it later. The Link is
          // dropped without close(), which would unregister it.
          const path = join(options.pinDir, plan.name);
          c.map(plan.name).pin(path);
          lines.push(`${plan.name}\tregistered struct_ops ${plan.structName}\tmap pinned ${path}`);
        }
      }
    }
    const logs = options.printLog === true ? [...c.programs.values()].map((p) => ({ program: p.name, log: p.log })) : [];
    return { lines, logs };
  } finally {
    c.close();
  }
}

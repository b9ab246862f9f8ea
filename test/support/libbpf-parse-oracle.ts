// libbpf 1.1 as an acceptance oracle for blobs: a small C program (built here with cc -lbpf) that
// hands each file to btf__new or btf_ext__new and prints ACCEPT or REJECT, one line per file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './references.js';

export type LibbpfParser = 'btf__new' | 'btf_ext__new';

const source = (parser: LibbpfParser): string => `
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
static unsigned char buf[1 << 24];
static int quiet(enum libbpf_print_level l, const char *f, va_list a) { return 0; }
int main(int argc, char **argv) {
  libbpf_set_print(quiet);
  for (int i = 1; i < argc; i++) {
    FILE *fp = fopen(argv[i], "rb");
    if (!fp) return 2;
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    void *p = ${parser}(buf, n);
    long err = libbpf_get_error(p);
    printf("%s\\n", err ? "REJECT" : "ACCEPT");
    if (!err) ${parser === 'btf__new' ? 'btf__free' : 'btf_ext__free'}(p);
  }
  return 0;
}
`;

/** Builds the oracle for `parser`; the returned function says, per blob, whether libbpf accepts it. */
export function libbpfParseOracle(parser: LibbpfParser): (blobs: readonly Uint8Array[]) => boolean[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-libbpf-oracle-'));
  const exe = join(dir, 'oracle');
  writeFileSync(`${exe}.c`, source(parser));
  run('cc', ['-O1', `${exe}.c`, '-lbpf', '-o', exe]);
  return (blobs) => {
    const files = blobs.map((b, i) => { const f = join(dir, `blob-${i}`); writeFileSync(f, b); return f; });
    const out: boolean[] = [];
    for (let i = 0; i < files.length; i += 500) {
      out.push(...run(exe, files.slice(i, i + 500)).trim().split('\n').map((l) => l === 'ACCEPT'));
    }
    for (const f of files) rmSync(f);
    return out;
  };
}

// The parts of the agreement corpus, and the slice `npm test` runs.

import { join } from 'node:path';
import { CORPUS_DIR, type CorpusProgram, testVerifierCorpus } from './corpus.js';
import { objectCorpus, type ObjectProgram } from './object-corpus.js';
import type { CorpusEntry } from './run.js';
import { generatedCorpus } from './generated-corpus.js';

/** The CI slice: a few hundred programs that label in seconds. */
export const SLICE_SUITES = ['test_verifier'] as const;

export function sliceCorpus(): CorpusProgram[] {
  return testVerifierCorpus();
}

/** The annotated selftests' areas, by file name (research notes §2.3). */
function areaOfProgsFile(file: string): string {
  const f = file.replace(/^verifier_/, '').replace(/\.o$/, '');
  const areas: readonly [RegExp, string][] = [
    [/^(atomic|xadd|load_acquire|store_release)/, 'atomics'],
    [/^(ctx|cgroup|sock|sockmap|ringbuf|tp_writable|netfilter|sk|flow|lwt|perf_event|btf_ctx|mtu|sock_addr)/, 'ctx access'],
    [/(packet|xdp|pkt|direct_packet|ld_ind|ld_abs|meta)/, 'packet / memory access'],
    [/(sdiv|movsx|ldsx|bswap|gotol|may_goto)/, 'cpu v4 (sdiv, movsx, ldsx, bswap, gotol)'],
    [/(bounds|subreg|reg_equal|var_off|int_ptr|and|or|xor|jeq|range|scalar|div|mul|arsh|masking|search_pruning|const|or_jmp32|cmp|jit_convergence)/, 'bounds / range analysis'],
    [/(value|map|array|helper_value|unpriv_perf|map_ptr|map_in_map|map_ret)/, 'pointer arithmetic / map values'],
    [/(stack|spill|uninit|fastcall|raw_stack|frame)/, 'stack / spill / fill'],
    [/(ref|lock|spin|rcu|irq|kptr|sleepable|iter|dynptr|unpriv|leak)/, 'references / locks / unpriv'],
    [/(loop|cfg|callback|bpf_loop|iterating|infinite)/, 'loops / CFG'],
    [/(precis|prun|liveness)/, 'precision / pruning'],
    [/(subprog|global|func|calls|tailcall|bpf_get_stack)/, 'calls / subprograms'],
    [/(retval|return|exit)/, 'return codes'],
    [/(null)/, 'null checks'],
    [/(ld_imm64|junk|basic|jump|jmp|arena|addr_space|btf|vfs|netfilter)/, 'instructions / encoding'],
    [/(helper)/, 'helper arguments'],
  ];
  return areas.find(([re]) => re.test(f))?.[1] ?? 'other';
}

/** The compiled annotated selftests (scripts/verifier-corpus/build-progs.mjs). */
export function progsCorpus(): ObjectProgram[] {
  return objectCorpus(join(CORPUS_DIR, 'progs'), 'selftests', (file) => areaOfProgsFile(file)).programs;
}

/** tsbpf's own fixtures (fixtures/obj, clang-built; their sources are in fixtures/src). */
export function fixturesCorpus(): ObjectProgram[] {
  return objectCorpus(join(CORPUS_DIR, '../../../fixtures/obj'), 'fixtures', () => 'fixtures / real-world').programs;
}

/** Generated programs per kind: all of them in `npm run verifier:agreement`, the first few in `npm test`. */
export const GENERATED_PER_KIND = 300;
export const GENERATED_SLICE_PER_KIND = 20;

export function fullCorpus(): CorpusEntry[] {
  return [...testVerifierCorpus(), ...progsCorpus(), ...fixturesCorpus(), ...generatedCorpus(GENERATED_PER_KIND)];
}

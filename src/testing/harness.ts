// The map-state harness: seed maps, run inputs, read maps — in the vm and, when asked, in the
// kernel side by side — with or without fast-check (a property calls it per generated case; a
// plain test calls it once).

import { type Backend, backendsFor, type BackendName, type KernelOption, type RunInput, type RunOutcome } from './backends.js';
import { TestingError } from './errors.js';
import { type MapDatum, type MapEntries, mapCodec, type MapCodec, mapDifference, entryList } from './map-values.js';
import type { TestSubject } from './subject.js';

export interface HarnessOptions {
  /** Also run in the kernel: true needs it (a TestingError when it is not there), 'auto' when available. */
  readonly kernel?: KernelOption;
}

/** One input's outcome on each backend. */
export interface HarnessRun {
  readonly vm: RunOutcome;
  readonly kernel?: RunOutcome;
}

export class MapHarness {
  readonly backends: readonly Backend[];
  private closed = false;

  constructor(readonly subject: TestSubject, options: HarnessOptions = {}) {
    this.backends = backendsFor(subject, options.kernel);
  }

  /** Whether the kernel takes part. */
  get kernel(): boolean {
    return this.backends.some((b) => b.name === 'kernel');
  }

  private backend(name: BackendName): Backend {
    this.open();
    const b = this.backends.find((x) => x.name === name);
    if (b === undefined) throw new TestingError(`the harness does not run in the ${name}`);
    return b;
  }

  private open(): void {
    if (this.closed) throw new TestingError('the harness is closed');
  }

  codec(map: string): MapCodec {
    return mapCodec(this.subject, this.backend('vm').shape(map));
  }

  /** Writes entries into `map` on every backend. */
  seed(map: string, entries: MapEntries): this {
    const codec = this.codec(map);
    for (const [k, v] of entryList(entries)) {
      const key = codec.key(k);
      const value = codec.value(v);
      for (const b of this.backends) b.update(map, key, value);
    }
    return this;
  }

  /** Runs one input on every backend. */
  run(input: RunInput = {}): HarnessRun {
    this.open();
    const [vm, kernel] = this.backends.map((b) => b.run(input));
    return { vm: vm!, ...(kernel === undefined ? {} : { kernel }) };
  }

  /** Runs each input in order on every backend. */
  runAll(inputs: Iterable<RunInput>): HarnessRun[] {
    return [...inputs].map((i) => this.run(i));
  }

  /** A map's contents on one backend (default the vm): every element, arrays every index. */
  entries(map: string, backend: BackendName = 'vm'): [Uint8Array, Uint8Array][] {
    return this.backend(backend).entries(map);
  }

  /** One element's value on one backend, undefined when absent. */
  lookup(map: string, key: MapDatum, backend: BackendName = 'vm'): Uint8Array | undefined {
    const k = Buffer.from(this.codec(map).key(key)).toString('hex');
    return this.entries(map, backend).find(([x]) => Buffer.from(x).toString('hex') === k)?.[1];
  }

  /**
   * How each backend's `map` differs from `expected` (array maps: unlisted indices must be
   * zero): an empty list per backend when they agree.
   */
  difference(map: string, expected: MapEntries): { readonly backend: BackendName; readonly lines: readonly string[] }[] {
    const codec = this.codec(map);
    return this.backends.map((b) => ({ backend: b.name, lines: mapDifference(codec, b.entries(map), expected) }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of this.backends) b.close();
  }
}

/** Runs `fn` with a fresh harness and closes it afterwards (kernel programs and maps included). */
export function withMapHarness<T>(subject: TestSubject, options: HarnessOptions, fn: (h: MapHarness) => T): T {
  const h = new MapHarness(subject, options);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}

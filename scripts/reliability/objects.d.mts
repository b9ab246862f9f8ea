// Types of objects.mjs, for the tests that import it.

export interface ObjectFixture {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly layout: { regions: Record<string, [number, number]>; fields: [number, number, string][]; sections: { index: number; name: string; type: number; offset: number; size: number; header: number }[] };
}
export interface CaseResult { code: number; stdout: string; stderr: string; ms: number; maxRssMB: number; dir: string }
export interface Case {
  readonly name: string;
  readonly argv: string[];
  readonly files: Record<string, string | Uint8Array>;
  check?(result: CaseResult): string | undefined;
}
export const area: string;
export const description: string;
export function layoutOf(bytes: Uint8Array): ObjectFixture['layout'];
export function mutate(rng: () => number, o: ObjectFixture): { bytes: Uint8Array; name: string };
export function withSectionField(o: ObjectFixture, section: string, field: 'type' | 'flags' | 'offset' | 'size' | 'addralign', value: bigint): Uint8Array;
export function fixtures(repo: string): ObjectFixture[];
export function reproducers(fx: ObjectFixture[]): Case[];
export function cases(rng: () => number, n: number, repo: string): Generator<Case>;

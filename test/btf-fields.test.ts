// The field iterator over encoded BTF records (elf/btf/fields.ts) against the codec: on random
// well-formed graphs it visits each type-id field and each string-offset field of every record
// exactly once (the values it visits are the ones the decoded record holds, in order), and a rewrite
// through it decodes to the record rewritten field by field (so no field is missed or visited twice).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Btf, type BtfType, decodeBtf, encodeBtf, forEachField, mapTypeIds, recordWords, stringsOf, typeIdsOf, withStringSection,
} from '../elf/index.js';
import { btfGraph } from './support/btf-graph.js';

const typesOf = (btf: Btf): BtfType[] => [...btf.types()].map(([, t]) => t);

/** The record with every name (its own and its elements') passed through f. */
function mapNames(t: BtfType, f: (s: string) => string): BtfType {
  const named = { ...t, name: f(t.name) } as BtfType;
  switch (named.kind) {
    case 'STRUCT': case 'UNION': return { ...named, members: named.members.map((m) => ({ ...m, name: f(m.name) })) };
    case 'ENUM': return { ...named, values: named.values.map((v) => ({ ...v, name: f(v.name) })) };
    case 'ENUM64': return { ...named, values: named.values.map((v) => ({ ...v, name: f(v.name) })) };
    case 'FUNC_PROTO': return { ...named, params: named.params.map((p) => ({ ...p, name: f(p.name) })) };
    default: return named;
  }
}

describe('BTF field iterator', () => {
  it('visits every type id and every string of a record once, in record order, inside the record', () => {
    fc.assert(fc.property(btfGraph, (types) => {
      const btf = decodeBtf(encodeBtf(Btf.fromTypes(types)));
      const { words, offsets } = btf.raw!;
      offsets.forEach((p, i) => {
        const end = p + recordWords(words[p + 1]!);
        expect(end).toBe(i + 1 < offsets.length ? offsets[i + 1] : words.length);
        const t = types[i]!;
        for (const [fields, expected] of [['ids', typeIdsOf(t)], ['strings', stringsOf(t)]] as const) {
          const seen: number[] = [];
          forEachField(words, p, fields, (w) => seen.push(w));
          expect(new Set(seen).size).toBe(seen.length);
          for (const w of seen) { expect(w).toBeGreaterThanOrEqual(p); expect(w).toBeLessThan(end); }
          expect(seen.map((w) => (fields === 'ids' ? words[w]! : btf.string(words[w]!)))).toEqual(expected);
        }
      });
    }), { numRuns: 300 });
  });

  it('a rewrite of the type ids decodes to mapTypeIds of each record', () => {
    fc.assert(fc.property(btfGraph, fc.integer({ min: 1, max: 1000 }), (types, salt) => {
      const blob = encodeBtf(Btf.fromTypes(types));
      const btf = decodeBtf(blob);
      const raw = btf.raw!;
      // Not idempotent, so that a field visited twice shows; ids stay within the graph.
      const f = (id: number): number => (id * 7 + salt) % (types.length + 1);
      const words = Uint32Array.from(raw.words);
      for (const p of raw.offsets) forEachField(words, p, 'ids', (w) => { words[w] = f(words[w]!); });
      const out = new Uint8Array(blob);
      new Uint8Array(out.buffer, raw.typeOffset, words.byteLength).set(new Uint8Array(words.buffer));
      const rewritten = decodeBtf(out, { validation: 'structure' });
      expect(typesOf(rewritten)).toEqual(types.map((t) => mapTypeIds(t, f)));
    }), { numRuns: 300 });
  });

  it('withStringSection re-points every string field and nothing else', () => {
    fc.assert(fc.property(btfGraph, (types) => {
      const blob = encodeBtf(Btf.fromTypes(types));
      // The new table holds each string reversed ('' stays at 0), in another order than the blob's.
      const names = [...new Set(types.flatMap(stringsOf))].sort().reverse();
      const rev = (s: string): string => [...s].reverse().join('');
      const enc = new TextEncoder();
      const offsets = new Map<string, number>([['', 0]]);
      const parts: Uint8Array[] = [new Uint8Array(1)];
      let len = 1;
      for (const s of names) {
        if (s === '') continue;
        const b = enc.encode(`${rev(s)}\0`);
        offsets.set(s, len);
        parts.push(b);
        len += b.length;
      }
      const table = new Uint8Array(len);
      let at = 0;
      for (const b of parts) { table.set(b, at); at += b.length; }
      const out = withStringSection(blob, { bytes: () => table, offset: (s) => offsets.get(s)! });
      expect(typesOf(decodeBtf(out))).toEqual(types.map((t) => mapNames(t, rev)));
    }), { numRuns: 300 });
  });
});

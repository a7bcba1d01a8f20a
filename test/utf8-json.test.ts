import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8JsonOfLongLists } from '../src/edge/http/utf8-json.ts';

/*
 * utf8JsonOfLongLists writes JSON.stringify's exact text as UTF-8, walking the top of an answer:
 * whatever the members (null prototypes, boxed values, dates, sparse arrays, undefined and
 * functions, lone surrogates, non-Latin-1 text), the bytes are those of JSON.stringify.
 */

const member = fc.anything({
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withObjectString: true,
  withUnicodeString: true,
  maxDepth: 6,
});

/** An answer shaped like a GraphQL one: a long list a few levels down, beside other fields. */
const answer = fc.record({
  data: fc.record({
    list: fc.record({
      total: fc.integer(),
      edges: fc.array(fc.oneof(member, fc.record({ node: member })), { minLength: 16, maxLength: 40 }),
    }),
    other: member,
  }),
});

const expected = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('utf8JsonOfLongLists', () => {
  it("writes JSON.stringify's text, byte for byte", () => {
    fc.assert(
      fc.property(answer, (value) => {
        const bytes = utf8JsonOfLongLists(value);
        expect(bytes).not.toBeNull();
        expect(bytes!.equals(expected(value))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every character, across buffer growth', () => {
    const edges = Array.from({ length: 3000 }, (_, i) => ({ node: { title: `Fila ${i} — SMTP → relé ção 🚨 \ud800 ${'x'.repeat(200)}` } }));
    const value = { data: { chamados: { totalCount: edges.length, edges } } };
    const bytes = utf8JsonOfLongLists(value)!;
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    expect(bytes.equals(expected(value))).toBe(true);
    // A small answer after a large one is not mixed with what the large one left.
    const small = { data: { list: Array.from({ length: 16 }, (_, i) => i) } };
    expect(utf8JsonOfLongLists(small)!.toString('utf8')).toBe(JSON.stringify(small));
  });

  it('declines an answer with no long list near its top (one JSON.stringify is cheaper)', () => {
    expect(utf8JsonOfLongLists({ data: { __typename: 'Query' } })).toBeNull();
    expect(utf8JsonOfLongLists({ data: { list: Array.from({ length: 15 }, (_, i) => i) } })).toBeNull();
    expect(utf8JsonOfLongLists({ data: { a: { b: { c: { deep: Array.from({ length: 40 }, (_, i) => i) } } } } })).toBeNull();
  });
});

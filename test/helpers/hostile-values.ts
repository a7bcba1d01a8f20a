import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';

/*
 * fast-check arbitraries for input a careless or hostile client sends, and a fingerprint of the
 * database to prove such input changed nothing.
 */

/** Strings that have broken parsers, drivers and templates before. */
const NASTY = [
  '\uD800', // lone high surrogate
  '\uDFFF', // lone low surrogate
  'a\uDC00b\uD83D',
  '\u0000',
  '\u202Eevil\u202C', // right-to-left override
  '\u200F\u0627\u0644\u0639\u0631\u0628\u064A\u0629',
  '\uFEFF\u200B\u2028\u2029',
  'Z\u0351\u0360\u0308\u0306\u0300',
  '😀👩‍👩‍👧',
  "'; drop table chamados; --",
  "' OR '1'='1",
  '" OR ""="',
  '$where: 1',
  '{"$ne": null}',
  '{{7*7}}${7*7}<%= 7*7 %>',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '\\u0000\\x00',
  '__proto__',
  'constructor',
  '-1',
  'NaN',
  'null',
];

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }),
  fc.constantFrom(200_000, 1_100_000).map((n) => 'x'.repeat(n)),
);

/**
 * A string no API may store: PostgreSQL text cannot hold U+0000, and the API refuses it up front
 * (test/nul-text.test.ts). Carrying one in every string keeps an otherwise well-typed value invalid,
 * so "nothing changed afterwards" is a claim about the input, not about luck.
 */
export const poisonedText: fc.Arbitrary<string> = fc
  .tuple(hostileText, hostileText)
  .map(([a, b]) => `${a.slice(0, 50_000)}\u0000${b.slice(0, 50_000)}`);

/** Numbers outside every Int field's range (negative, past 32 and 53 bits, astronomically large). */
export const hostileNumber: fc.Arbitrary<number> = fc.constantFrom(
  -1_000_000_000_000,
  -(2 ** 31) - 1,
  2 ** 31,
  2 ** 53 + 1,
  1e308,
  -1e308,
);

/** Any JSON value built from hostile leaves, never a NUL-free string or an in-range number. */
export const poisonedJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    poisonedText,
    hostileNumber,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileText.filter((k) => k.length < 60), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Bodies that are not JSON at all. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '\u0000', '{"a":"\uD800"', '\uFEFF{"a":1}x'),
  hostileText.map((t) => `{${t}`),
);

/** A path segment from any string, percent-encoded byte by byte (lone surrogates become U+FFFD). */
export function pathSegment(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length === 0 ? '%20' : [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Every table of the public schema but `skip`: its row count and an md5 of its rows. */
export async function tableFingerprints(orm: MikroORM, skip: readonly string[]): Promise<Record<string, string>> {
  const conn = orm.em.getConnection();
  const tables = (await conn.execute<{ name: string }[]>(
    `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  )).map((t) => t.name).filter((name) => !skip.includes(name));
  const out: Record<string, string> = {};
  for (const name of tables) {
    const [row] = await conn.execute<{ n: string; sum: string | null }[]>(
      `select count(*)::text as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from "${name}" t`,
    );
    out[name] = `${row!.n}:${row!.sum}`;
  }
  return out;
}

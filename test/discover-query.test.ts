import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors.ts';
import {
  compileDiscoverQuery,
  DiscoverQuerySyntaxError,
  MAX_DEPTH,
  MAX_TERMS,
  type CompiledQuery,
} from '../src/services/events/discover-query/index.ts';

const WORD = "e.search @@ plainto_tsquery('simple', ?)";
const PHRASE = "e.search @@ phraseto_tsquery('simple', ?)";

/** Compiles and checks the invariants every result must hold: one param per `?`, no arrays. */
function compile(q: string): Omit<CompiledQuery, 'fullText'> {
  const { sql, params } = compileDiscoverQuery(q);
  expect(sql.split('?').length - 1).toBe(params.length);
  for (const p of params) expect(Array.isArray(p)).toBe(false);
  return { sql, params };
}

function syntaxError(q: string): DiscoverQuerySyntaxError {
  try {
    compileDiscoverQuery(q);
  } catch (e) {
    if (e instanceof DiscoverQuerySyntaxError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be rejected`);
}

describe('compileDiscoverQuery: terms', () => {
  it.each(['', '   ', '\t\n '])('matches everything for the empty query %j', (q) => {
    expect(compile(q)).toEqual({ sql: 'true', params: [] });
  });

  it('searches a free word with plainto_tsquery and a quoted phrase with phraseto_tsquery', () => {
    expect(compile('brute')).toEqual({ sql: WORD, params: ['brute'] });
    expect(compile('"invalid user"')).toEqual({ sql: PHRASE, params: ['invalid user'] });
  });

  it('flags a query with a full-text term anywhere, negated or not, and no other', () => {
    for (const q of ['brute', 'source:wazuh ("invalid user" OR x)', 'NOT brute']) expect(compileDiscoverQuery(q).fullText, q).toBe(true);
    for (const q of ['', 'source:wazuh severity>=10', 'NOT agent:x*']) expect(compileDiscoverQuery(q).fullText, q).toBe(false);
  });

  it('resolves \\" and \\\\ inside quotes and keeps other backslashes', () => {
    expect(compile(String.raw`"say \"hi\" \\ C:\temp"`).params).toEqual([String.raw`say "hi" \ C:\temp`]);
  });

  it('keeps hyphenated words whole and treats lowercase and/or/not as words', () => {
    expect(compile('vm112-mail').params).toEqual(['vm112-mail']);
    expect(compile('a and b')).toEqual({ sql: `(${WORD} and ${WORD} and ${WORD})`, params: ['a', 'and', 'b'] });
  });

  it.each([
    ['source:wazuh', 'e.source = ?', 'wazuh'],
    ['type:alert.firing', 'e.event_type = ?', 'alert.firing'],
    ['event_type:alert.firing', 'e.event_type = ?', 'alert.firing'],
    ['session:sess-1', 'e.session_id = ?', 'sess-1'],
    ['session_id:sess-1', 'e.session_id = ?', 'sess-1'],
    ['agent:vm112-mail', 'e.agent = ?', 'vm112-mail'],
    ['rule:5712', 'e.rule_id = ?', '5712'],
    ['rule_id:5712', 'e.rule_id = ?', '5712'],
    ['fingerprint:abc123', 'e.fingerprint = ?', 'abc123'],
    ['alertname:KubePodCrashLooping', 'e.alertname = ?', 'KubePodCrashLooping'],
    ['namespace:payments', 'e.namespace = ?', 'payments'],
    ['target:deploy/api', 'e.target_resource = ?', 'deploy/api'],
    ['domain:Example.COM', 'lower(e.domain) = ?', 'example.com'],
    ['chamado:CH-2025-00042', 'e.chamado_id = (select id from chamados where public_id = ?)', 'CH-2025-00042'],
    ['chamado:ch-2025-00042', 'e.chamado_id = (select id from chamados where public_id = ?)', 'CH-2025-00042'],
    ['duplicate:true', 'e.is_duplicate = ?', true],
    ['duplicate:FALSE', 'e.is_duplicate = ?', false],
    ['severity:10', 'e.severity = ?', 10],
    ['id:42', 'e.id = ?', 42],
  ])('%s → %s', (q, sql, param) => {
    expect(compile(q)).toEqual({ sql, params: [param] });
  });

  it('matches field names case-insensitively but keeps values as typed', () => {
    expect(compile('SOURCE:Wazuh')).toEqual({ sql: 'e.source = ?', params: ['Wazuh'] });
    expect(compile('Rule_ID:5712')).toEqual({ sql: 'e.rule_id = ?', params: ['5712'] });
  });

  it('takes "=" as equality on any field', () => {
    expect(compile('source=wazuh')).toEqual({ sql: 'e.source = ?', params: ['wazuh'] });
    expect(compile('severity=7')).toEqual({ sql: 'e.severity = ?', params: [7] });
  });

  it.each([
    ['severity>=10', '>=', 10],
    ['severity>10', '>', 10],
    ['severity<=3', '<=', 3],
    ['severity<3', '<', 3],
    ['severity>=-1', '>=', -1],
  ])('compares numerically: %s', (q, op, value) => {
    expect(compile(q)).toEqual({ sql: `e.severity ${op} ?`, params: [value] });
  });

  it('compares ids and accepts a quoted integer', () => {
    expect(compile('id>100')).toEqual({ sql: 'e.id > ?', params: [100] });
    expect(compile('severity:"12"')).toEqual({ sql: 'e.severity = ?', params: [12] });
  });

  it('takes a quoted field value literally, spaces and all', () => {
    expect(compile('agent:"vm112 mail"')).toEqual({ sql: 'e.agent = ?', params: ['vm112 mail'] });
    expect(compile('source:AND')).toEqual({ sql: 'e.source = ?', params: ['AND'] });
  });
});

describe('compileDiscoverQuery: prefix match', () => {
  it('turns a trailing * into LIKE with the rest escaped', () => {
    expect(compile('agent:vm112*')).toEqual({ sql: 'e.agent like ?', params: ['vm112%'] });
  });

  it('escapes %, _ and \\ so they match themselves', () => {
    expect(compile('agent:100%_x*').params).toEqual([String.raw`100\%\_x%`]);
    expect(compile(String.raw`agent:a\b*`).params).toEqual([String.raw`a\\b%`]);
  });

  it('only treats the last * as a wildcard, and none inside quotes', () => {
    expect(compile('agent:a*b*')).toEqual({ sql: 'e.agent like ?', params: ['a*b%'] });
    expect(compile('agent:"vm*"')).toEqual({ sql: 'e.agent = ?', params: ['vm*'] });
  });

  it('field:* matches any non-null value', () => {
    expect(compile('agent:*')).toEqual({ sql: 'e.agent like ?', params: ['%'] });
  });

  it('lowercases domain prefixes and upper-cases chamado prefixes', () => {
    expect(compile('domain:Example*')).toEqual({ sql: 'lower(e.domain) like ?', params: ['example%'] });
    expect(compile('chamado:ch-2025*')).toEqual({
      sql: 'e.chamado_id in (select id from chamados where public_id like ?)',
      params: ['CH-2025%'],
    });
  });
});

describe('compileDiscoverQuery: boolean structure', () => {
  it('ANDs adjacent terms implicitly, like an explicit AND', () => {
    const implicit = compile('source:wazuh agent:"vm112-mail" severity>=10 rule_id:5712');
    expect(implicit).toEqual({
      sql: '(e.source = ? and e.agent = ? and e.severity >= ? and e.rule_id = ?)',
      params: ['wazuh', 'vm112-mail', 10, '5712'],
    });
    expect(compile('source:wazuh AND agent:"vm112-mail" AND severity>=10 AND rule_id:5712')).toEqual(implicit);
  });

  it('compiles the brief example with grouping and negation', () => {
    expect(compile('(brute OR "invalid user") AND NOT source:sentry')).toEqual({
      sql: `((${WORD} or ${PHRASE}) and not coalesce(e.source = ?, false))`,
      params: ['brute', 'invalid user', 'sentry'],
    });
  });

  it('binds AND tighter than OR', () => {
    expect(compile('a OR b c')).toEqual({ sql: `(${WORD} or (${WORD} and ${WORD}))`, params: ['a', 'b', 'c'] });
    expect(compile('a b OR c')).toEqual({ sql: `((${WORD} and ${WORD}) or ${WORD})`, params: ['a', 'b', 'c'] });
    expect(compile('a AND b OR c AND d').sql).toBe(`((${WORD} and ${WORD}) or (${WORD} and ${WORD}))`);
  });

  it('binds NOT tighter than AND', () => {
    expect(compile('NOT a b')).toEqual({ sql: `(not coalesce(${WORD}, false) and ${WORD})`, params: ['a', 'b'] });
    expect(compile('NOT a OR b').sql).toBe(`(not coalesce(${WORD}, false) or ${WORD})`);
  });

  it('lets parentheses override precedence', () => {
    expect(compile('(a OR b) c')).toEqual({ sql: `((${WORD} or ${WORD}) and ${WORD})`, params: ['a', 'b', 'c'] });
    expect(compile('NOT (a b)').sql).toBe(`not coalesce((${WORD} and ${WORD}), false)`);
  });

  it('flattens nested groups of the same operator', () => {
    expect(compile('a (b (c d))').sql).toBe(`(${WORD} and ${WORD} and ${WORD} and ${WORD})`);
    expect(compile('(a OR b) OR c').sql).toBe(`(${WORD} or ${WORD} or ${WORD})`);
  });

  it('reads -term as NOT, but not inside words or values', () => {
    expect(compile('-source:sentry')).toEqual({ sql: 'not coalesce(e.source = ?, false)', params: ['sentry'] });
    expect(compile('a -(b OR c)').sql).toBe(`(${WORD} and not coalesce((${WORD} or ${WORD}), false))`);
    expect(compile('-"x y"').sql).toBe(`not coalesce(${PHRASE}, false)`);
    expect(compile('--a').sql).toBe(`not coalesce(not coalesce(${WORD}, false), false)`);
    expect(compile('vm112-mail').sql).toBe(WORD);
  });

  it('returns a fragment that can be ANDed into a larger WHERE as is', () => {
    // Every compound result is parenthesised, so `x and <fragment>` cannot re-associate an OR.
    expect(compile('a OR b').sql).toMatch(/^\(.*\)$/);
    expect(compile('a b').sql).toMatch(/^\(.*\)$/);
  });
});

describe('compileDiscoverQuery: syntax errors', () => {
  it('throws a DomainError with code QUERY_SYNTAX and a position', () => {
    const e = syntaxError('severity>=');
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('QUERY_SYNTAX');
    expect(e.position).toBe(10);
    expect(e.message).toBe('expected a value after "severity>=" at position 10');
  });

  it.each([
    // empty value
    ['x severity>=', 12, 'expected a value after "severity>=" at position 12'],
    ['x severity>= 4', 12, 'expected a value after "severity>=" at position 12'],
    ['source: wazuh', 7, 'expected a value after "source:" at position 7'],
    ['source:""', 7, 'expected a value after "source:" at position 7 (the quotes are empty)'],
    ['source:(a)', 7, 'expected a value after "source:" at position 7'],
    // unbalanced parentheses
    ['(a OR b', 0, 'expected ")" to close the "(" opened at position 0'],
    ['a ((b) c', 2, 'expected ")" to close the "(" opened at position 2'],
    ['a OR b)', 6, 'unexpected ")" with no matching "(" at position 6'],
    ['()', 1, 'expected a search term after "(" but found ")" at position 1'],
    [')', 0, 'unexpected ")" with no matching "(" at position 0'],
    // dangling operators
    ['a AND', 5, 'expected a search term after "AND" at position 5'],
    ['a OR ', 5, 'expected a search term after "OR" at position 5'],
    ['NOT', 3, 'expected a search term after "NOT" at position 3'],
    ['a AND )', 6, 'expected a search term after "AND" but found ")" at position 6'],
    ['OR a', 0, 'expected a search term but found "OR" at position 0'],
    ['a OR OR b', 5, 'expected a search term after "OR" but found "OR" at position 5'],
    ['a AND AND b', 6, 'expected a search term after "AND" but found "AND" at position 6'],
    ['(a OR) b', 5, 'expected a search term after "OR" but found ")" at position 5'],
    // unterminated quote
    ['source:wazuh "invalid user', 13, 'expected a closing \'"\' for the quote opened at position 13'],
    ['agent:"vm112', 6, 'expected a closing \'"\' for the quote opened at position 6'],
    // unknown field
    ['source:wazuh colour:red', 13, 'unknown field "colour" at position 13'],
    ['summary:x', 0, 'unknown field "summary" at position 0'],
    // bad number
    ['severity>=high', 10, 'expected an integer after "severity>=" but found "high" at position 10'],
    ['severity:1.5', 9, 'expected an integer after "severity:" but found "1.5" at position 9'],
    ['severity:1*', 9, 'expected an integer after "severity:" but found "1*" at position 9'],
    ['severity>99999999999', 9, 'expected an integer after "severity>" but found "99999999999" at position 9'],
    ['id:9007199254740993', 3, 'expected an integer after "id:" but found "9007199254740993" at position 3'],
    ['duplicate:yes', 10, 'expected true or false after "duplicate:" but found "yes" at position 10'],
    // comparison on a text field
    ['agent>5', 5, 'expected ":" after "agent" but found ">" at position 5'],
    ['a domain<=x', 8, 'expected ":" after "domain" but found "<=" at position 8'],
    ['duplicate>=1', 9, 'expected ":" after "duplicate" but found ">=" at position 9'],
    // misplaced operators and unsearchable text
    [':x', 0, 'expected a search term but found ":" at position 0'],
    ['source :wazuh', 7, 'expected a search term but found ":" at position 7'],
    ['a:b:c', 0, 'unknown field "a" at position 0'],
    ['source:a:b', 8, 'expected a search term but found ":" at position 8'],
    ['a - b', 2, 'expected a search term with a letter or digit but found "-" at position 2'],
    ['""', 0, 'expected a search term with a letter or digit but found "" at position 0'],
    ['brut*', 0, 'expected a whole word but found the prefix search "brut*" at position 0'],
    ['a\0b', 1, 'unexpected NUL character at position 1'],
  ])('%j → position %i', (q, position, message) => {
    const e = syntaxError(q);
    expect(e.position).toBe(position);
    expect(e.message.startsWith(message)).toBe(true);
  });

  it('lists the known fields when a field is unknown', () => {
    expect(syntaxError('colour:red').message).toContain('expected one of: agent, alertname, chamado');
  });

  it('hints at quoting when a value contains a colon', () => {
    expect(syntaxError('source:a:b').message).toContain('put values containing ":" in quotes');
    expect(syntaxError('source :wazuh').message).toContain('no spaces around the operator');
  });
});

describe('compileDiscoverQuery: limits', () => {
  const terms = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

  it(`accepts ${MAX_TERMS} terms and rejects one more at its position`, () => {
    expect(MAX_TERMS).toBe(50);
    expect(compile(terms(MAX_TERMS)).params).toHaveLength(MAX_TERMS);
    const q = terms(MAX_TERMS + 1);
    const e = syntaxError(q);
    expect(e.position).toBe(q.lastIndexOf('w50'));
    expect(e.message).toMatch(/^too many search terms: expected at most 50/);
  });

  it('counts field terms and terms inside groups alike', () => {
    const fields = Array.from({ length: 26 }, (_, i) => `(source:s${i} OR agent:a${i})`).join(' ');
    expect(syntaxError(fields).message).toMatch(/^too many search terms/);
  });

  it(`accepts ${MAX_DEPTH} levels of nesting and rejects the ${MAX_DEPTH + 1}th`, () => {
    expect(MAX_DEPTH).toBe(10);
    expect(compile(`${'('.repeat(MAX_DEPTH)}a${')'.repeat(MAX_DEPTH)}`).sql).toBe(WORD);
    const e = syntaxError(`${'('.repeat(MAX_DEPTH + 1)}a${')'.repeat(MAX_DEPTH + 1)}`);
    expect(e.position).toBe(MAX_DEPTH);
    expect(e.message).toMatch(/^nested too deeply/);
  });

  it('counts NOT and - as nesting, so a chain of negations cannot exhaust the stack', () => {
    expect(compile(`${'-'.repeat(MAX_DEPTH)}a`).params).toEqual(['a']);
    expect(syntaxError(`${'NOT '.repeat(MAX_DEPTH + 1)}a`).position).toBe(MAX_DEPTH * 4);
    expect(syntaxError(`${'NOT ('.repeat(6)}a${')'.repeat(6)}`).message).toMatch(/^nested too deeply/);
    expect(syntaxError(`${'-'.repeat(100_000)}a`).position).toBe(MAX_DEPTH);
  });

  it('rejects a huge query at the first limit without choking', () => {
    const started = performance.now();
    const e = syntaxError('a '.repeat(500_000));
    expect(e.position).toBe(100);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('compileDiscoverQuery: injection attempts stay in params', () => {
  it.each([
    ["source:\"wazuh' or '1'='1\"", 'e.source = ?', "wazuh' or '1'='1"],
    ["\"'); drop table events; --\"", PHRASE, "'); drop table events; --"],
    ["x';drop table events;--", WORD, "x';drop"],
    ['agent:"?"', 'e.agent = ?', '?'],
    ['agent:$1', 'e.agent = ?', '$1'],
  ])('%s', (q, leaf, firstParam) => {
    const { sql, params } = compile(q);
    expect(sql).toContain(leaf);
    expect(params[0]).toBe(firstParam);
    expect(sql).not.toMatch(/drop|'1'|\$1/i);
  });

  it('never lets user text into the SQL: only whitelisted fragments and keywords remain', () => {
    const hostile = [
      'source:wazuh" or true --"',
      '(agent:"a\\" or 1=1 --" OR "\'\'x") -domain:"x\') or (\'1\'=\'1"',
      "chamado:\"x') or 1=1 --\" rule:'5712' severity>=0",
      'agent:%_*  namespace:"a;b" target:`whoami`',
    ];
    const allowed =
      /^(?:\s|[()?,]|and|or|not|coalesce|false|like|[<>]=?|=|e\.search @@ (?:plain|phrase)to_tsquery\('simple'|lower\(e\.domain\)|e\.[a-z_]+|select id from chamados where public_id|in)+$/;
    for (const q of hostile) {
      const { sql, params } = compile(q);
      expect(sql).toMatch(allowed);
      expect(params.length).toBeGreaterThan(0);
    }
  });

  it('rejects SQL-looking field names instead of using them', () => {
    expect(syntaxError('e.source;drop:1').message).toMatch(/^unknown field "e\.source;drop"/);
    expect(syntaxError('severity>=1;drop').message).toMatch(/^expected an integer/);
  });
});

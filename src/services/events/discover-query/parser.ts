import { DiscoverQuerySyntaxError } from './errors.ts';
import { Lexer, type ComparisonOp, type Token } from './lexer.ts';

/** Abuse limits: a query past them is rejected before any SQL exists. */
export const MAX_TERMS = 50;
/** Parentheses and negations both count: each is one level of recursion here and in compile. */
export const MAX_DEPTH = 10;

/**
 * The fields the language knows and the type of their values. The parser checks values against
 * these types, so the AST only holds well-typed values and compile.ts only has to choose SQL.
 */
const FIELD_TYPES = {
  source: 'text',
  event_type: 'text',
  domain: 'text',
  session_id: 'text',
  agent: 'text',
  rule_id: 'text',
  severity: 'int32',
  fingerprint: 'text',
  alertname: 'text',
  namespace: 'text',
  target: 'text',
  chamado: 'text',
  duplicate: 'boolean',
  id: 'int53',
} as const;

export type FieldName = keyof typeof FIELD_TYPES;
type FieldsOfType<T> = { [F in FieldName]: (typeof FIELD_TYPES)[F] extends T ? F : never }[FieldName];
export type TextField = FieldsOfType<'text'>;
export type IntegerField = FieldsOfType<'int32' | 'int53'>;

/** Other spellings users reach for (Wazuh and our column names); looked up lowercased. */
const FIELD_ALIASES: Record<string, FieldName> = { type: 'event_type', session: 'session_id', rule: 'rule_id' };

/** Shown in the unknown-field message; aliases included because people type them. */
const KNOWN_FIELD_NAMES = [...Object.keys(FIELD_TYPES), ...Object.keys(FIELD_ALIASES)].sort().join(', ');

const INTEGER_RANGE = {
  // severity is an `integer` column: a wider literal would be a PostgreSQL error, not a miss.
  int32: { min: -2_147_483_648, max: 2_147_483_647 },
  // ids are bigint columns read as JS numbers (entities/event.entity.ts), so safe integers only.
  int53: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
} as const;

export type QueryNode =
  | { kind: 'and' | 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode }
  /** Full-text: `words` for a bare word, `phrase` for "quoted words" (order matters). */
  | { kind: 'search'; mode: 'words' | 'phrase'; text: string }
  /** Text field equality, or a prefix match for an unquoted value ending in `*` (value without it). */
  | { kind: 'match'; field: TextField; value: string; prefix: boolean }
  | { kind: 'compare'; field: IntegerField; op: '=' | '<' | '<=' | '>' | '>='; value: number }
  | { kind: 'flag'; field: 'duplicate'; value: boolean };

const RANGE_OPS = new Set<ComparisonOp>(['<', '<=', '>', '>=']);

function describe(token: Token): string {
  switch (token.kind) {
    case 'word':
      return `"${token.text}"`;
    case 'phrase':
      return 'a quoted phrase';
    case 'op':
      return `"${token.op}"`;
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'minus':
      return '"-"';
  }
}

function isKeyword(token: Token | null, keyword: 'AND' | 'OR' | 'NOT'): boolean {
  return token?.kind === 'word' && token.text === keyword;
}

/** Parses a whole query; null for an empty (or whitespace-only) one. */
export function parseDiscoverQuery(input: string): QueryNode | null {
  return new Parser(input).parse();
}

/**
 * Recursive descent over: or := and ("OR" and)* ; and := not (["AND"] not)* ;
 * not := ("NOT" | "-") not | primary ; primary := "(" or ")" | term.
 */
class Parser {
  readonly #input: string;
  readonly #lexer: Lexer;
  /** The last consumed token, to explain errors about what came right before. */
  #last: Token | null = null;
  #terms = 0;
  #depth = 0;
  /** Parentheses open right now, to tell `()` (empty group) from `)` (nothing to close). */
  #openParens = 0;

  constructor(input: string) {
    this.#input = input;
    this.#lexer = new Lexer(input);
  }

  parse(): QueryNode | null {
    if (this.#lexer.peek() === null) return null;
    const node = this.#or();
    // #and stops only at the end, at "OR" (which #or consumes) or at ")"; a ")" here has no "(".
    const stray = this.#lexer.peek();
    if (stray) throw new DiscoverQuerySyntaxError(`unexpected ${describe(stray)} with no matching "("`, stray.start);
    return node;
  }

  #next(): Token | null {
    const token = this.#lexer.next();
    if (token) this.#last = token;
    return token;
  }

  #or(after?: Token): QueryNode {
    const children = [this.#and(after)];
    while (isKeyword(this.#lexer.peek(), 'OR')) {
      const operator = this.#next()!;
      children.push(this.#and(operator));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  /** `after` is the operator that demanded this operand, named in the error if it is missing. */
  #and(after?: Token): QueryNode {
    const children = [this.#not(after)];
    for (;;) {
      const token = this.#lexer.peek();
      if (token === null || token.kind === 'rparen' || isKeyword(token, 'OR')) break;
      if (isKeyword(token, 'AND')) children.push(this.#not(this.#next()!));
      else children.push(this.#not()); // implicit AND between adjacent terms
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  #not(after?: Token): QueryNode {
    const token = this.#lexer.peek();
    if (token?.kind === 'minus' || isKeyword(token, 'NOT')) {
      this.#next();
      this.#enter(token!);
      const child = this.#not(token!);
      this.#depth--;
      return { kind: 'not', child };
    }
    return this.#primary(after);
  }

  #primary(after?: Token): QueryNode {
    const token = this.#lexer.peek();
    const expected = after ? `expected a search term after ${describe(after)}` : 'expected a search term';
    if (token === null) throw new DiscoverQuerySyntaxError(expected, this.#input.length);

    if (token.kind === 'lparen') {
      this.#next();
      this.#enter(token);
      this.#openParens++;
      const node = this.#or(token);
      const close = this.#next();
      // #or only stops at ")" or at the end of the input.
      if (close?.kind !== 'rparen') throw new DiscoverQuerySyntaxError('expected ")" to close the "(" opened', token.start);
      this.#openParens--;
      this.#depth--;
      return node;
    }
    if (token.kind === 'rparen' && this.#openParens === 0 && after === undefined) {
      throw new DiscoverQuerySyntaxError('unexpected ")" with no matching "("', token.start);
    }
    if (token.kind === 'word' || token.kind === 'phrase') {
      if (!isKeyword(token, 'AND') && !isKeyword(token, 'OR') && !isKeyword(token, 'NOT')) return this.#term();
      throw new DiscoverQuerySyntaxError(
        `${expected} but found ${describe(token)}`,
        token.start,
        `quote it ("${token.text}") to search for the word itself`,
      );
    }
    if (token.kind === 'op') {
      const glued = this.#last !== null && this.#last.end === token.start;
      throw new DiscoverQuerySyntaxError(
        `${expected} but found ${describe(token)}`,
        token.start,
        glued ? `put values containing "${token.op}" in quotes` : 'write field:value with no spaces around the operator',
      );
    }
    throw new DiscoverQuerySyntaxError(`${expected} but found ${describe(token)}`, token.start);
  }

  /** A free word, a "phrase", or field<op>value (all three parts touching). */
  #term(): QueryNode {
    const token = this.#next()!;
    if (++this.#terms > MAX_TERMS) {
      throw new DiscoverQuerySyntaxError(`too many search terms: expected at most ${MAX_TERMS}, the next one starts`, token.start);
    }
    if (token.kind === 'phrase') {
      this.#requireSearchable(token.text, token.start);
      return { kind: 'search', mode: 'phrase', text: token.text };
    }
    if (token.kind !== 'word') throw new Error('unreachable: #term called on a non-term token');

    const op = this.#lexer.peek();
    if (op?.kind === 'op' && op.start === token.end) {
      this.#next();
      return this.#fieldTerm(token, op);
    }
    if (token.text.endsWith('*')) {
      throw new DiscoverQuerySyntaxError(
        `expected a whole word but found the prefix search ${describe(token)}`,
        token.start,
        'prefix search works on field values, e.g. agent:vm112*',
      );
    }
    this.#requireSearchable(token.text, token.start);
    return { kind: 'search', mode: 'words', text: token.text };
  }

  #fieldTerm(name: Token & { kind: 'word' }, op: Token & { kind: 'op' }): QueryNode {
    const lowered = name.text.toLowerCase();
    const field: FieldName | undefined = Object.hasOwn(FIELD_TYPES, lowered)
      ? (lowered as FieldName)
      : FIELD_ALIASES[lowered];
    if (field === undefined) {
      throw new DiscoverQuerySyntaxError(`unknown field "${name.text}"`, name.start, `expected one of: ${KNOWN_FIELD_NAMES}`);
    }
    const spelled = `"${name.text}${op.op}"`;

    const value = this.#lexer.peek();
    if (value === null || value.start !== op.end || (value.kind !== 'word' && value.kind !== 'phrase')) {
      throw new DiscoverQuerySyntaxError(`expected a value after ${spelled}`, op.end);
    }
    this.#next();
    if (value.text === '') {
      throw new DiscoverQuerySyntaxError(`expected a value after ${spelled}`, value.start, 'the quotes are empty');
    }

    const type = FIELD_TYPES[field];
    if (type === 'text' || type === 'boolean') {
      if (RANGE_OPS.has(op.op)) {
        throw new DiscoverQuerySyntaxError(
          `expected ":" after "${name.text}" but found "${op.op}"`,
          op.start,
          `"${name.text}" is not numeric; only severity and id take <, <=, > and >=`,
        );
      }
      if (type === 'boolean') {
        const word = value.text.toLowerCase();
        if (word !== 'true' && word !== 'false') {
          throw new DiscoverQuerySyntaxError(`expected true or false after ${spelled} but found "${value.text}"`, value.start);
        }
        return { kind: 'flag', field: 'duplicate', value: word === 'true' };
      }
      // A `*` is a wildcard only unquoted: quoting is how to search for a literal trailing star.
      const prefix = value.kind === 'word' && value.text.endsWith('*');
      return { kind: 'match', field: field as TextField, value: prefix ? value.text.slice(0, -1) : value.text, prefix };
    }

    const { min, max } = INTEGER_RANGE[type];
    const number = /^-?\d+$/.test(value.text) ? Number(value.text) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new DiscoverQuerySyntaxError(
        `expected an integer after ${spelled} but found "${value.text}"`,
        value.start,
        /^-?\d+$/.test(value.text) ? `out of range ${min}..${max}` : undefined,
      );
    }
    return { kind: 'compare', field: field as IntegerField, op: op.op === ':' ? '=' : op.op, value: number };
  }

  /**
   * plainto_tsquery drops punctuation, so text without a letter or digit becomes an empty query
   * that silently matches nothing; saying so beats an empty result the user cannot explain.
   */
  #requireSearchable(text: string, position: number): void {
    if (!/[\p{L}\p{N}]/u.test(text)) {
      throw new DiscoverQuerySyntaxError(`expected a search term with a letter or digit but found "${text}"`, position);
    }
  }

  #enter(token: Token): void {
    if (++this.#depth > MAX_DEPTH) {
      throw new DiscoverQuerySyntaxError(
        `nested too deeply: expected at most ${MAX_DEPTH} levels of parentheses and NOT, the next one starts`,
        token.start,
      );
    }
  }
}

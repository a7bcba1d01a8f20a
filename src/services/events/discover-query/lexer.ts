import { DiscoverQuerySyntaxError } from './errors.ts';

export type ComparisonOp = ':' | '=' | '<' | '<=' | '>' | '>=';

/**
 * Tokens carry their [start, end) offsets: the parser needs them for error positions and to tell
 * `severity>=10` (one comparison) from `severity >= 10` (adjacency is part of the syntax).
 * Keywords (AND, OR, NOT) are left as words: whether `AND` is an operator or a value depends on
 * where it stands (`source:AND` is a value), which only the parser knows.
 */
export type Token =
  | { kind: 'word'; text: string; start: number; end: number }
  /** A "quoted phrase"; `text` is the content with escapes resolved, `start` is the opening quote. */
  | { kind: 'phrase'; text: string; start: number; end: number }
  | { kind: 'op'; op: ComparisonOp; start: number; end: number }
  | { kind: 'lparen' | 'rparen' | 'minus'; start: number; end: number };

/** Characters that end an unquoted word: they start another token. */
const WORD_BREAK = new Set(['(', ')', '"', ':', '=', '<', '>']);

function isSpace(ch: string): boolean {
  return /\s/.test(ch);
}

/**
 * An on-demand tokenizer: the parser pulls tokens one at a time, so a query that trips a limit or
 * an error early is never scanned to its end (an abusive megabyte of input costs only up to the
 * first problem).
 */
export class Lexer {
  readonly #input: string;
  #pos = 0;
  #peeked: Token | null | undefined = undefined;
  /** True where a term may begin: at the start, after whitespace, "(" or a NOT-minus. */
  #atTermStart = true;

  constructor(input: string) {
    this.#input = input;
  }

  /** The next token without consuming it; null at the end of the input. */
  peek(): Token | null {
    if (this.#peeked === undefined) this.#peeked = this.#scan();
    return this.#peeked;
  }

  next(): Token | null {
    const token = this.peek();
    this.#peeked = undefined;
    return token;
  }

  #scan(): Token | null {
    const s = this.#input;
    while (this.#pos < s.length && isSpace(s[this.#pos]!)) {
      this.#pos++;
      this.#atTermStart = true;
    }
    if (this.#pos >= s.length) return null;

    const start = this.#pos;
    const ch = s[start]!;
    const atTermStart = this.#atTermStart;
    this.#atTermStart = false;

    // PostgreSQL text cannot hold NUL; refusing it here keeps it from becoming a driver error.
    if (ch === '\0') throw new DiscoverQuerySyntaxError('unexpected NUL character', start);

    if (ch === '(') {
      this.#pos++;
      this.#atTermStart = true;
      return { kind: 'lparen', start, end: this.#pos };
    }
    if (ch === ')') {
      this.#pos++;
      return { kind: 'rparen', start, end: this.#pos };
    }
    if (ch === '"') return this.#phrase(start);
    if (ch === ':' || ch === '=') {
      this.#pos++;
      return { kind: 'op', op: ch, start, end: this.#pos };
    }
    if (ch === '<' || ch === '>') {
      const op = s[start + 1] === '=' ? (`${ch}=` as const) : ch;
      this.#pos += op.length;
      return { kind: 'op', op, start, end: this.#pos };
    }
    // `-term` negates only where a term begins and a term follows at once, so `vm112-mail`,
    // `severity>=-1` and a lone ` - ` stay ordinary text.
    const following = s[start + 1];
    if (ch === '-' && atTermStart && following !== undefined && !isSpace(following) && following !== ')') {
      this.#pos++;
      this.#atTermStart = true;
      return { kind: 'minus', start, end: this.#pos };
    }

    let end = start;
    while (end < s.length && !isSpace(s[end]!) && !WORD_BREAK.has(s[end]!) && s[end] !== '\0') end++;
    this.#pos = end;
    return { kind: 'word', text: s.slice(start, end), start, end };
  }

  /**
   * Inside quotes a backslash escapes `"` and `\`; any other backslash is kept as is, so Windows
   * paths and regex-looking text can be pasted without doubling every backslash.
   */
  #phrase(start: number): Token {
    const s = this.#input;
    let text = '';
    let i = start + 1;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '"') {
        this.#pos = i + 1;
        return { kind: 'phrase', text, start, end: this.#pos };
      }
      if (c === '\0') throw new DiscoverQuerySyntaxError('unexpected NUL character', i);
      if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
        text += s[i + 1];
        i += 2;
        continue;
      }
      text += c;
      i++;
    }
    throw new DiscoverQuerySyntaxError('expected a closing \'"\' for the quote opened', start);
  }
}

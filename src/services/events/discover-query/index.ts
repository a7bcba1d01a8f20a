/**
 * The Discover feed's query language (KQL-like): `source:wazuh severity>=10 (brute OR "invalid user")`.
 * Pure: it turns the text into a parameterised WHERE fragment over `events e` and touches no database.
 * lexer.ts → tokens, parser.ts → typed AST (field whitelist, value checks, limits), compile.ts → SQL.
 */
import { compileQueryNode, type CompiledQuery } from './compile.ts';
import { parseDiscoverQuery } from './parser.ts';

export { DiscoverQuerySyntaxError } from './errors.ts';
export { MAX_DEPTH, MAX_TERMS } from './parser.ts';
export type { CompiledQuery } from './compile.ts';

/**
 * Compiles a Discover query into `{ sql, params }` for `em.execute` (`?` placeholders). An empty or
 * whitespace-only query matches everything (`true`). Throws DiscoverQuerySyntaxError with the
 * offending position for anything it cannot read.
 */
export function compileDiscoverQuery(q: string): CompiledQuery {
  return compileQueryNode(parseDiscoverQuery(q));
}

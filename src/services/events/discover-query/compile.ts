import type { QueryNode, TextField } from './parser.ts';

export interface CompiledQuery {
  /** A WHERE fragment over `events e`; safe to AND into a larger condition without extra parentheses. */
  sql: string;
  /** One value per `?`, in order. Never an array: MikroORM would expand it into a list. */
  params: unknown[];
  /** It holds a full-text term, whose selectivity the planner cannot judge (listEvents pages it in id ranges). */
  fullText: boolean;
}

/**
 * Text fields and the SQL they compare. Only these constant strings reach the SQL text; every value
 * the user typed goes into `params`.
 */
const TEXT_COLUMNS: Record<Exclude<TextField, 'chamado'>, string> = {
  source: 'e.source',
  event_type: 'e.event_type',
  // Senders differ in case (EXAMPLE.com vs example.com); the value is lowercased before binding.
  domain: 'lower(e.domain)',
  session_id: 'e.session_id',
  agent: 'e.agent',
  rule_id: 'e.rule_id',
  fingerprint: 'e.fingerprint',
  alertname: 'e.alertname',
  namespace: 'e.namespace',
  target: 'e.target_resource',
};

const INTEGER_COLUMNS = { severity: 'e.severity', id: 'e.id' } as const;

/**
 * Backslash is PostgreSQL's default LIKE escape. The fragment does not spell `escape '\'` because
 * that literal would depend on standard_conforming_strings; the default does not.
 */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function compileQueryNode(node: QueryNode | null): CompiledQuery {
  if (node === null) return { sql: 'true', params: [], fullText: false };
  const params: unknown[] = [];
  return { sql: emit(node, params), params, fullText: hasSearch(node) };
}

function hasSearch(node: QueryNode): boolean {
  if (node.kind === 'search') return true;
  if (node.kind === 'and' || node.kind === 'or') return node.children.some(hasSearch);
  return node.kind === 'not' && hasSearch(node.child);
}

/** `a AND (b AND c)` is `a AND b AND c`: flattened, the SQL stays readable in logs and EXPLAIN. */
function operands(kind: 'and' | 'or', children: QueryNode[]): QueryNode[] {
  return children.flatMap((c) => (c.kind === kind ? operands(kind, c.children) : [c]));
}

/** Appends to `params` in the order the `?`s appear in the returned text. */
function emit(node: QueryNode, params: unknown[]): string {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = operands(node.kind, node.children).map((c) => emit(c, params));
      return `(${parts.join(` ${node.kind} `)})`;
    }
    case 'not':
      // A comparison with a NULL column is NULL, and NOT NULL is NULL too: without the coalesce,
      // `NOT domain:x` would also drop every event that has no domain. Treat "unknown" as "no match".
      return `not coalesce(${emit(node.child, params)}, false)`;
    case 'search':
      params.push(node.text);
      return node.mode === 'phrase'
        ? `e.search @@ phraseto_tsquery('simple', ?)`
        : `e.search @@ plainto_tsquery('simple', ?)`;
    case 'match': {
      if (node.field === 'chamado') {
        // Public ids are generated in upper case (CH-2025-00042); accept them typed in any case.
        const value = node.value.toUpperCase();
        if (node.prefix) {
          params.push(`${escapeLike(value)}%`);
          return 'e.chamado_id in (select id from chamados where public_id like ?)';
        }
        params.push(value);
        return 'e.chamado_id = (select id from chamados where public_id = ?)';
      }
      const value = node.field === 'domain' ? node.value.toLowerCase() : node.value;
      const column = TEXT_COLUMNS[node.field];
      if (node.prefix) {
        params.push(`${escapeLike(value)}%`);
        return `${column} like ?`;
      }
      params.push(value);
      return `${column} = ?`;
    }
    case 'compare':
      params.push(node.value);
      return `${INTEGER_COLUMNS[node.field]} ${node.op} ?`;
    case 'flag':
      params.push(node.value);
      return 'e.is_duplicate = ?';
  }
}

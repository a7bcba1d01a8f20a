import { isDeepStrictEqual } from 'node:util';

/**
 * The `list` scenario's document on PostGraphile, field for field the contract's OpsGraph query:
 * aliases give it OpsGraph's field names, the orders are OpsGraph's (chamados newest first by id,
 * observables and timeline oldest first by id), and only the nested lists keep PostGraphile's
 * `nodes` wrapper (POSTGRAPHILE_LIST_CHECK unwraps it).
 */
export const POSTGRAPHILE_LIST_QUERY = /* GraphQL */ `query ChamadoList {
  chamados: allChamados(first: 50, orderBy: [ROW_ID_DESC]) {
    totalCount
    edges { node {
      publicId status title domain maxSeverity eventCount createdAt updatedAt
      assignee: userByAssigneeId { username fullName }
      observables: observablesByChamadoId(orderBy: [ROW_ID_ASC]) { nodes { tipo valor } }
      timeline: timelineEntriesByChamadoId(orderBy: [ROW_ID_ASC]) { nodes { kind eventType summary createdAt } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface ListCheck {
  same: boolean;
  /** Chamados compared (the page size). */
  rows: number;
  /** Where the two first differ (a path and both values), when they do. */
  difference?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Whether OpsGraph's and PostGraphile's answers to the list query carry the same data: the same
 * chamados in the same order with the same fields, assignee, observables and timeline, the same
 * totalCount and hasNextPage. Cursors are compared only for presence (each server encodes its own),
 * timestamps as instants to the millisecond (OpsGraph's DateTime has milliseconds, PostgreSQL's
 * text keeps microseconds).
 */
export function POSTGRAPHILE_LIST_CHECK(opsgraphResponse: unknown, postgraphileResponse: unknown): ListCheck {
  let ours: Json;
  let theirs: Json;
  try {
    ours = normalise(opsgraphResponse, 'opsgraph');
    theirs = normalise(postgraphileResponse, 'postgraphile');
  } catch (error) {
    return { same: false, rows: 0, difference: (error as Error).message };
  }
  const rows = (ours as { rows: Json[] }).rows.length;
  const difference = firstDifference(ours, theirs, '$');
  return difference === null ? { same: true, rows } : { same: false, rows, difference };
}

function normalise(response: unknown, side: 'opsgraph' | 'postgraphile'): Json {
  const body = response as { data?: { chamados?: Connection }; errors?: unknown };
  if (body?.errors) throw new Error(`${side} answered errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
  const connection = body?.data?.chamados;
  if (!connection || !Array.isArray(connection.edges)) throw new Error(`${side} answered no data.chamados.edges`);
  const list = (value: unknown): Record<string, Json>[] => {
    const items = side === 'postgraphile' ? (value as { nodes?: unknown } | null)?.nodes : value;
    if (!Array.isArray(items)) throw new Error(`${side}: a nested list is missing`);
    return items as Record<string, Json>[];
  };
  return {
    totalCount: connection.totalCount,
    hasNextPage: connection.pageInfo?.hasNextPage ?? null,
    hasEndCursor: connection.edges.length === 0 || typeof connection.pageInfo?.endCursor === 'string',
    rows: connection.edges.map(({ node }) => ({
      ...pick(node, ['publicId', 'status', 'title', 'domain', 'maxSeverity', 'eventCount']),
      createdAt: instant(node.createdAt),
      updatedAt: instant(node.updatedAt),
      assignee: node.assignee === null ? null : { username: node.assignee.username, fullName: node.assignee.fullName },
      observables: list(node.observables).map((o) => ({ tipo: o.tipo ?? null, valor: o.valor ?? null })),
      timeline: list(node.timeline).map((t) => ({
        kind: t.kind ?? null,
        eventType: t.eventType ?? null,
        summary: t.summary ?? null,
        createdAt: instant(t.createdAt),
      })),
    })),
  };
}

interface Connection {
  totalCount: Json;
  pageInfo?: { hasNextPage?: Json; endCursor?: Json };
  edges: { node: Record<string, Json> & { assignee: { username: Json; fullName: Json } | null } }[];
}

function pick(row: Record<string, Json>, keys: string[]): Record<string, Json> {
  return Object.fromEntries(keys.map((key) => [key, row[key] ?? null]));
}

/** Milliseconds since the epoch, microseconds cut (not rounded), as pg's own Date parsing does. */
function instant(value: Json | undefined): Json {
  if (typeof value !== 'string') return value ?? null;
  const cut = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(cut);
  return Number.isNaN(ms) ? value : ms;
}

function firstDifference(a: Json, b: Json, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i]!, b[i]!, `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key] ?? null, b[key] ?? null, `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path}: opsgraph ${JSON.stringify(a)?.slice(0, 200)} vs postgraphile ${JSON.stringify(b)?.slice(0, 200)}`;
}

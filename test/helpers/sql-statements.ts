import { expect } from 'vitest';
import type { TestServer, TestUser } from './server.ts';

type Json = Record<string, any>;

/**
 * Runs one GraphQL operation and returns what it cost in SQL statements (the server's
 * `X-Sql-Statements` header, outside production) with its data. N+1 guards compare two of these,
 * so the operation must succeed and the header must be there: otherwise equal counts prove nothing.
 */
export async function statementsOf(
  server: TestServer,
  query: string,
  variables: Json,
  as: TestUser = 'viewer',
): Promise<{ statements: number; data: Json }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(as)}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Json; errors?: unknown };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  const header = res.headers.get('x-sql-statements');
  expect(header, 'X-Sql-Statements header').toMatch(/^\d+$/);
  return { statements: Number(header), data: body.data! };
}

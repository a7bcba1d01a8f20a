import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { expect, inject } from 'vitest';
import { startServer, type RunningServer } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

export type TestUser = 'admin' | 'lead' | 'lead2' | 'ops' | 'viewer' | 'disabled';

export interface TestServer extends RunningServer {
  /** Logs in once per user (through the real login mutation) and caches the token. */
  token: (user: TestUser) => Promise<string>;
  /** POSTs a GraphQL operation; `as` signs it as that user. Returns the parsed JSON body. */
  gql: <R = any, V = Record<string, unknown>>(
    query: string | DocumentTypeDecoration<R, V>,
    variables?: V,
    opts?: { as?: TestUser; token?: string },
  ) => Promise<{ data?: R; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  /** Calls a REST path; returns status and parsed JSON body. */
  rest: (
    method: string,
    path: string,
    opts?: { as?: TestUser; token?: string; body?: unknown; rawBody?: string },
  ) => Promise<{ status: number; body: any; headers: Headers }>;
}

/** Starts the real server on a random port against this run's throwaway database. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const running = await startServer(config, createLogger(config.logLevel));
  const tokens = new Map<TestUser, string>();

  const authHeader = async (opts?: { as?: TestUser; token?: string }): Promise<Record<string, string>> => {
    const token = opts?.token ?? (opts?.as ? await server.token(opts.as) : undefined);
    return token ? { authorization: `Bearer ${token}` } : {};
  };

  const server: TestServer = {
    ...running,
    async token(user) {
      const cached = tokens.get(user);
      if (cached) return cached;
      const res = await server.gql<{ login: { token?: string; code?: string } }>(
        'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { code } } }',
        { u: user, p: `opsgraph-${user}` },
      );
      const token = res.data?.login.token;
      if (!token) throw new Error(`login as ${user} failed: ${JSON.stringify(res)}`);
      tokens.set(user, token);
      return token;
    },
    async gql(query, variables, opts) {
      const res = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(await authHeader(opts)) },
        body: JSON.stringify({ query: String(query), variables }),
      });
      return res.json() as never;
    },
    async rest(method, path, opts) {
      const body = opts?.rawBody ?? (opts?.body === undefined ? undefined : JSON.stringify(opts.body));
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(await authHeader(opts)) },
        body,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // non-JSON bodies are returned as text so a test can say what it got
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
  return server;
}

/** A value unique to this test run, for isolating fixtures in the shared test database. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The data of an operation that must succeed, run as `as` (admin by default); its errors fail the test. */
export async function dataOf(server: TestServer, query: string, variables: Record<string, unknown> = {}, as: TestUser = 'admin'): Promise<Record<string, any>> {
  const res = await server.gql(query, variables, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as Record<string, any>;
}

/**
 * POSTs these exact bytes to a webhook receiver (`path` may carry `?project_id=`) with exactly
 * these headers; the body comes back parsed, or as text so a failing assertion shows it.
 */
export async function postWebhookBytes(target: TestServer, path: string, raw: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${target.url}/api/v1/webhooks/${path}`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

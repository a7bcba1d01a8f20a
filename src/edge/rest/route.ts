import { parse, type DocumentNode } from 'graphql';
import type { z } from 'zod';
import { fromTypedError, RestError } from './errors.ts';

/** What a route's handler receives, already parsed and validated. */
export interface RestInput<B> {
  params: Record<string, string>;
  query: URLSearchParams;
  body: B;
}

/**
 * One legacy REST path: the GraphQL operation it runs against the shared schema, how request
 * parts become variables, and how the result becomes the documented JSON. Adding a path is
 * adding one of these to a table.
 */
export interface RestRoute<B = unknown> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  document: DocumentNode;
  /** Served without a signed-in user (the login path); every other route answers 401 first. */
  public?: boolean;
  /**
   * Served to the holder of the operator key (X-Operator-Key) instead of a user: 401 without it,
   * 403 with a wrong one, before the body is read. The operation's own `operator` scope says the same.
   */
  operator?: boolean;
  /** Body schema for POST/PATCH; a failing body is a 400 that lists the problems. */
  body?: z.ZodType<B>;
  /**
   * `fastapi` (spec 002's paths): a failing or non-JSON body, and BAD_USER_INPUT from the
   * operation, are a 422 in FastAPI's shape (fastapi-validation.ts) instead of this API's 400.
   */
  validation?: 'fastapi';
  variables: (input: RestInput<B>) => Record<string, unknown>;
  /** Turns `data` into [status, json]; throws RestError for typed errors found in the data. */
  respond: (data: Record<string, unknown>, input: RestInput<B>) => [number, unknown];
}

export function route<B>(def: RestRoute<B>): RestRoute<B> {
  return def;
}

/** Parses an operation once, at import; interpolations splice shared selection sets. */
export const gql = (strings: TemplateStringsArray, ...parts: string[]): DocumentNode =>
  parse(strings.reduce((acc, s, i) => acc + s + (parts[i] ?? ''), ''));

/** Compiles `/api/v1/chamados/:publicId` into a matcher returning the named params. */
export function compilePath(path: string): (pathname: string) => Record<string, string> | null {
  const names: string[] = [];
  const pattern = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}/?$`);
  return (pathname) => {
    const match = regex.exec(pathname);
    if (!match) return null;
    try {
      return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
    } catch {
      return null; // malformed percent-encoding names nothing: a 404, not an uncaught URIError
    }
  };
}

/** Reads an optional integer query parameter within bounds, or fails with a 400. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RestError(400, 'BAD_REQUEST', `${name} must be an integer between ${min} and ${max}`);
  }
  return n;
}

/** Throws the typed error a mutation returned as data, if it returned one. */
export function unwrap<T extends Record<string, unknown>>(result: unknown): T {
  const value = result as T & { code?: string; message?: string };
  if (value && typeof value.code === 'string' && typeof value.message === 'string') {
    throw fromTypedError(value as { code: string; message: string });
  }
  return value;
}

import type { GraphQLError } from 'graphql';
import { z } from 'zod';
import { RestError } from './errors.ts';
import { snakeCase } from './snake-case.ts';

/*
 * Spec 002's paths answer bad input as its FastAPI reference does: 422 with a `detail` list of
 * pydantic errors (`type`, `loc`, `msg`, `input`, `ctx`), plus our own `error` and `message`, so
 * a console written against the reference reads the same body. Only the error types those paths
 * can produce are spelled here.
 */

interface FastApiDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** The 422 answer for one or more problems. */
function fastApiError(detail: FastApiDetail[]): RestError {
  const message = detail.map((d) => `${d.loc.slice(1).join('.') || d.loc[0]}: ${d.msg}`).join('; ');
  return new RestError(422, 'VALIDATION_FAILED', message, { detail });
}

const plural = (n: number) => (n === 1 ? '' : 's');

/** pydantic's list of allowed literals: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`. */
function expectedLiterals(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** `Query(default, ge=…, le=…)` of an integer. */
export interface IntBounds {
  default: number;
  ge: number;
  le: number;
}

/** What Python's UUID() takes: hex with or without hyphens, optionally in braces or after `urn:uuid:`. */
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * Reads query parameters the way FastAPI's `Query(...)` declarations do, collecting every problem
 * before answering (as FastAPI does); readQuery answers once all are read.
 */
class QueryReader {
  readonly #query: URLSearchParams;
  readonly #problems: FastApiDetail[] = [];

  constructor(query: URLSearchParams) {
    this.#query = query;
  }

  #fail(name: string, type: string, msg: string, input: unknown, ctx?: Record<string, unknown>): null {
    this.#problems.push({ type, loc: ['query', name], msg, input, ...(ctx ? { ctx } : {}) });
    return null;
  }

  /** An optional string; FastAPI passes an empty one through as it is. */
  text(name: string): string | null {
    return this.#query.get(name);
  }

  /** A required string of at least `minLength` characters. */
  requiredText(name: string, minLength = 1): string | null {
    const raw = this.#query.get(name);
    if (raw === null) return this.#fail(name, 'missing', 'Field required', null);
    if (Array.from(raw).length < minLength) {
      return this.#fail(name, 'string_too_short', `String should have at least ${minLength} character${plural(minLength)}`, raw, { min_length: minLength });
    }
    return raw;
  }

  /** An integer within [ge, le]; absent means the default. */
  int(name: string, bounds: IntBounds): number {
    const raw = this.#query.get(name);
    if (raw === null) return bounds.default;
    const trimmed = raw.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) {
      this.#fail(name, 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', raw);
      return bounds.default;
    }
    const n = Number(trimmed);
    if (n < bounds.ge) this.#fail(name, 'greater_than_equal', `Input should be greater than or equal to ${bounds.ge}`, raw, { ge: bounds.ge });
    else if (n > bounds.le) this.#fail(name, 'less_than_equal', `Input should be less than or equal to ${bounds.le}`, raw, { le: bounds.le });
    return n;
  }

  /** One of `values`; absent means `fallback`. */
  literal<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.#query.get(name);
    if (raw === null) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    const expected = expectedLiterals(values);
    this.#fail(name, 'literal_error', `Input should be ${expected}`, raw, { expected });
    return fallback;
  }

  /** An optional UUID, served back in its canonical lowercase form. */
  uuid(name: string): string | null {
    const raw = this.#query.get(name);
    if (raw === null) return null;
    const parts = UUID.exec(raw.trim());
    if (!parts) return this.#fail(name, 'uuid_parsing', 'Input should be a valid UUID', raw);
    return parts.slice(1).join('-').toLowerCase();
  }

  done(): void {
    if (this.#problems.length) throw fastApiError(this.#problems);
  }
}

/** Runs `read` over the query parameters and answers the 422 if any of them was wrong. */
export function readQuery<T>(query: URLSearchParams, read: (q: QueryReader) => T): T {
  const reader = new QueryReader(query);
  const value = read(reader);
  reader.done();
  return value;
}

/*
 * Body fields: zod schemas whose failures read as pydantic's. Lengths count characters (code
 * points) as Python does, not UTF-16 units as zod's own `.min()`/`.max()` would.
 */

/** A string of `min`–`max` characters (pydantic `Field(min_length=…, max_length=…)`). */
export function bodyText(bounds: { min?: number; max?: number }) {
  return z.string().superRefine((value, ctx) => {
    const n = Array.from(value).length;
    if (bounds.min !== undefined && n < bounds.min) {
      ctx.addIssue({
        code: 'custom',
        message: `String should have at least ${bounds.min} character${plural(bounds.min)}`,
        params: { type: 'string_too_short', ctx: { min_length: bounds.min } },
      });
    } else if (bounds.max !== undefined && n > bounds.max) {
      ctx.addIssue({
        code: 'custom',
        message: `String should have at most ${bounds.max} character${plural(bounds.max)}`,
        params: { type: 'string_too_long', ctx: { max_length: bounds.max } },
      });
    }
  });
}

/** An integer in [ge, le]; a string of digits is accepted as pydantic's lax mode does. */
export function bodyInt(ge: number, le: number) {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v), z.int().min(ge).max(le));
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** One zod issue of a body as pydantic would have reported it. */
function bodyDetail(issue: z.core.$ZodIssue, body: unknown): FastApiDetail {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const loc = ['body', ...path];
  const input = valueAt(body, issue.path);
  const detail = (type: string, msg: string, ctx?: Record<string, unknown>): FastApiDetail => ({ type, loc, msg, input: input ?? null, ...(ctx ? { ctx } : {}) });
  switch (issue.code) {
    case 'custom': {
      const params = issue.params as { type: string; ctx?: Record<string, unknown> };
      return detail(params.type, issue.message, params.ctx);
    }
    case 'invalid_type':
      if (input === undefined) return detail('missing', 'Field required');
      if (issue.expected === 'object') {
        return path.length === 0
          ? detail('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from')
          : detail('dict_type', 'Input should be a valid dictionary');
      }
      if (issue.expected === 'string') return detail('string_type', 'Input should be a valid string');
      if (issue.expected === 'array') return detail('list_type', 'Input should be a valid list');
      if (issue.expected === 'int' || issue.expected === 'number') {
        if (typeof input === 'string') return detail('int_parsing', 'Input should be a valid integer, unable to parse string as an integer');
        if (typeof input === 'number') return detail('int_from_float', 'Input should be a valid integer, got a number with a fractional part');
        return detail('int_type', 'Input should be a valid integer');
      }
      return detail('type_error', issue.message);
    case 'invalid_value': {
      const expected = expectedLiterals(issue.values.map(String));
      return detail('literal_error', `Input should be ${expected}`, { expected });
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'array') {
        const actual = Array.isArray(input) ? input.length : 0;
        const [type, most, key] = small ? ['too_short', 'at least', 'min_length'] : ['too_long', 'at most', 'max_length'];
        return detail(type, `List should have ${most} ${bound} item${plural(bound)} after validation, not ${actual}`, {
          field_type: 'List',
          [key]: bound,
          actual_length: actual,
        });
      }
      return small
        ? detail('greater_than_equal', `Input should be greater than or equal to ${bound}`, { ge: bound })
        : detail('less_than_equal', `Input should be less than or equal to ${bound}`, { le: bound });
    }
    default:
      return detail('value_error', issue.message);
  }
}

/** A body that failed its zod schema, answered as FastAPI answers a failing pydantic model. */
export function fastApiBodyError(error: z.ZodError, body: unknown): RestError {
  return fastApiError(error.issues.map((issue) => bodyDetail(issue, body)));
}

/** A body that is not JSON at all (FastAPI's `json_invalid`). */
export function fastApiJsonError(): RestError {
  return fastApiError([{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }]);
}

/**
 * BAD_USER_INPUT from the operation (a rule the schema checks, e.g. the project id's shape) on a
 * spec 002 path: still a 422, located by the error's `issues` (GraphQL names, snake_cased here).
 */
export function fastApiFromBadInput(error: GraphQLError, where: 'body' | 'query', given: Record<string, unknown>): RestError {
  const issues = (error.extensions?.issues as { path: string; message: string }[] | undefined) ?? [];
  if (!issues.length) return fastApiError([{ type: 'value_error', loc: [where], msg: error.message, input: null }]);
  return fastApiError(
    issues.map(({ path, message }) => {
      const name = path.split('.').map(snakeCase);
      return { type: 'value_error', loc: [where, ...name], msg: `Value error, ${message}`, input: valueAt(given, name) ?? null };
    }),
  );
}

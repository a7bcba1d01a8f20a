import { GraphQLError } from 'graphql';
import { DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS } from '../../db/unavailable.ts';
import { snakeCased } from './snake-case.ts';

/** A REST answer that is an error: always a JSON body `{error, message, …details}`. */
export class RestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** Response headers the answer needs (e.g. Retry-After on a 429). */
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** HTTP status for each typed domain error code (src/errors.ts). */
const DOMAIN_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  CLAIMED_BY_ANOTHER: 409,
  STALE_VERSION: 409,
  INVALID_TRANSITION: 422,
  UNKNOWN_REFERENCE: 422,
  VALIDATION_FAILED: 400,
  FORBIDDEN_ACTION: 403,
  INVALID_CREDENTIALS: 401,
  USER_DISABLED: 403,
  INVALID_PARAMS: 422,
  APPROVAL_CLOSED: 409,
  ALREADY_DECIDED: 409,
  EXECUTION_STATE: 409,
  PROPOSAL_CLOSED: 409,
  ALREADY_EXISTS: 409,
};

/** A typed error returned as data by a mutation (it has `code`, `message` and its own fields). */
export function fromTypedError(typed: { code: string; message: string; __typename?: string } & Record<string, unknown>): RestError {
  const { code, message, __typename: _t, ...details } = typed;
  return new RestError(DOMAIN_STATUS[code] ?? 400, code, message, snakeKeys(details));
}

/** Errors raised while executing (auth, bad arguments); anything unexpected is a masked 500. */
export function fromGraphQLErrors(errors: readonly GraphQLError[]): RestError {
  const first = errors[0]!;
  const code = String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  switch (code) {
    case 'UNAUTHENTICATED':
      return new RestError(401, code, first.message);
    case 'FORBIDDEN':
      return new RestError(403, code, first.message);
    case 'NOT_FOUND': {
      // A query's "nothing has that id" (mutations return NotFoundError as data); its machine
      // `reason` is served as `detail`, where FastAPI's HTTPException puts it (spec 002).
      const reason = first.extensions?.reason;
      return new RestError(404, code, first.message, typeof reason === 'string' ? { detail: reason } : {});
    }
    case DATABASE_UNAVAILABLE:
      return new RestError(503, code, first.message, {}, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
      return new RestError(400, 'BAD_REQUEST', first.message, first.extensions?.position != null ? { position: first.extensions.position } : {});
    default:
      // Variable coercion failures (a value the schema rejects) carry no code and no path; when an
      // enum or scalar refused the value, its own GraphQLError rides along as the cause.
      if (isCoercionFailure(first)) return new RestError(400, 'BAD_REQUEST', first.message);
      return new RestError(500, 'INTERNAL_SERVER_ERROR', 'unexpected error');
  }
}

function isCoercionFailure(error: GraphQLError): boolean {
  if (error.extensions?.code !== undefined || error.path !== undefined) return false;
  return !error.originalError || error.originalError instanceof GraphQLError;
}

function snakeKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return snakeCased(obj, Object.keys(obj));
}

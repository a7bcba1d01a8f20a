import { z } from 'zod';
import { RestError } from './errors.ts';
import { gql, route, unwrap, type RestRoute } from './route.ts';

/**
 * POST /discovery/v1/authentication (spec 003): `password` says how it is encoded; only
 * `base64:` is defined so far, and anything else is a 400 rather than a guess.
 */
function decodePassword(raw: string): string {
  const match = /^base64:(.*)$/s.exec(raw);
  if (!match) throw new RestError(400, 'BAD_REQUEST', 'password must be sent as "base64:<encoded>"');
  const encoded = match[1]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
    throw new RestError(400, 'BAD_REQUEST', 'password is not valid base64');
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

export const discoveryAuthRoutes: RestRoute<any>[] = [
  route({
    method: 'POST',
    path: '/discovery/v1/authentication',
    public: true,
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
    document: gql`mutation RestAuthenticate($username: String!, $password: String!) {
      login(username: $username, password: $password) {
        ... on LoginPayload { token user { username email fullName dialect avatar } }
        ... on Error { __typename code message }
        ... on RateLimitedError { retryAfter }
      }
    }`,
    variables: ({ body }) => ({ username: body.username, password: decodePassword(body.password) }),
    respond: (data) => {
      const limited = data.login as { code?: string; message: string; retryAfter?: number };
      if (limited.code === 'RATE_LIMITED') {
        throw new RestError(429, 'RATE_LIMITED', limited.message, { retry_after: limited.retryAfter }, { 'retry-after': String(limited.retryAfter) });
      }
      const result = unwrap<{ token: string; user: Record<string, unknown> }>(data.login);
      const { username, email, fullName, dialect, avatar } = result.user;
      return [200, { username, email, fullName, dialect, avatar, token: result.token }];
    },
  }),
];

import { randomUUID } from 'node:crypto';

const ids = new WeakMap<Request, string>();
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id for a request that came with `given` as its `X-Request-Id`: that when it looks sane, else a new UUID. */
export function requestIdFrom(given: string | null | undefined): string {
  return given && SAFE_ID.test(given) ? given : randomUUID();
}

/** The request's id (requestIdFrom), worked out once per request. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    ids.set(request, id);
  }
  return id;
}

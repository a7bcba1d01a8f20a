import { randomUUID } from 'node:crypto';

const ids = new WeakMap<Request, string>();
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `X-Request-Id` when it looks sane, else a new UUID. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    const given = request.headers.get('x-request-id');
    id = given && SAFE_ID.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}

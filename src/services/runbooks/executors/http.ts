import { performance } from 'node:perf_hooks';
import { createSigner, type Signer } from '../../../../sdk/standard-webhooks.ts';
import { BoundedOutput } from './command.ts';
import { RESERVED_HEADERS } from './validate-config.ts';
import type { ExecutionOutcome, Executor, ExecutorConfig, HttpExecutorConfig } from './types.ts';

/**
 * HTTP executor: one signed POST per attempt.
 *
 * - Body: `{"exec_id","attempt","runbook_code","params"}` (JSON, serialised once, signed as sent).
 * - Standard Webhooks headers: `webhook-id` = `exec_<execId>_<attempt>` (stable across a retry of
 *   the same attempt number, so receivers can deduplicate), `webhook-timestamp` (unix seconds),
 *   `webhook-signature` (`v1,<base64 HMAC-SHA256>`), from sdk/standard-webhooks.ts. Key:
 *   config.secret ?? env.httpSecret (`whsec_<base64>` decoded, any other string raw key bytes).
 * - config.headers are added first; the executor's own headers (signature, Content-Type) win.
 * - Redirects are never followed: a 3xx is a falha with its status.
 * - timeoutMs covers the whole exchange, response body included. request.signal aborts it too
 *   (outcome falha, error "cancelled").
 * - Output: the response body as text, at most maxOutputBytes (`\n…[truncated N bytes]` marks a cut).
 *   The body is drained to the end (within timeoutMs) to count N.
 */

const USER_AGENT = 'OpsGraph-Runbook-Executor/1';

class TimeoutReason extends Error {}
class CancelReason extends Error {}

function isHttpConfig(config: ExecutorConfig): config is HttpExecutorConfig {
  return typeof (config as Partial<HttpExecutorConfig>).url === 'string';
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps network errors: TypeError('fetch failed', { cause: Error('connect ECONNREFUSED …') }).
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `${err.message}: ${cause.message}` : err.message;
}

export const httpExecutor: Executor = async (config, request, env) => {
  const started = performance.now();
  const finish = (o: Omit<ExecutionOutcome, 'durationMs'>): ExecutionOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });
  const fail = (error: string, httpStatus: number | null = null, output = ''): ExecutionOutcome => finish({ status: 'falha', output, httpStatus, error });

  if (!isHttpConfig(config)) return fail('invalid http config: url is required');
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    return fail('invalid http config: url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('invalid http config: url must use http or https');
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) return fail(`invalid timeoutMs ${String(request.timeoutMs)}`);

  const secret = config.secret ?? env.httpSecret;
  if (!secret) return fail('no HMAC secret configured for the http executor');
  let signer: Signer;
  try {
    signer = createSigner(secret);
  } catch {
    return fail('invalid http config: secret is not a valid whsec_<base64> secret');
  }

  let body: string;
  try {
    body = JSON.stringify({ exec_id: request.execId, attempt: request.attempt, runbook_code: request.runbookCode, params: request.params });
  } catch (err) {
    return fail(`params cannot be serialised as JSON: ${errorText(err)}`);
  }
  const msgId = `exec_${request.execId}_${request.attempt}`;
  const now = new Date();
  const headers = new Headers();
  try {
    for (const [name, value] of Object.entries(config.headers ?? {})) {
      if (RESERVED_HEADERS.includes(name.toLowerCase())) continue;
      headers.set(name, value);
    }
  } catch (err) {
    return fail(`invalid http config: ${errorText(err)}`);
  }
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  headers.set('content-type', 'application/json');
  for (const [name, value] of Object.entries(signer.headers(msgId, now, body))) headers.set(name, value);

  if (request.signal?.aborted) return fail('cancelled');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutReason('timeout')), request.timeoutMs);
  const onAbort = () => controller.abort(new CancelReason('cancelled'));
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const output = new BoundedOutput(env.maxOutputBytes);
  let httpStatus: number | null = null;
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
    httpStatus = response.status;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        output.push(value);
      }
    }
    if (response.status >= 200 && response.status < 300) {
      return finish({ status: 'sucesso', output: output.text(), httpStatus, error: null });
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      return fail(`HTTP ${response.status}: redirect not followed${location ? ` (to ${location})` : ''}`, httpStatus, output.text());
    }
    return fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, httpStatus, output.text());
  } catch (err) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : null;
    if (reason instanceof TimeoutReason) {
      return finish({ status: 'timeout', output: output.text(), httpStatus, error: `no complete answer within ${request.timeoutMs} ms` });
    }
    if (reason instanceof CancelReason) return fail('cancelled', httpStatus, output.text());
    return fail(errorText(err), httpStatus, output.text());
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
};

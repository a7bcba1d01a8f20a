import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTORS, runExecutor, validateExecutorConfig } from '../src/services/runbooks/executors/index.ts';
import type { ExecutionRequest, ExecutorEnv } from '../src/services/runbooks/executors/types.ts';

/*
 * Runbook executors against real things: a node:http server on an ephemeral port for the http
 * executor, and small /bin/sh scripts in a temporary commandDir for the command executor.
 */

const RAW_SECRET = 'runbook-test-secret';
const WHSEC = `whsec_${randomBytes(24).toString('base64')}`;

function request(extra: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return { execId: 42, attempt: 2, runbookCode: 'dns.flush', params: { domain: 'cliente.example.com' }, timeoutMs: 5000, ...extra };
}

// ───────────────────────────── http ─────────────────────────────

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
const hanging: ServerResponse[] = [];
const BIG_BODY = 'x'.repeat(1_000_000);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      received.push({ path: url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      switch (url) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('flushed 3 records');
          break;
        case '/fail':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('boom: dns server unreachable');
          break;
        case '/hang':
          hanging.push(res); // never answers
          break;
        case '/slow-body':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
          hanging.push(res); // never ends the body
          break;
        case '/redirect':
          res.writeHead(302, { location: '/ok' }).end();
          break;
        case '/big':
          res.writeHead(200, { 'content-type': 'text/plain' }).end(BIG_BODY);
          break;
        default:
          res.writeHead(404).end('no such path');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const HTTP_ENV: ExecutorEnv = { commandDir: '/nonexistent', httpSecret: RAW_SECRET, maxOutputBytes: 64 * 1024 };

function hits(p: string): Received[] {
  return received.filter((r) => r.path === p);
}

function signatureHeaders(h: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(h['webhook-id']),
    'webhook-timestamp': String(h['webhook-timestamp']),
    'webhook-signature': String(h['webhook-signature']),
  };
}

describe('http executor', () => {
  it('POSTs the signed JSON body and succeeds on 2xx with the response body as output', async () => {
    const before = hits('/ok').length;
    const out = await EXECUTORS.http(
      { url: `${baseUrl}/ok`, headers: { 'X-Tenant': 'acme', 'Webhook-Signature': 'v1,forged', 'Content-Type': 'text/plain' } },
      request({ params: { domain: 'cliente.example.com', force: true } }),
      HTTP_ENV,
    );
    expect(out).toMatchObject({ status: 'sucesso', httpStatus: 200, output: 'flushed 3 records', error: null });
    expect(out.durationMs).toBeGreaterThanOrEqual(0);

    const got = hits('/ok');
    expect(got).toHaveLength(before + 1);
    const req = got.at(-1) as Received;
    expect(JSON.parse(req.body)).toEqual({ exec_id: 42, attempt: 2, runbook_code: 'dns.flush', params: { domain: 'cliente.example.com', force: true } });
    expect(req.headers['webhook-id']).toBe('exec_42_2');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-tenant']).toBe('acme');
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    // The configured "Webhook-Signature" did not replace the real one: it verifies with env.httpSecret.
    expect(req.headers['webhook-signature']).not.toBe('v1,forged');
    expect(new Webhook(RAW_SECRET, { format: 'raw' }).verify(req.body, signatureHeaders(req.headers))).toEqual(JSON.parse(req.body));
    // …and the verification is able to fail: a different key, or a changed body, is rejected.
    expect(() => new Webhook('another-secret', { format: 'raw' }).verify(req.body, signatureHeaders(req.headers))).toThrow();
    expect(() => new Webhook(RAW_SECRET, { format: 'raw' }).verify(req.body.replace('cliente', 'outro'), signatureHeaders(req.headers))).toThrow();
  });

  it('uses config.secret over the default, with whsec_ secrets decoded as Standard Webhooks keys', async () => {
    const out = await EXECUTORS.http({ url: `${baseUrl}/ok`, secret: WHSEC }, request({ execId: 7, attempt: 1 }), HTTP_ENV);
    expect(out.status).toBe('sucesso');
    const req = hits('/ok').at(-1) as Received;
    expect(req.headers['webhook-id']).toBe('exec_7_1');
    expect(() => new Webhook(WHSEC).verify(req.body, signatureHeaders(req.headers))).not.toThrow();
    expect(() => new Webhook(RAW_SECRET, { format: 'raw' }).verify(req.body, signatureHeaders(req.headers))).toThrow();
  });

  it('a 500 is a falha with the status and body', async () => {
    const out = await EXECUTORS.http({ url: `${baseUrl}/fail` }, request(), HTTP_ENV);
    expect(out).toMatchObject({ status: 'falha', httpStatus: 500, output: 'boom: dns server unreachable' });
    expect(out.error).toMatch(/500/);
  });

  it('no answer within timeoutMs is a timeout, in roughly that time', async () => {
    const t0 = performance.now();
    const out = await EXECUTORS.http({ url: `${baseUrl}/hang` }, request({ timeoutMs: 300 }), HTTP_ENV);
    const elapsed = performance.now() - t0;
    expect(out).toMatchObject({ status: 'timeout', httpStatus: null });
    expect(out.durationMs).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1500);
  });

  it('a body that never ends is a timeout too, keeping the status and what arrived', async () => {
    const out = await EXECUTORS.http({ url: `${baseUrl}/slow-body` }, request({ timeoutMs: 300 }), HTTP_ENV);
    expect(out).toMatchObject({ status: 'timeout', httpStatus: 200, output: 'partial' });
    expect(out.durationMs).toBeLessThan(1500);
  });

  it('request.signal cancels the request: falha "cancelled"', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const out = await EXECUTORS.http({ url: `${baseUrl}/hang` }, request({ timeoutMs: 10_000, signal: ac.signal }), HTTP_ENV);
    expect(out).toMatchObject({ status: 'falha', error: 'cancelled' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('connection refused is a falha with the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const out = await EXECUTORS.http({ url: `http://127.0.0.1:${port}/ok` }, request(), HTTP_ENV);
    expect(out).toMatchObject({ status: 'falha', httpStatus: null, output: '' });
    expect(out.error).toMatch(/ECONNREFUSED/);
  });

  it('never follows a redirect: a 3xx is a falha', async () => {
    const okBefore = hits('/ok').length;
    const out = await EXECUTORS.http({ url: `${baseUrl}/redirect` }, request(), HTTP_ENV);
    expect(out).toMatchObject({ status: 'falha', httpStatus: 302 });
    expect(out.error).toMatch(/redirect/);
    await delay(50);
    expect(hits('/ok')).toHaveLength(okBefore);
  });

  it('truncates a large body to maxOutputBytes and says how much was cut', async () => {
    const out = await EXECUTORS.http({ url: `${baseUrl}/big` }, request(), { ...HTTP_ENV, maxOutputBytes: 1000 });
    expect(out.status).toBe('sucesso');
    expect(out.output).toBe(`${'x'.repeat(1000)}\n…[truncated 999000 bytes]`);
  });

  it('refuses a non-http URL and a missing secret without sending anything', async () => {
    const count = received.length;
    const file = await EXECUTORS.http({ url: 'file:///etc/passwd' }, request(), HTTP_ENV);
    expect(file).toMatchObject({ status: 'falha' });
    expect(file.error).toMatch(/http or https/);
    const noSecret = await EXECUTORS.http({ url: `${baseUrl}/ok` }, request(), { ...HTTP_ENV, httpSecret: '' });
    expect(noSecret).toMatchObject({ status: 'falha' });
    expect(noSecret.error).toMatch(/secret/);
    expect(received).toHaveLength(count);
  });
});

// ───────────────────────────── command ─────────────────────────────

let dir: string;
let outside: string;
let env: ExecutorEnv;
const spawnedPids: number[] = [];

const SCRIPTS: Record<string, string> = {
  'echo-args.sh': [
    'echo "argc=$#"',
    'for a in "$@"; do printf "[%s]\\n" "$a"; done',
    'echo "exec=$OPSGRAPH_EXEC_ID runbook=$OPSGRAPH_RUNBOOK attempt=$OPSGRAPH_ATTEMPT"',
    'echo "leak=${OPSGRAPH_TEST_LEAK-unset} cwd=$(pwd)"',
  ].join('\n'),
  'fail3.sh': 'echo "checking dns"\necho "resolver 10.0.0.53 refused" >&2\nexit 3',
  // Prints the pid of a background sleep into $1, then waits for it.
  'sleeper.sh': 'sleep 30 &\necho $! > "$1"\necho "sleeping"\nwait',
  // Same, ignoring SIGTERM (inherited by the sleep): only SIGKILL ends it.
  'stubborn.sh': "trap '' TERM\nsleep 30 &\necho $! > \"$1\"\nwait",
  // Leaves a background sleep running and exits 0.
  'leaver.sh': 'sleep 30 &\necho $! > "$1"\necho "started"\nexit 0',
  'chatty.sh': 'yes | head -c 5000000',
  'chatty-both.sh': 'yes out | head -c 200000\necho "FATAL: disk full" >&2\nyes err | head -c 200000 >&2',
  'marker.sh': 'touch ./spawned-marker\necho marked',
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'opsgraph-exec-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'opsgraph-outside-'));
  // Every file is written (and closed) before anything is spawned, so no exec sees ETXTBSY.
  for (const [name, body] of Object.entries(SCRIPTS)) {
    await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(dir, name), 0o755);
  }
  await writeFile(path.join(dir, 'notes.txt'), '#!/bin/sh\necho should not run\n');
  await chmod(path.join(dir, 'notes.txt'), 0o644);
  await writeFile(path.join(outside, 'evil.sh'), '#!/bin/sh\necho evil\n');
  await chmod(path.join(outside, 'evil.sh'), 0o755);
  await symlink(path.join(outside, 'evil.sh'), path.join(dir, 'escape'));
  await symlink('/bin/sh', path.join(dir, 'shell-link'));
  await symlink('echo-args.sh', path.join(dir, 'alias'));
  await mkdir(path.join(dir, 'subdir'));
  await mkdir(path.join(dir, 'x')); // what `rm -rf x` would delete if a shell ever ran a param
  env = { commandDir: dir, httpSecret: RAW_SECRET, maxOutputBytes: 64 * 1024, killGraceMs: 300 };
});

afterAll(async () => {
  for (const pid of spawnedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function readPid(file: string): Promise<number> {
  const pid = Number((await readFile(file, 'utf8')).trim());
  expect(Number.isInteger(pid) && pid > 1).toBe(true);
  spawnedPids.push(pid);
  return pid;
}

/**
 * Whether a process is gone, waiting up to `ms` for it. A zombie counts as gone: it has died, and
 * only waits for a parent (here whatever init the machine has) to reap it.
 */
async function isGone(pid: number, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
      throw err;
    }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    } catch {
      return true; // vanished between the two checks
    }
    if (Date.now() > deadline) return false;
    await delay(25);
  }
}

describe('command executor', () => {
  it('passes each templated value as exactly one argv entry, with no shell interpretation', async () => {
    const pwned = path.join(os.tmpdir(), `opsgraph-pwned-${randomBytes(6).toString('hex')}`);
    const nasty = `$(touch ${pwned}); rm -rf x`;
    const spaced = 'two  words and `backticks` | cat > /dev/null & "quotes" \'single\' *';
    process.env.OPSGRAPH_TEST_LEAK = 'leaked';
    try {
      const out = await EXECUTORS.command(
        { executable: 'echo-args.sh', args: ['--domain={{domain}}', '{{ note }}', 'literal', '{{count}}-{{force}}', '{{ref}}'] },
        request({ params: { domain: nasty, note: spaced, count: 3, force: false, ref: '{{domain}}' } }),
        env,
      );
      expect(out).toMatchObject({ status: 'sucesso', exitCode: 0, error: null });
      expect(out.output).toBe(
        [
          'argc=5',
          `[--domain=${nasty}]`,
          `[${spaced}]`,
          '[literal]',
          '[3-false]',
          '[{{domain}}]', // a value is not expanded again
          'exec=42 runbook=dns.flush attempt=2',
          `leak=unset cwd=${dir}`,
          '',
        ].join('\n'),
      );
    } finally {
      delete process.env.OPSGRAPH_TEST_LEAK;
    }
    expect(existsSync(pwned)).toBe(false);
    expect(existsSync(path.join(dir, 'x'))).toBe(true);
  });

  it('a non-zero exit is a falha with the exit code, stdout and stderr in the output', async () => {
    const out = await EXECUTORS.command({ executable: 'fail3.sh', args: [] }, request(), env);
    expect(out).toMatchObject({ status: 'falha', exitCode: 3 });
    expect(out.error).toMatch(/code 3/);
    expect(out.output).toBe('checking dns\n--- stderr ---\nresolver 10.0.0.53 refused\n');
  });

  it('times out, killing the whole process group (grandchildren too)', async () => {
    const pidFile = path.join(dir, 'sleeper.pid');
    const t0 = performance.now();
    const out = await EXECUTORS.command({ executable: 'sleeper.sh', args: ['{{pidfile}}'] }, request({ timeoutMs: 300, params: { pidfile: pidFile } }), env);
    const elapsed = performance.now() - t0;
    expect(out).toMatchObject({ status: 'timeout', output: 'sleeping\n' });
    expect(out.durationMs).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(3000);
    const pid = await readPid(pidFile);
    expect(await isGone(pid)).toBe(true);
  });

  it('SIGKILLs the group after the grace period when SIGTERM is ignored', async () => {
    const pidFile = path.join(dir, 'stubborn.pid');
    const t0 = performance.now();
    const out = await EXECUTORS.command({ executable: 'stubborn.sh', args: ['{{pidfile}}'] }, request({ timeoutMs: 300, params: { pidfile: pidFile } }), env);
    const elapsed = performance.now() - t0;
    expect(out.status).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(550); // 300 ms timeout + 300 ms grace
    expect(elapsed).toBeLessThan(4000);
    const pid = await readPid(pidFile);
    expect(await isGone(pid)).toBe(true);
  });

  it('request.signal cancels the run the same way: falha "cancelled", group killed', async () => {
    const pidFile = path.join(dir, 'cancelled.pid');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const out = await EXECUTORS.command(
      { executable: 'sleeper.sh', args: ['{{pidfile}}'] },
      request({ timeoutMs: 20_000, params: { pidfile: pidFile }, signal: ac.signal }),
      env,
    );
    expect(out).toMatchObject({ status: 'falha', error: 'cancelled' });
    expect(out.durationMs).toBeLessThan(3000);
    expect(await isGone(await readPid(pidFile))).toBe(true);
  });

  it('kills what the executable left running when it exits', async () => {
    const pidFile = path.join(dir, 'leaver.pid');
    const out = await EXECUTORS.command({ executable: 'leaver.sh', args: ['{{pidfile}}'] }, request({ params: { pidfile: pidFile } }), env);
    expect(out).toMatchObject({ status: 'sucesso', exitCode: 0, output: 'started\n' });
    expect(out.durationMs).toBeLessThan(3000);
    expect(await isGone(await readPid(pidFile))).toBe(true);
  });

  it('bounds a huge output to maxOutputBytes and still lets the process finish', async () => {
    const out = await EXECUTORS.command({ executable: 'chatty.sh', args: [] }, request({ timeoutMs: 20_000 }), { ...env, maxOutputBytes: 10_000 });
    expect(out).toMatchObject({ status: 'sucesso', exitCode: 0 });
    expect(out.output).toBe(`${'y\n'.repeat(5000)}\n…[truncated 4990000 bytes]`);
  });

  it('keeps stderr visible when both streams overflow', async () => {
    const out = await EXECUTORS.command({ executable: 'chatty-both.sh', args: [] }, request({ timeoutMs: 20_000 }), { ...env, maxOutputBytes: 1000 });
    expect(out.status).toBe('sucesso');
    const [stdout, stderr] = out.output.split('\n--- stderr ---\n') as [string, string];
    expect(stdout).toBe(`${'out\n'.repeat(125)}\n…[truncated 199500 bytes]`);
    expect(stderr.startsWith('FATAL: disk full\nerr\n')).toBe(true);
    expect(stderr.endsWith(`\n…[truncated ${200017 - 500} bytes]`)).toBe(true);
    expect(Buffer.byteLength(out.output)).toBeLessThan(1200);
  });

  it('a template naming a missing param fails before spawning', async () => {
    const out = await EXECUTORS.command({ executable: 'marker.sh', args: ['--zone={{zone}}'] }, request({ params: { domain: 'x' } }), env);
    expect(out).toMatchObject({ status: 'falha', output: '' });
    expect(out.error).toMatch(/"zone".*not given/);
    expect(existsSync(path.join(dir, 'spawned-marker'))).toBe(false);
  });

  it('an object or array param used in a template fails before spawning', async () => {
    for (const value of [{ a: 1 }, ['a', 'b'], null]) {
      const out = await EXECUTORS.command({ executable: 'marker.sh', args: ['{{value}}'] }, request({ params: { value } }), env);
      expect(out.status).toBe('falha');
      expect(out.error).toMatch(/only strings, numbers and booleans/);
    }
    expect(existsSync(path.join(dir, 'spawned-marker'))).toBe(false);
    // Positive control: the same script does leave its marker when it runs (cwd = commandDir).
    const ran = await EXECUTORS.command({ executable: 'marker.sh', args: ['{{value}}'] }, request({ params: { value: 'ok' } }), env);
    expect(ran).toMatchObject({ status: 'sucesso', output: 'marked\n' });
    expect(existsSync(path.join(dir, 'spawned-marker'))).toBe(true);
    await unlink(path.join(dir, 'spawned-marker'));
  });

  it('re-checks the executable right before spawning (a file swapped for an escaping symlink is refused)', async () => {
    const name = 'swapped.sh';
    const file = path.join(dir, name);
    await writeFile(file, '#!/bin/sh\necho fine\n');
    await chmod(file, 0o755);
    expect(validateExecutorConfig('command', { executable: name, args: [] }, env)).toEqual([]);
    await unlink(file);
    await symlink(path.join(outside, 'evil.sh'), file);
    const out = await EXECUTORS.command({ executable: name, args: [] }, request(), env);
    expect(out).toMatchObject({ status: 'falha', output: '' });
    expect(out.error).toMatch(/outside commandDir/);
    await unlink(file);
  });

  it('refuses path-like executables at run time too', async () => {
    for (const executable of ['../x', '/bin/sh', 'escape', 'notes.txt']) {
      const out = await EXECUTORS.command({ executable, args: [] }, request(), env);
      expect(out.status).toBe('falha');
      expect(out.output).toBe('');
    }
  });
});

// ───────────────────────────── config validation ─────────────────────────────

describe('validateExecutorConfig', () => {
  it('accepts good configs', () => {
    expect(validateExecutorConfig('command', { executable: 'echo-args.sh', args: ['--domain={{domain}}'] }, env)).toEqual([]);
    expect(validateExecutorConfig('command', { executable: 'alias', args: [] }, env)).toEqual([]); // symlink inside the dir
    expect(validateExecutorConfig('http', { url: 'https://ops.example.com/hook', headers: { 'X-Tenant': 'acme' } }, env)).toEqual([]);
    expect(validateExecutorConfig('http', { url: 'http://127.0.0.1:9/x', secret: WHSEC }, { ...env, httpSecret: '' })).toEqual([]);
    expect(validateExecutorConfig('noop', {}, env)).toEqual([]);
  });

  it.each([
    ['../x', /plain file name/],
    ['/bin/sh', /plain file name/],
    ['a\\b', /plain file name/],
    ['..', /"\.\."/],
    ['bad\0name', /NUL/],
    ['', /non-empty/],
    ['escape', /outside commandDir/],
    ['shell-link', /outside commandDir/],
    ['notes.txt', /not executable/],
    ['missing.sh', /not found/],
    ['subdir', /not a regular file/],
  ])('rejects the command executable %j', (executable, problem) => {
    const problems = validateExecutorConfig('command', { executable, args: [] }, env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('rejects bad command args and unknown fields', () => {
    expect(validateExecutorConfig('command', { executable: 'echo-args.sh', args: ['ok', 3] }, env)).toEqual(['args[1] must be a string']);
    expect(validateExecutorConfig('command', { executable: 'echo-args.sh' }, env)).toEqual(['args must be an array of strings']);
    expect(validateExecutorConfig('command', { executable: 'echo-args.sh', args: [], shell: true }, env)).toEqual(['unknown config field "shell"']);
    expect(validateExecutorConfig('command', { executable: 'echo-args.sh', args: [] }, { ...env, commandDir: path.join(dir, 'nope') })[0]).toMatch(
      /commandDir .* does not exist/,
    );
  });

  it('rejects bad http configs', () => {
    expect(validateExecutorConfig('http', { url: 'ftp://example.com/x' }, env)).toEqual(['url must use http or https']);
    expect(validateExecutorConfig('http', { url: 'not a url' }, env)).toEqual(['url is not a valid URL']);
    expect(validateExecutorConfig('http', {}, env)).toEqual(['url must be a non-empty string']);
    expect(validateExecutorConfig('http', { url: 'https://x.example' }, { ...env, httpSecret: '' })[0]).toMatch(/no secret/);
    expect(validateExecutorConfig('http', { url: 'https://x.example', headers: { 'webhook-signature': 'v1,x' } }, env)[0]).toMatch(/set by the executor/);
    expect(validateExecutorConfig('http', { url: 'https://x.example', headers: { 'X-A': 'a\r\nX-B: b' } }, env)[0]).toMatch(/CR, LF/);
  });

  it('noop needs {}, and unknown kinds or non-objects are rejected', () => {
    expect(validateExecutorConfig('noop', { url: 'x' }, env)).toEqual(['noop config must be {}']);
    expect(validateExecutorConfig('noop', null, env)).toEqual(['config must be a JSON object']);
    expect(validateExecutorConfig('shell' as never, {}, env)).toEqual(['unknown executor kind "shell"']);
  });
});

// ───────────────────────────── noop and runExecutor ─────────────────────────────

describe('noop executor and runExecutor', () => {
  it('noop succeeds and says what it would have run', async () => {
    const out = await runExecutor('noop', {}, request({ params: { domain: 'x' } }), env);
    expect(out).toMatchObject({ status: 'sucesso', output: 'noop: dns.flush would run with {"domain":"x"}' });
  });

  it('dispatches by kind', async () => {
    const out = await runExecutor('command', { executable: 'fail3.sh', args: [] }, request(), env);
    expect(out).toMatchObject({ status: 'falha', exitCode: 3 });
  });

  it('never throws: unknown kinds and unexpected exceptions become falha', async () => {
    const unknown = await runExecutor('ssh' as never, {}, request(), env);
    expect(unknown).toMatchObject({ status: 'falha', error: 'unknown executor kind "ssh"' });

    const params = Object.defineProperty({}, 'domain', {
      enumerable: true,
      get() {
        throw new Error('params exploded');
      },
    }) as Record<string, unknown>;
    const exploded = await runExecutor('command', { executable: 'echo-args.sh', args: ['{{domain}}'] }, request({ params }), env);
    expect(exploded).toMatchObject({ status: 'falha', output: '' });
    expect(exploded.error).toMatch(/params exploded/);
  });
});

import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ExecutorEnv, ExecutorKind } from './types.ts';

/**
 * Admin-time check of a runbook's executor config (when a runbook is created or edited), plus the
 * executable checks the command executor repeats right before spawning.
 */

const KINDS: readonly string[] = ['http', 'command', 'noop'];

/** `{{name}}` (surrounding blanks allowed). The name is any run of characters without braces/blanks. */
export const ARG_TEMPLATE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** RFC 9110 token: what a header field name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers the http executor owns: config.headers may not set them (they would break the signature,
 * the body framing or the target host).
 */
export const RESERVED_HEADERS: readonly string[] = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unknownKeys(config: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(config)
    .filter((k) => !allowed.includes(k))
    .map((k) => `unknown config field "${k}"`);
}

/** Problem with an executable *name* (not the file), or null: it must be a plain file name. */
export function executableNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name === '') return 'executable must be a non-empty string';
  if (name.includes('/') || name.includes('\\')) return 'executable must be a plain file name (no "/" or "\\")';
  if (name.includes('..')) return 'executable must not contain ".."';
  if (name.includes('\0')) return 'executable must not contain NUL';
  if (name === '.') return 'executable must be a file name';
  return null;
}

export type ResolvedExecutable = { ok: true; path: string } | { ok: false; problem: string };

/**
 * Resolves `executable` inside `commandDir`: a plain name, a regular file with an execute bit that
 * this process may execute, whose realpath (symlinks followed) stays inside realpath(commandDir).
 * Returns the resolved real path, which is what gets spawned.
 */
export function resolveExecutable(commandDir: string, executable: unknown): ResolvedExecutable {
  const nameProblem = executableNameProblem(executable);
  if (nameProblem) return { ok: false, problem: nameProblem };
  const name = executable as string;
  if (typeof commandDir !== 'string' || commandDir === '') return { ok: false, problem: 'commandDir is not configured' };

  let realDir: string;
  try {
    realDir = realpathSync(commandDir);
    if (!statSync(realDir).isDirectory()) return { ok: false, problem: `commandDir ${commandDir} is not a directory` };
  } catch {
    return { ok: false, problem: `commandDir ${commandDir} does not exist` };
  }

  let real: string;
  try {
    real = realpathSync(path.join(commandDir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem: code === 'ENOENT' ? `executable "${name}" not found in commandDir (or a dangling symlink)` : `executable "${name}" cannot be resolved (${code ?? 'error'})`,
    };
  }
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    return { ok: false, problem: `executable "${name}" resolves outside commandDir` };
  }

  try {
    const st = statSync(real);
    if (!st.isFile()) return { ok: false, problem: `executable "${name}" is not a regular file` };
    if ((st.mode & 0o111) === 0) return { ok: false, problem: `executable "${name}" is not executable (no x bit)` };
    accessSync(real, constants.X_OK);
  } catch {
    return { ok: false, problem: `executable "${name}" is not executable by this process` };
  }
  return { ok: true, path: real };
}

/** Param names used by one argument template, in order. */
export function templateNames(template: string): string[] {
  return [...template.matchAll(ARG_TEMPLATE)].map((m) => m[1] as string);
}

function validateHttp(config: Record<string, unknown>, env: ExecutorEnv): string[] {
  const problems = unknownKeys(config, ['url', 'secret', 'headers']);
  const { url, secret, headers } = config;
  if (typeof url !== 'string' || url === '') {
    problems.push('url must be a non-empty string');
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      problems.push('url is not a valid URL');
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.push('url must use http or https');
  }
  if (secret !== undefined) {
    if (typeof secret !== 'string' || secret === '') problems.push('secret must be a non-empty string when given');
  } else if (!env.httpSecret) {
    problems.push('no secret in config and no default http secret configured');
  }
  if (typeof secret === 'string' && secret.startsWith('whsec_')) {
    const b64 = secret.slice('whsec_'.length);
    if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) problems.push('secret starts with whsec_ but is not valid base64');
  }
  if (headers !== undefined) {
    if (!isPlainObject(headers)) {
      problems.push('headers must be an object of string values');
    } else {
      for (const [name, value] of Object.entries(headers)) {
        if (!HEADER_NAME.test(name)) problems.push(`header name "${name}" is invalid`);
        else if (RESERVED_HEADERS.includes(name.toLowerCase())) problems.push(`header "${name}" is set by the executor and cannot be configured`);
        if (typeof value !== 'string') problems.push(`header "${name}" must have a string value`);
        else if (/[\r\n\0]/.test(value)) problems.push(`header "${name}" value must not contain CR, LF or NUL`);
      }
    }
  }
  return problems;
}

function validateCommand(config: Record<string, unknown>, env: ExecutorEnv): string[] {
  const problems = unknownKeys(config, ['executable', 'args']);
  const resolved = resolveExecutable(env.commandDir, config.executable);
  if (!resolved.ok) problems.push(resolved.problem);
  const { args } = config;
  if (!Array.isArray(args)) {
    problems.push('args must be an array of strings');
  } else {
    args.forEach((arg: unknown, i) => {
      if (typeof arg !== 'string') problems.push(`args[${i}] must be a string`);
      else if (arg.includes('\0')) problems.push(`args[${i}] must not contain NUL`);
    });
  }
  return problems;
}

/**
 * Problems with an executor config, empty when it is fine. Never throws.
 * - http: `{url, secret?, headers?}`; url http(s); a secret (here or env.httpSecret); valid headers.
 * - command: `{executable, args}`; see `resolveExecutable`; args are strings.
 * - noop: `{}`.
 * Unknown fields are reported (they are usually typos).
 */
export function validateExecutorConfig(kind: ExecutorKind, config: unknown, env: ExecutorEnv): string[] {
  if (!KINDS.includes(kind)) return [`unknown executor kind "${String(kind)}"`];
  if (!isPlainObject(config)) return ['config must be a JSON object'];
  try {
    if (kind === 'http') return validateHttp(config, env);
    if (kind === 'command') return validateCommand(config, env);
    return Object.keys(config).length === 0 ? [] : ['noop config must be {}'];
  } catch (err) {
    return [`config could not be checked: ${err instanceof Error ? err.message : String(err)}`];
  }
}

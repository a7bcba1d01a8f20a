import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Reply, Request } from './messages.ts';

/** Descriptors a process needs beyond its sockets (stdio, modules, the database pool …). */
const SPARE_DESCRIPTORS = 256;
const CONNECT_TIMEOUT_MS = 120_000;

export interface SubscriberSpec {
  /** The server's base URL (http://…); the sockets go to <url>/graphql. */
  url: string;
  count: number;
  document: string;
  variables: Record<string, unknown>;
  /** Sent as connectionParams.authorization, e.g. `Bearer <jwt>`. */
  authorization?: string;
}

/** The subscriber process (clients.ts), connected and subscribed. */
export interface Subscribers {
  pid: number;
  /** How many subscribers have received at least one event, and how many receipts in all. */
  status(): Promise<{ withAny: number; received: number }>;
  /** Receipt times (sharedClockMs) of each of `ids` at every subscriber, and the duplicates so far. */
  collect(ids: number[]): Promise<{ receipts: Map<number, number[]>; duplicates: number }>;
  close(): Promise<void>;
}

/**
 * Forks clients.ts and resolves once every socket is acknowledged. A socket or subscription that
 * fails at any time rejects the pending (or next) question: a bench with a lost subscriber is void.
 */
export async function openSubscribers(spec: SubscriberSpec): Promise<Subscribers> {
  const script = fileURLToPath(new URL('./clients.ts', import.meta.url));
  const args = ['--url', `${spec.url.replace(/^http/, 'ws')}/graphql`, '--subscribers', String(spec.count), '--document', spec.document, '--variables', JSON.stringify(spec.variables)];
  const limit = descriptorLimit(spec.count + SPARE_DESCRIPTORS);
  const child = fork(script, args, {
    // Node cannot raise its own descriptor limit: a shell raises the soft one, then becomes node.
    ...(limit.raise ? { execPath: '/bin/sh', execArgv: ['-c', `ulimit -n ${limit.raise} && exec "$0" "$@"`, process.execPath] } : {}),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...(spec.authorization ? { BENCH_LIVE_AUTHORIZATION: spec.authorization } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = replyQueue(child);
  await replies.next('connected', CONNECT_TIMEOUT_MS).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const ask = <T extends Reply['type']>(request: Request, type: T) => {
    child.send(request);
    return replies.next(type, CONNECT_TIMEOUT_MS);
  };
  return {
    pid: child.pid!,
    status: async () => {
      const { withAny, received } = await ask({ type: 'status' }, 'status');
      return { withAny, received };
    },
    collect: async (ids) => {
      const { receipts, duplicates } = await ask({ type: 'collect', ids }, 'collected');
      return { receipts: new Map(receipts), duplicates };
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' } satisfies Request);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Replies in arrival order; a `failed` reply or the child's exit rejects every later wait. */
function replyQueue(child: ChildProcess) {
  const queue: Reply[] = [];
  let broken: Error | null = null;
  let wake: (() => void) | null = null;
  child.on('message', (reply: Reply) => {
    if (reply.type === 'failed') broken ??= new Error(`live subscribers: ${reply.reason}`);
    else queue.push(reply);
    wake?.();
  });
  child.once('exit', (code, signal) => {
    broken ??= new Error(`live subscribers exited with ${code ?? signal}`);
    wake?.();
  });
  return {
    async next<T extends Reply['type']>(type: T, timeoutMs: number): Promise<Extract<Reply, { type: T }>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (broken) throw broken;
        const reply = queue.shift();
        if (reply) {
          if (reply.type !== type) throw new Error(`live subscribers answered ${reply.type}, expected ${type}`);
          return reply as Extract<Reply, { type: T }>;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`live subscribers: no ${type} answer in ${timeoutMs / 1000} s`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    },
  };
}

/** Whether this process's soft descriptor limit (inherited by the child) needs raising, and to what. */
function descriptorLimit(needed: number): { raise: number | null } {
  const read = (flag: string) => execFileSync('/bin/sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
  const soft = read('-Sn');
  if (soft === 'unlimited' || Number(soft) >= needed) return { raise: null };
  const hard = read('-Hn');
  if (hard !== 'unlimited' && Number(hard) < needed) {
    throw new Error(`${needed} file descriptors needed for the subscribers, but the hard limit (ulimit -Hn) is ${hard}`);
  }
  return { raise: needed };
}

/** Fails unless the server process `pid` may hold `sockets` more descriptors (its limit is its own). */
export function assertServerDescriptors(pid: number, sockets: number): void {
  const line = /^Max open files\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const soft = line?.[1];
  if (soft && soft !== 'unlimited' && Number(soft) < sockets + SPARE_DESCRIPTORS) {
    throw new Error(`the server (pid ${pid}) may open ${soft} files, fewer than ${sockets} subscriber sockets need: raise ulimit -n before npm run bench`);
  }
}

import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { freePort } from '../../../scripts/free-port.ts';

/**
 * The soak's view into the server's V8 through the inspector (the Chrome DevTools protocol that
 * `--inspect` opens on loopback): a full collection on demand, then the heap that survived it.
 * Without it the heap after GC is seen only when V8 happens to run a full collection, which at
 * this mix is a few times in a 5-minute half, too few to fit a slope; the server's code is the
 * production code either way (only NODE_OPTIONS differs).
 */
export interface HeapInspector {
  /** Runs a full, compacting collection and answers the V8 heap in use after it, in bytes. */
  settledHeapBytes(): Promise<number>;
  close(): void;
}

/** The environment that makes the child listen for the inspector on a fresh loopback port. */
export async function inspectorEnv(): Promise<{ env: Record<string, string>; port: number }> {
  const port = await freePort();
  return { env: { NODE_OPTIONS: `--inspect=127.0.0.1:${port}` }, port };
}

export async function connectHeapInspector(port: number): Promise<HeapInspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) })).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  if (!targets[0]) throw new Error(`the inspector at 127.0.0.1:${port} lists no target`);
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 1;
  const pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`));
    else waiting.resolve(message.result);
  });
  socket.on('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('inspector: connection closed'));
    pending.clear();
  });
  const call = <T>(method: string): Promise<T> =>
    Promise.race([
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
        socket.send(JSON.stringify({ id, method }));
      }),
      delay(30_000).then(() => Promise.reject(new Error(`inspector: ${method} took over 30 s`))),
    ]);
  return {
    async settledHeapBytes() {
      await call('HeapProfiler.collectGarbage');
      return (await call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
    },
    close: () => socket.close(),
  };
}

import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, expect } from 'vitest';

/*
 * Subscriptions read by the tests the way a client would: over graphql-ws (a real socket) or over
 * SSE (POST /graphql with accept: text/event-stream, the stream parsed by hand), each collected
 * in a Feed. Whatever a test opens is closed after it.
 */

export type Json = Record<string, any>;

/** A running server, in-process or a child process: only its base URL is needed. */
interface Target {
  url: string;
}

/** How long a feed waits for items or its end, and how long "nothing new" must last to be quiet. */
export interface FeedTiming {
  timeoutMs: number;
  quietMs: number;
}

/** Resolves with the first truthy `check()`, polling; throws naming `what` after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | null | false, what: string | (() => string), timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await delay(10);
  }
}

/** One subscription's results, whatever the transport. */
export class Feed {
  /** Every `next` payload, in arrival order. */
  readonly results: { data?: Json | null; errors?: Json[] }[] = [];
  /** What the transport reported as a failure (graphql-ws `error` message, close event, HTTP error). */
  failure: unknown = undefined;
  done = false;
  readonly field: string;
  readonly stop: () => void;
  readonly timing: FeedTiming;
  constructor(field: string, stop: () => void, timing: FeedTiming) {
    this.field = field;
    this.stop = stop;
    this.timing = timing;
  }

  /** The subscription field's value of every data result. */
  get items(): Json[] {
    return this.results.filter((r) => r.data).map((r) => r.data![this.field] as Json);
  }

  /** The GraphQL errors of every result. */
  get errors(): Json[] {
    return this.results.flatMap((r) => r.errors ?? []);
  }

  /** Resolves with the first n items once they arrived; fails if the subscription ended before. */
  async take(n: number, timeoutMs = this.timing.timeoutMs): Promise<Json[]> {
    await until(() => this.items.length >= n || this.done, () => `${n} ${this.field} item(s) (have ${this.items.length}): ${this.report()}`, timeoutMs);
    expect(this.items.length, `${this.field} ended early: ${this.report()}`).toBeGreaterThanOrEqual(n);
    return this.items.slice(0, n);
  }

  /** Waits until nothing new arrived for `quietMs`. */
  async quiet(quietMs = this.timing.quietMs): Promise<void> {
    let seen = this.results.length;
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      await delay(20);
      if (this.results.length !== seen) {
        seen = this.results.length;
        since = Date.now();
      }
    }
  }

  /** Resolves once the subscription ended (completed or failed). */
  async ended(timeoutMs = this.timing.timeoutMs): Promise<void> {
    await until(() => this.done, `${this.field} to end`, timeoutMs);
  }

  private report(): string {
    return JSON.stringify({ failure: this.failure instanceof Error ? String(this.failure) : this.failure, results: this.results });
  }
}

/**
 * The feeds of one test file: clients and subscriptions it opens (and whatever it adds to
 * `cleanups`) are closed after each test, newest first. `timing` is the default for its feeds.
 */
export function liveFeeds(timing: Partial<FeedTiming> = {}) {
  const defaults: FeedTiming = { timeoutMs: 5000, quietMs: 300, ...timing };
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // already closed
      }
    }
  });

  /** A graphql-ws client (lazy: it connects on the first subscribe) authenticated with `token`. */
  function wsClient(target: Target, token: string | null, extra: { onClosed?: (event: unknown) => void } = {}): Client {
    const client = createClient({
      url: `${target.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => extra.onClosed?.(event) },
    });
    cleanups.push(() => client.dispose());
    return client;
  }

  function subscribeWs(client: Client, field: string, query: string, variables: Json = {}): Feed {
    let unsubscribe = () => undefined as void;
    const feed = new Feed(field, () => unsubscribe(), defaults);
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => void feed.results.push(result as never),
        error: (err) => {
          feed.failure = err;
          feed.done = true;
        },
        complete: () => {
          feed.done = true;
        },
      },
    );
    cleanups.push(() => feed.stop());
    return feed;
  }

  /** A subscription over SSE (POST /graphql, accept: text/event-stream), read from the stream by hand. */
  function subscribeSse(target: Target, field: string, query: string, variables: Json, token: string | null): Feed & { status?: number } {
    const controller = new AbortController();
    const feed: Feed & { status?: number } = new Feed(field, () => controller.abort(), defaults);
    cleanups.push(() => controller.abort());
    const handle = (block: string) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (event === 'complete') feed.done = true;
      else if (data.join('\n').trim()) feed.results.push(JSON.parse(data.join('\n')));
    };
    void (async () => {
      const res = await fetch(`${target.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      feed.status = res.status;
      if (!res.headers.get('content-type')?.includes('text/event-stream')) {
        const text = await res.text();
        try {
          feed.results.push(JSON.parse(text));
        } catch {
          feed.failure = text;
        }
        feed.done = true;
        return;
      }
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handle(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      feed.done = true;
    })().catch((err: unknown) => {
      if (!controller.signal.aborted) feed.failure = err;
      feed.done = true;
    });
    return feed;
  }

  return { cleanups, wsClient, subscribeWs, subscribeSse };
}

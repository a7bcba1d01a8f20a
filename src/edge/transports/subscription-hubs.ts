import type { ExecutionResult } from 'graphql';
import { measureFanOut, type SharedLoad } from './live-metrics.ts';

/** What starting a subscription gives: its results, or one result (the errors it was refused with). */
export type Started = AsyncIterable<ExecutionResult> | ExecutionResult;

/**
 * One result of a shared execution, the same object for every subscriber: serialised and UTF-8
 * encoded once, when first sent, as the end of a message `{…,"payload":<result>}`.
 */
export class SharedResult {
  readonly result: ExecutionResult;
  #messageTail: Buffer | undefined;
  constructor(result: ExecutionResult) {
    this.result = result;
  }
  get messageTail(): Buffer {
    return (this.#messageTail ??= Buffer.from(`${JSON.stringify(this.result)}}`));
  }
}

/** How a subscriber receives results: at once, in order (a socket buffers what it cannot write yet). */
export type ResultSink = (result: SharedResult) => void;

type Outcome = { error: unknown } | { end: true };

interface Subscriber {
  send: ResultSink;
  outcome: Outcome | null;
  wake: (() => void) | null;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';

/**
 * Subscriptions executed once per shared key and broadcast. The first subscriber of a key starts
 * the execution; later ones join it and get every result from then on (the feeds without a
 * cursor start "from now", so joining is subscribing). Results are handed to each subscriber's
 * sink as they come, like a bare broadcast; the subscriber's iterator only tells how it ended. An
 * error or the end of the execution ends every subscriber; the last one to leave ends the
 * execution (its source is returned), and the next subscriber of the key starts a new one.
 */
export function subscriptionHubs() {
  const hubs = new Map<string, Hub>();

  class Hub {
    readonly subscribers = new Set<Subscriber>();
    source: AsyncIterator<ExecutionResult> | null = null;
    closed = false;
    readonly key: string;

    constructor(key: string) {
      this.key = key;
    }

    async run(start: () => Promise<Started>): Promise<void> {
      try {
        const started = await start();
        if (!isAsyncIterable(started)) {
          this.deliver(new SharedResult(started));
          return this.finish({ end: true });
        }
        this.source = started[Symbol.asyncIterator]();
        // Everyone left while it was starting.
        if (this.closed) return void (await this.source.return?.());
        for (;;) {
          const step = await this.source.next();
          if (step.done) break;
          this.deliver(new SharedResult(step.value));
        }
        this.finish({ end: true });
      } catch (error) {
        this.finish({ error });
      }
    }

    deliver(result: SharedResult): void {
      measureFanOut(this.subscribers.size, () => {
        for (const subscriber of this.subscribers) subscriber.send(result);
      });
    }

    finish(outcome: Outcome): void {
      for (const subscriber of this.subscribers) {
        subscriber.outcome = outcome;
        subscriber.wake?.();
      }
      this.subscribers.clear();
      this.close();
    }

    close(): void {
      this.closed = true;
      if (hubs.get(this.key) === this) hubs.delete(this.key);
    }

    leave(subscriber: Subscriber): Promise<unknown> | undefined {
      if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0 || this.closed) return undefined;
      this.close();
      return this.source?.return?.();
    }
  }

  /** The subscriber's iterator: yields nothing, ends as the execution ends; returning it leaves. */
  function subscribe(hub: Hub, send: ResultSink): AsyncGenerator<never> {
    const subscriber: Subscriber = { send, outcome: null, wake: null };
    hub.subscribers.add(subscriber);
    const done = { done: true, value: undefined } as const;
    const leave = async () => {
      if (!subscriber.outcome) {
        subscriber.outcome = { end: true };
        subscriber.wake?.();
        await hub.leave(subscriber);
      }
      return done;
    };
    const iterator = {
      async next(): Promise<IteratorResult<never>> {
        while (!subscriber.outcome) await new Promise<void>((resolve) => (subscriber.wake = resolve));
        if ('error' in subscriber.outcome) {
          const { error } = subscriber.outcome;
          subscriber.outcome = { end: true };
          throw error;
        }
        return done;
      },
      return: leave,
      async throw(error: unknown): Promise<never> {
        await leave();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator as unknown as AsyncGenerator<never>;
  }

  return {
    /**
     * Subscribes `send` to the execution shared under `key`; `start` runs it when there is none (it
     * must not throw: a failure to start is a result with errors).
     */
    join(key: string, start: () => Promise<Started>, send: ResultSink): AsyncGenerator<never> {
      const running = hubs.get(key);
      if (running) return subscribe(running, send);
      const hub = new Hub(key);
      hubs.set(key, hub);
      const subscriber = subscribe(hub, send);
      void hub.run(start);
      return subscriber;
    },
    /** How many executions are running and how many subscribers they serve (/metrics). */
    size(): SharedLoad {
      let subscribers = 0;
      for (const hub of hubs.values()) subscribers += hub.subscribers.size;
      return { executions: hubs.size, subscribers };
    },
  };
}

import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** How long the proxy holds every answer back. */
const ANSWER_DELAY_MS = 20;

/**
 * A TCP proxy in front of PostgreSQL that counts round trips: bursts of client bytes, each begun
 * after the server last answered. It holds every answer back 20 ms, so what a client writes in
 * one go (pipelined statements) always reaches it before any answer, and a count never depends
 * on timing. Count one connection at a time (a pool of one): bursts of several would mix.
 */
export class RoundTripCounter {
  bursts = 0;
  #answered = true;
  readonly #server: Server;
  readonly #upstream: URL;

  private constructor(upstream: URL) {
    this.#upstream = upstream;
    this.#server = createServer((client: Socket) => {
      const db = connect(Number(upstream.port || 5432), upstream.hostname);
      client.on('data', (chunk) => {
        if (this.#answered) this.bursts++;
        this.#answered = false;
        db.write(chunk);
      });
      db.on('data', (chunk) =>
        setTimeout(() => {
          this.#answered = true;
          if (!client.destroyed) client.write(chunk);
        }, ANSWER_DELAY_MS),
      );
      const close = () => (client.destroy(), db.destroy());
      client.on('close', close).on('error', close);
      db.on('close', close).on('error', close);
    });
  }

  static async start(upstream: URL): Promise<RoundTripCounter> {
    const counter = new RoundTripCounter(upstream);
    counter.#server.listen(0, '127.0.0.1');
    await once(counter.#server, 'listening');
    return counter;
  }

  /** The upstream database's URL, through the proxy. */
  get url(): string {
    const url = new URL(this.#upstream);
    url.hostname = '127.0.0.1';
    url.port = String((this.#server.address() as AddressInfo).port);
    return url.toString();
  }

  /** Round trips from here on; answers still on their way are let through first. */
  async reset(): Promise<void> {
    await delay(ANSWER_DELAY_MS * 2);
    this.bursts = 0;
  }

  close(): void {
    this.#server.close();
  }
}

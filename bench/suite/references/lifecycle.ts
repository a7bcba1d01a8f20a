import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * What every reference server shares with the harness (bench/suite contract): PORT and
 * DATABASE_URL from the environment, one `{"ready":true,"port":N}` line on stdout once listening,
 * `GET /bench/stats`, and a clean exit on SIGTERM. Kept here once so the five servers differ only
 * in what they measure.
 */
export function referencePort(): number {
  const port = Number(process.env.PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be 0–65535, got ${process.env.PORT}`);
  return port;
}

export function requiredDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  return url;
}

/** Answers `GET /bench/stats`; false when the request is something else. */
export function answerStats(req: IncomingMessage, res: ServerResponse, sqlStatements: () => number, extra: () => Record<string, number> = () => ({})): boolean {
  if (req.method !== 'GET' || req.url !== '/bench/stats') return false;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ sqlStatements: sqlStatements(), ...extra() }));
  return true;
}

/**
 * Listens on 127.0.0.1 (the harness and the load generator are local), announces the port, and
 * on SIGTERM drops open connections (autocannon keeps them alive) and runs `release` before exiting.
 */
export async function listenAndAnnounce(server: Server, port: number, release: () => Promise<void> = async () => {}): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    release().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port: address.port })}\n`);
}

/** Reads a request body up to `maxBytes`; null when it is larger (the caller answers 413). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

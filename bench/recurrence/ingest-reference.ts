import { spawn } from 'node:child_process';

/**
 * bench/ingest.ts against the server at `url` (HTTP webhooks, 2000 deliveries, 16 senders): its
 * last output line, parsed when it is JSON, else as it came.
 */
export async function benchIngest(url: string, secret: string): Promise<unknown> {
  const ingest = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['bench/ingest.ts', '--url', url, '--secret', secret, '--events', '2000', '--senders', '16'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('exit', () => resolve(out.trim().split('\n').at(-1) ?? ''));
  });
  try {
    return JSON.parse(ingest);
  } catch {
    return ingest;
  }
}

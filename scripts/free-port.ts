import { createServer, type AddressInfo } from 'node:net';

/** A port free right now on 127.0.0.1, for a child process that must be told its port up front (tests, the bench harness). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

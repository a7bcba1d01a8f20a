import { execFileSync } from 'node:child_process';

/**
 * The soft limit on open files, as a shell started from this process sees it (Node has no API for
 * it); null when it cannot be read. 'unlimited' counts as Infinity.
 */
export function openFileLimit(): number | null {
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Infinity : Number.isFinite(Number(text)) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * Descriptors a size needs: one per listener, two per probe in flight (our socket and the
 * listener's accepted one), and headroom for the database pool, stdio and Node's own.
 */
export const descriptorsNeeded = (resources: number, concurrency: number) => resources + 4 * concurrency + 256;

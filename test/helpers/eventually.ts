/**
 * Polls `probe` (every 200 ms; a rejection counts as "not yet") until it yields something truthy,
 * and returns it; throws naming `what` after `timeoutMs`. For outside processes (a real
 * Alertmanager) whose progress only shows by asking.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

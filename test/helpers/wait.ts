/**
 * Waiting on conditions instead of fixed sleeps: a loaded machine makes a test slower, never wrong.
 * The timeout only bounds a test that would otherwise hang; it does not decide an outcome that holds.
 */

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition()` holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  { timeoutMs = 30_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await tick(intervalMs);
  }
}

/**
 * The value of `read()` once it has stopped changing for `quietMs` (a counter that has reached its plateau).
 * Under load the plateau is only reached later; the value returned is always one the counter stayed at.
 */
export async function settled(
  read: () => number,
  what: string,
  {
    quietMs = 1000,
    timeoutMs = 30_000,
    intervalMs = 50,
  }: { quietMs?: number; timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what} kept changing`);
    await tick(intervalMs);
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    }
  }
  return value;
}

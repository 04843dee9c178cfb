/** Bounds requests in flight; waiters are served first come, first served. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Slots nobody holds or waits for. */
  get free(): number {
    return this.size - this.active - this.waiters.length;
  }

  /** A slot; a caller that gives up waiting (`signal`) leaves the queue at once, holding none. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal?.removeEventListener("abort", abandoned);
        resolve();
      };
      const abandoned = () => {
        const at = this.waiters.indexOf(granted);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", abandoned, { once: true });
      this.waiters.push(granted);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

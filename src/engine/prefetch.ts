import type { HttpClient } from "../http/client.js";

/**
 * Pages requested before a stream needs them, shared by every stream of one sync. They are what makes a
 * long list faster than one round trip per page, and they cost: a page fetched ahead waits, parsed, until
 * its stream reads it, and one fetched past a list's end is a wasted request. So they are bounded twice:
 * at most `capacity` outstanding across the sync (in flight or waiting to be read), and only while the
 * HTTP core could start one at once (a free in-flight slot, a rate grant to spare within a round trip).
 * When the rate budget or the consumer is the bottleneck, pages ahead would only queue, so none are taken.
 */
export class Prefetch {
  private outstanding = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly capacity: number,
  ) {}

  /** One page may be requested ahead; the caller gives it back once the page is read or abandoned. */
  tryTake(): boolean {
    if (this.outstanding >= this.capacity || this.http.spare() <= 0) return false;
    this.outstanding++;
    return true;
  }

  give(): void {
    this.outstanding--;
  }
}

import type { HttpClient } from "../http/client.js";
import type { StartGate } from "./in-order.js";

/**
 * Pages requested before a stream needs them, shared by every stream of one sync. They are what makes a
 * long list faster than one round trip per page, and they cost: a page fetched ahead waits, parsed, until
 * its stream reads it, and one fetched past a list's end is a wasted request. So they are bounded twice:
 * at most `capacity` outstanding across the sync (in flight or waiting to be read), and only while the
 * HTTP core could start one at once (a free in-flight slot, a rate grant to spare within a round trip).
 * When the rate budget or the consumer is the bottleneck, pages ahead would only queue, so none are taken.
 * Each open list may hold an equal share of the capacity: a list's end wastes at most its share, and the
 * last long list of a sync gets all of it.
 */
export class Prefetch implements StartGate {
  private outstanding = 0;
  private lists = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly capacity: number,
  ) {}

  /** A list starts (`open`) or ends (`close`) paging; its share of the capacity follows the count. */
  open(): void {
    this.lists++;
  }

  close(): void {
    this.lists--;
  }

  /**
   * One more page may be requested ahead by a list that already holds `held`; the caller gives it back
   * once the page is read or abandoned.
   */
  tryTake(held = 0): boolean {
    const share = Math.ceil(this.capacity / Math.max(1, this.lists));
    if (held >= share || this.outstanding >= this.capacity || this.http.spare() <= 0) return false;
    this.outstanding++;
    return true;
  }

  give(): void {
    this.outstanding--;
  }
}

/**
 * A first-in first-out queue on a ring of slots, emptied as values leave: for pages requested ahead and
 * lists started early, each holding a whole parsed page until its turn.
 *
 * Not a Map keyed by page number: a Map that keeps gaining new keys while losing old ones is rebuilt every
 * few dozen inserts, and the retired table still points at the entries it held. Once a table has lived
 * long enough to reach V8's old generation, those stale pointers keep every page it held alive through each
 * scavenge, so the pages are promoted and stay until a full collection. A 180k-record list with 16 pages
 * ahead promoted 135 MB of its pages that way (v8.GCProfiler), 14 MB without the Map; the old generation,
 * and the tap's RSS with it, grew with the length of the sync.
 */
export class Fifo<T> {
  private slots: Array<T | undefined> = new Array<T | undefined>(8).fill(undefined);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(value: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = value;
    this.count++;
  }

  peek(): T | undefined {
    return this.count > 0 ? this.slots[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const value = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    return value;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.slots[(this.head + i) % this.slots.length]!;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) slots[i] = old[(this.head + i) % old.length];
    old.fill(undefined); // the retired ring must not keep the values alive either
    this.slots = slots;
    this.head = 0;
  }
}

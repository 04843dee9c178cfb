import { Fifo } from "./fifo.js";
import type { ListEvent } from "./in-order.js";

/** One list being read: what it has delivered ahead of its turn, and whether it is read whole. */
interface Reading<T> {
  ahead: Fifo<T>;
  /** its next item, asked for and not answered yet; undefined while paused or once done */
  asked?: Promise<void>;
  done: boolean;
  /** why its next item could not be read: thrown when its turn comes, so the lists before it still count */
  failed?: { error: unknown };
}

/**
 * Several lists read side by side, up to `atOnce` at a time, yielded in list order as `readInOrder` does.
 * For a report's calendar windows: each window is a chain of pages (no total, so no page can be asked before
 * the one ahead of it is answered), and read one after another they were the sync's longest chain, which the
 * rate window made its tail. Read side by side they make the same requests, none more. Items of the lists
 * after the current one wait in memory, at most `maxAhead` across them (a list whose item would exceed it
 * pauses till the reader catches up), plus one item asked for per list.
 */
export async function* readSideBySide<T>(
  lists: AsyncGenerator<T>[],
  atOnce: number,
  maxAhead: number,
): AsyncGenerator<ListEvent<T>> {
  const readings: Array<Reading<T>> = [];
  let current = 0;
  let ahead = 0;
  let wake: (() => void) | undefined;
  const ask = (list: number) => {
    const reading = readings[list]!;
    reading.asked = lists[list]!.next().then(
      (result) => {
        reading.asked = undefined;
        if (result.done) reading.done = true;
        else {
          reading.ahead.push(result.value);
          if (list !== current) ahead++;
        }
        wake?.();
      },
      (error: unknown) => {
        reading.asked = undefined;
        reading.failed = { error };
        wake?.();
      },
    );
  };
  const resume = () => {
    for (let i = current; i < readings.length; i++) {
      const r = readings[i]!;
      if (r.done || r.asked || r.failed) continue;
      // the current list always goes on; a later one only while the items held ahead stay within bounds
      if (i !== current && ahead >= maxAhead) break;
      ask(i);
    }
  };
  try {
    while (current < lists.length) {
      while (readings.length < lists.length && readings.length < current + atOnce) {
        readings.push({ ahead: new Fifo<T>(), done: false });
      }
      resume();
      const reading = readings[current]!;
      while (reading.ahead.size === 0 && !reading.done && !reading.failed) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        resume();
      }
      if (reading.ahead.size > 0) {
        yield { list: current, item: reading.ahead.shift()! };
        continue;
      }
      if (reading.failed) throw reading.failed.error;
      yield { list: current, end: true };
      readings[current] = { ahead: new Fifo<T>(), done: true }; // its items are gone; drop the ring
      current++;
      // the new current list's items held ahead are its own now, no longer ahead of the reader
      if (current < readings.length) ahead -= readings[current]!.ahead.size;
    }
  } finally {
    // lists not read to their end (after a failure) stop their requests when closed
    for (const list of lists) list.return(undefined).catch(() => undefined);
  }
}

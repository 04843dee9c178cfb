import { Fifo } from "./fifo.js";

/** Who lets lists start early: the sync's Prefetch, or `START_ALL`. */
export interface StartGate {
  /** one more list may start early, `held` being how many already have */
  tryTake(held: number): boolean;
  give(): void;
}

/** Every list starts at once (children of one parent page: the HTTP core bounds their requests). */
export const START_ALL: StartGate = { tryTake: () => true, give: () => undefined };

export type ListEvent<T> = { list: number; item: T } | { list: number; end: true };

/**
 * Several lists read one after another, with the lists that follow started (their first item requested)
 * while the current one is read, as far as `gate` allows. Report windows and the child lists of a parent
 * page are many short lists whose first pages are certain to be needed: fetching them early wastes
 * nothing, while one round trip each would leave the rate budget idle. Items come out in list order, one
 * at a time, so memory holds at most one item per started list.
 */
export async function* readInOrder<T>(
  lists: AsyncGenerator<T>[],
  gate: StartGate,
): AsyncGenerator<ListEvent<T>> {
  // lists started early, in list order, with the promise of their first item
  const started = new Fifo<{ list: number; first: Promise<IteratorResult<T>> }>();
  let nextToStart = 1;
  try {
    for (let i = 0; i < lists.length; i++) {
      nextToStart = Math.max(nextToStart, i + 1);
      const first = started.peek()?.list === i ? started.shift()!.first : undefined;
      // the current list asks first: started after the lists that follow, its request would queue behind
      // theirs in the HTTP core, and nothing would come out until they were all answered
      const current = first ?? lists[i]!.next();
      while (nextToStart < lists.length && gate.tryTake(nextToStart - i - 1)) {
        const next = lists[nextToStart]!.next();
        next.catch(() => undefined); // awaited in turn; a failure surfaces when its list's turn comes
        started.push({ list: nextToStart++, first: next });
      }
      let result: IteratorResult<T>;
      try {
        result = await current;
      } finally {
        if (first) gate.give();
      }
      while (!result.done) {
        yield { list: i, item: result.value };
        result = await lists[i]!.next();
      }
      yield { list: i, end: true };
    }
  } finally {
    for (let k = 0; k < started.size; k++) gate.give();
    // lists started and not read to their end (after a failure) stop their requests when closed
    for (const list of lists) list.return(undefined).catch(() => undefined);
  }
}

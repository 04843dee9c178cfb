/**
 * A request's own AbortSignal, aborted with a long-lived parent (a list's scope, the sync's interrupt), that
 * adds no listener to the parent: each parent gets one listener for all its children.
 *
 * Why not hand the parent to undici, which adds and later removes an abort listener per request: Node keeps
 * an EventTarget's listeners in a linked list, and a removed listener still points at the one after it.
 * Once a listener has lived long enough to be promoted to V8's old generation, that dead pointer keeps the
 * young listener after it alive through every scavenge until the next full collection, with the request it
 * closes over (response text, parsed page); so it is promoted too, and holds the next one in turn. With 16
 * requests in flight on one shared signal nearly every page reached the old generation (105 of 180 MB of a
 * 180k-record list, measured with v8.GCProfiler), which then grew until a full collection; with a signal
 * per request, 9 MB.
 */
export interface ChildSignal {
  signal: AbortSignal | undefined;
  /** the request is over: the parent forgets it */
  release(): void;
}

/** A child that can also be aborted on its own: a deadline, a page found past a list's end. */
export interface ChildController extends ChildSignal {
  signal: AbortSignal;
  abort(reason: unknown): void;
}

// A Set of the live children: a retired table of it (see fifo.ts) may keep a finished child's controller a
// while, but that holds nothing else once the request has removed its listeners from the child.
const children = new WeakMap<AbortSignal, Set<AbortController>>();
const NO_PARENT: ChildSignal = { signal: undefined, release: () => undefined };

export function childSignal(parent: AbortSignal | undefined): ChildSignal {
  return parent ? childController(parent) : NO_PARENT;
}

/**
 * A child controller of `parent` (or a plain one without). Cheaper than `AbortSignal.any([parent, own])`
 * per request, which in Node 20 also registers a WeakRef and a finalizer on the parent for every child.
 */
export function childController(parent: AbortSignal | undefined): ChildController {
  const controller = new AbortController();
  const own = {
    signal: controller.signal,
    abort: (reason: unknown) => controller.abort(reason),
    release: () => undefined,
  };
  if (!parent) return own;
  if (parent.aborted) {
    controller.abort(parent.reason);
    return own;
  }
  let live = children.get(parent);
  if (!live) {
    const set = new Set<AbortController>();
    parent.addEventListener(
      "abort",
      () => {
        for (const child of set) child.abort(parent.reason);
        set.clear();
      },
      { once: true },
    );
    children.set(parent, set);
    live = set;
  }
  live.add(controller);
  const set = live;
  own.release = () => {
    set.delete(controller);
  };
  return own;
}

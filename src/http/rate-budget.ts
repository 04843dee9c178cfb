import { sleep } from "./sleep.js";

/**
 * Ends a granted request's hold on the budget; call it once the request is answered or has failed.
 * `cancelled`: the caller stopped waiting before an answer, so the server may see it later still;
 * `unsent`: it was cancelled before it left (it never reached the server), so its slot is free at once.
 */
export type Release = (how?: "answered" | "cancelled" | "unsent") => void;

/**
 * One proactive request budget shared by every stream: at most `limit` requests in any moving window, as
 * the server counts them. The server counts a request when it arrives, which the client cannot see, but it
 * has surely arrived by the time its answer (or failure) is back. So a request holds its slot from its
 * grant until a window after its release: never early, whatever the latency or a cold connection's
 * handshake, and late by one round trip instead of a fixed safety margin.
 *
 * The limit itself is an AIMD controller, because the account's quota is shared with clients we cannot see:
 * - multiplicative decrease: a 429 cuts the limit by `DECREASE` (`slowDown`), once per episode. An episode
 *   is the set of requests granted before the last cut, and every 429 within `EPISODE_MS` of it: their
 *   429s answer the rate we had then, so 16 of them in flight together are one signal, not sixteen. Only a
 *   request granted after the cut, answered 429 after the episode, can say the lower rate is still too fast.
 *   (Without the time bound, sporadic 429s inside one burst of grants cut the limit to the floor within a
 *   second, and a window full of that burst's grants then blocks the next ones for a whole window.)
 * - a full quota: when nearly all recent answers are 429s (`QUOTA_FULL` of the last `QUOTA_SAMPLE`), the
 *   account's quota is full, not sporadically refusing: the limit drops at once to what got through in the
 *   window (never below the floor) and holds there. A cut by `DECREASE` alone kept granting into a full
 *   quota: under one of 100 a minute, 53 of 181 requests were 429s, most of them retries sent while the
 *   server's window was still full. Sporadic 429s (one in ten) never look like this.
 *   While it holds, grants wait for the window to have room, as a moving window's quota frees, or for one
 *   probe: a single request past the limit, at 1 s, then 2, 4 … (up to a window) while probes draw 429s,
 *   and at once after one got through, so a quota that refills steadily (a token bucket) is followed a
 *   request at a time instead of waited out for a window. The first grant the window has room for ends
 *   the hold, and recovery starts from there.
 * - additive increase: every answered request (`speedUp`) raises the limit in proportion to the time since
 *   the last change, `target` per `RECOVERY_MS`, so once the 429s stop the limit is back at the configured
 *   rate within `RECOVERY_MS` (from any point, however deep the cut), and never above it.
 * - floor: the limit never falls below `FLOOR` of the target (nor below 1); lower than that only when the
 *   user configures a lower `requests_per_minute`.
 * A lowered limit is what delays the next grants when the account is saturated: a window holding more
 * grants than the new limit grants nothing until enough of them leave it. No 429 pauses every stream
 * outright: one endpoint's Retry-After delays only the request that got it (see HttpClient).
 */
export class RateBudget {
  /** release times of finished requests still in the window, oldest first */
  private readonly released: number[] = [];
  private inFlight = 0;
  /** wakes the caller at the head of the queue when it waits for an in-flight request to finish */
  private onRelease: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pausedUntil = 0;
  private waiting = 0;
  /** the controller's rate; fractional so small increases add up, granted as `floor(limitNow)` */
  private limitNow: number;
  /** when the limit last changed: the start of the current episode, and where recovery counts from */
  private changedAt = Number.NEGATIVE_INFINITY;
  /** the last cut: requests granted up to this time belong to its episode */
  private cutAt = Number.NEGATIVE_INFINITY;
  /** 429 episodes so far (each one cut the limit once) */
  decreases = 0;
  /** the last QUOTA_SAMPLE answers, true for a 429, as a ring */
  private readonly recent: boolean[] = [];
  private recentAt = 0;
  /** answer times of requests let through (not 429) within the window, oldest first */
  private readonly passed: number[] = [];
  /** set while a full quota holds the limit (see the class comment) */
  private held: Held | undefined;

  /** 429s this soon after a cut are part of its episode */
  static readonly EPISODE_MS = 2_000;
  /** a 429 keeps this share of the limit */
  static readonly DECREASE = 0.9;
  /** the limit climbs back from the floor to the target within this long of answered requests */
  static readonly RECOVERY_MS = 20_000;
  /** the lowest share of the target a 429 can bring the limit to */
  static readonly FLOOR = 0.25;
  /** answers the full-quota check looks back over */
  static readonly QUOTA_SAMPLE = 8;
  /** 429s among them that say the quota is full (sporadic ones, one in ten, make 6 of 8 about 1 in 30,000) */
  static readonly QUOTA_FULL = 6;
  /** the first probe of a held quota goes this long after the cut; each one refused doubles it */
  static readonly PROBE_MS = 1_000;
  /**
   * A request cancelled before its answer (a page ahead past a list's end) may reach the server's count
   * later than that: a busy server reads its socket late. Its slot counts as released this much later (a
   * 429 was seen in one rate-limited benchmark run out of several, with slots released at the abort).
   */
  static readonly CANCELLED_HOLD_MS = 2_000;

  constructor(
    private readonly target: number,
    /** the moving window the limit counts in, as the server's quota does */
    readonly windowMs = 60_000,
  ) {
    this.limitNow = target;
  }

  /** Requests this budget grants per window now (at most the configured rate, at least the floor). */
  get limit(): number {
    return Math.max(1, Math.floor(this.limitNow));
  }

  /** A full quota holds the limit: grants wait for the window to have room, or go one probe at a time. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** The lowest the controller goes: `FLOOR` of the configured rate, at least 1. */
  get floor(): number {
    return Math.max(1, Math.ceil(this.target * RateBudget.FLOOR));
  }

  /** Requests per second this budget sustains; used to size concurrency. */
  get ratePerSecond(): number {
    return (this.limit * 1000) / this.windowMs;
  }

  /** Resolves when the caller may send one request. Grants are first come, first served. */
  acquire(signal?: AbortSignal): Promise<Release> {
    this.waiting++;
    const turn = this.queue.then(() => this.waitForSlot(signal)).finally(() => this.waiting--);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Grants left over within `horizonMs` once every queued caller is served: what optional work (pages
   * requested ahead) may spend without delaying a request that is needed, or queueing behind a full window.
   */
  spare(horizonMs: number): number {
    const at = Date.now() + horizonMs;
    if (this.pausedUntil > at) return 0;
    let live = this.inFlight + this.released.length;
    for (let i = 0; i < this.released.length && this.released[i]! + this.windowMs <= at; i++) live--;
    return this.limit - live - this.waiting;
  }

  /**
   * Blocks every grant for `ms`, bounded by the caller: for a 429 that says the whole account is limited.
   * The HTTP client does not call it for an ordinary 429 (the cut limit paces the account instead).
   */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /**
   * A request granted at `grantedAt` drew a 429: the account is busier than our limit allows for. The
   * first such answer of an episode cuts the limit by `DECREASE` (never below the floor); 429s of requests
   * granted before that cut are the same episode and change nothing. When the recent answers say the quota is
   * full, the limit drops to what got through in the window instead, episode or not. Returns whether it cut.
   */
  slowDown(grantedAt: number = Date.now()): boolean {
    const now = Date.now();
    this.noteAnswer(true);
    const through = this.quotaFullAt(now);
    if (through !== undefined && Math.max(this.floor, through) < this.limitNow) {
      // the quota is full: nothing more goes out until the window holds fewer than what got through in it
      this.cut(Math.max(this.floor, through), now);
      this.held ??= {
        probeAt: now + RateBudget.PROBE_MS,
        probeDelayMs: 2 * RateBudget.PROBE_MS,
        probing: false,
        through: false,
      };
      return true;
    }
    // while held, a refused probe is the hold at work, not a reason to cut further
    if (this.held) return false;
    if (grantedAt <= this.cutAt || now - this.cutAt < RateBudget.EPISODE_MS) return false;
    // recovery is earned by answered requests (`speedUp`); 429s alone never raise the limit
    this.cut(Math.max(this.floor, this.limitNow * RateBudget.DECREASE), now);
    return true;
  }

  private cut(limit: number, now: number): void {
    this.limitNow = limit;
    // requests granted up to this instant were sent at the old rate: their 429s are this episode
    this.cutAt = now;
    this.changedAt = now;
    this.decreases++;
  }

  /** Requests let through in the window, when recent answers say the quota is full; otherwise undefined. */
  private quotaFullAt(now: number): number | undefined {
    let refused = 0;
    for (const r of this.recent) if (r) refused++;
    if (refused < RateBudget.QUOTA_FULL) return undefined;
    this.forgetBefore(this.passed, now);
    return this.passed.length;
  }

  /** Drops the times (oldest first) that have left the window by `now`. */
  private forgetBefore(times: number[], now: number): void {
    while (times.length > 0 && times[0]! + this.windowMs <= now) times.shift();
  }

  private noteAnswer(refused: boolean): void {
    if (this.recent.length < RateBudget.QUOTA_SAMPLE) this.recent.push(refused);
    else this.recent[this.recentAt] = refused;
    this.recentAt = (this.recentAt + 1) % RateBudget.QUOTA_SAMPLE;
  }

  /** A request was answered without a 429: recover toward the target, `target` per `RECOVERY_MS`. */
  speedUp(): void {
    const now = Date.now();
    this.noteAnswer(false);
    this.passed.push(now);
    this.forgetBefore(this.passed, now);
    if (this.held) {
      // no recovery while the quota holds: it starts when the window has room again
      this.held.through = true;
      return;
    }
    if (this.limitNow < this.target) {
      const gained = ((now - this.changedAt) * this.target) / RateBudget.RECOVERY_MS;
      this.limitNow = Math.min(this.target, this.limitNow + gained);
    }
    this.changedAt = now;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<Release> {
    let probe = false;
    for (;;) {
      const now = Date.now();
      this.forgetBefore(this.released, now);
      // slots to free before this grant fits: released ones leave oldest first, a window after release
      const excess = this.inFlight + this.released.length - this.limit;
      let wait = this.pausedUntil - now;
      // more in flight than the limit: the wait ends at a release
      if (excess >= this.released.length) wait = Number.POSITIVE_INFINITY;
      else if (excess >= 0) wait = Math.max(wait, this.released[excess]! + this.windowMs - now);
      if (wait <= 0) {
        // the window has room: the hold is over, and recovery counts from here
        if (this.held) {
          this.held = undefined;
          this.changedAt = now;
        }
        break;
      }
      const held = this.held;
      if (held && !held.probing && this.pausedUntil <= now) {
        if (held.probeAt <= now) {
          probe = true;
          held.probing = true;
          break;
        }
        wait = Math.min(wait, held.probeAt - now);
      }
      // a release frees a slot or answers a probe; the wait's end, if it has one, comes as one too
      if (held || wait === Number.POSITIVE_INFINITY) await this.nextRelease(signal, wait);
      else await sleep(wait, signal);
    }
    this.inFlight++;
    let done = false;
    return (how = "answered") => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (probe) this.probed(how === "answered");
      if (how === "unsent") {
        this.onRelease?.();
        return;
      }
      const at = Date.now() + (how === "cancelled" ? RateBudget.CANCELLED_HOLD_MS : 0);
      // oldest first: a cancelled slot's later time goes in its place
      let i = this.released.length;
      while (i > 0 && this.released[i - 1]! > at) i--;
      this.released.splice(i, 0, at);
      this.onRelease?.();
    };
  }

  /** A held quota's probe is over: the next goes at once after one that got through, later after a 429. */
  private probed(answered: boolean): void {
    const held = this.held;
    if (!held) return;
    held.probing = false;
    const now = Date.now();
    if (held.through || !answered) {
      held.through = false;
      held.probeDelayMs = RateBudget.PROBE_MS;
      held.probeAt = now;
    } else {
      held.probeAt = now + held.probeDelayMs;
      held.probeDelayMs = Math.min(this.windowMs, held.probeDelayMs * 2);
    }
  }

  /** Resolves at the next release, or after `ms` (when finite), whichever is first. */
  private nextRelease(signal?: AbortSignal, ms = Number.POSITIVE_INFINITY): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.onRelease?.(), ms) : undefined;
      const onAbort = () => {
        clearTimeout(timer);
        this.onRelease = undefined;
        reject(signal?.reason);
      };
      this.onRelease = () => {
        clearTimeout(timer);
        this.onRelease = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** A full quota's hold: when its next probe may go, and what the answers since say. */
interface Held {
  probeAt: number;
  probeDelayMs: number;
  /** a probe is out */
  probing: boolean;
  /** an answer got through since the last probe went */
  through: boolean;
}

import type { Progress } from "../engine/read/index.js";
import type { StreamSummary } from "../engine/sync.js";
import type { HttpStats } from "../http/client.js";
import type { Logger } from "../log.js";

/**
 * A progress line at intervals while a sync runs: per running stream its records and pages so far, and a
 * percentage and ETA where it knows its size; for the sync, requests in the last minute against the budget
 * (the rate controller's current limit, which 429s lower below `requests_per_minute`, and whether it holds a
 * full quota), 429s and retries.
 */
export class Heartbeat {
  private readonly streams: StreamSummary[] = [];
  /** attempt times (epoch ms) within the last minute, oldest first */
  private readonly recent: number[] = [];

  constructor(
    private readonly log: Logger,
    private readonly stats: HttpStats,
    private readonly requestsPerMinute: number,
    private readonly limitNow: () => number = () => requestsPerMinute,
    /** the controller holds a full quota */
    private readonly held: () => boolean = () => false,
  ) {}

  watch(summary: StreamSummary): void {
    this.streams.push(summary);
  }

  observeRequest(now = Date.now()): void {
    this.recent.push(now);
  }

  beat(now = Date.now()): void {
    while (this.recent.length && this.recent[0]! <= now - 60_000) this.recent.shift();
    const running = this.streams.filter((s) => s.outcome === "running");
    const done = this.streams.length - running.length;
    const parts = running.map((s) => `${s.stream} ${s.records} records, ${s.pages} pages${percent(s, now)}`);
    const { rateLimited, retries } = this.stats;
    const limit = this.limitNow();
    const lowered = this.held()
      ? ` (the account's quota is full: held at what got through, lowered from ${this.requestsPerMinute}; one probe at a time until the window has room)`
      : limit < this.requestsPerMinute
        ? ` (lowered from ${this.requestsPerMinute} after 429s)`
        : "";
    this.log.info(
      `progress: ${done} of ${this.streams.length} streams done; ${parts.join("; ") || "none running"}; ${this.recent.length}/${limit} requests in the last minute${lowered}, ${rateLimited} rate-limited, ${retries} retries`,
      {
        event: "heartbeat",
        streams: running.map((s) => ({
          stream: s.stream,
          records: s.records,
          pages: s.pages,
          ...(s.progress ? { ...s.progress, done: doneOf(s, s.progress) } : {}),
        })),
        requestsLastMinute: this.recent.length,
        budget: limit,
        requestsPerMinute: this.requestsPerMinute,
        rateLimited,
        retries,
      },
    );
  }
}

function doneOf(s: StreamSummary, p: Progress): number {
  return p.done ?? s.records;
}

function percent(s: StreamSummary, now: number): string {
  const p = s.progress;
  if (!p || p.total <= 0) return "";
  const done = Math.min(doneOf(s, p), p.total);
  const share = done / p.total;
  const unit = p.unit === "records" ? "" : ` of ${p.total} ${p.unit}`;
  if (done === 0) return `, 0%${unit}`;
  const etaMs = ((now - s.started) * (p.total - done)) / done;
  return `, ${Math.floor(share * 100)}%${unit}, ETA ${duration(etaMs)}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

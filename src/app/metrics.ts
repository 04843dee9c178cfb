import type { Logger } from "../log.js";

/**
 * Singer METRIC lines (singer-python's format: `INFO METRIC: {...}` on the log), flushed at intervals and at
 * the end: a record_count counter per stream (delta since the last flush) and an http_request_duration timer
 * per endpoint (mean seconds over the interval, with the request count).
 */
export class Metrics {
  private readonly records = new Map<string, number>();
  private readonly requests = new Map<string, { count: number; ms: number; failed: number }>();

  constructor(private readonly log: Logger) {}

  countRecords(stream: string, n: number): void {
    this.records.set(stream, (this.records.get(stream) ?? 0) + n);
  }

  observeRequest(endpoint: string, ms: number, ok: boolean): void {
    const r = this.requests.get(endpoint) ?? { count: 0, ms: 0, failed: 0 };
    r.count++;
    r.ms += ms;
    if (!ok) r.failed++;
    this.requests.set(endpoint, r);
  }

  flush(): void {
    for (const [stream, value] of this.records) {
      this.metric({ type: "counter", metric: "record_count", value, tags: { stream } });
    }
    for (const [endpoint, r] of this.requests) {
      this.metric({
        type: "timer",
        metric: "http_request_duration",
        value: Number((r.ms / r.count / 1000).toFixed(4)),
        tags: { endpoint, requests: r.count, failed: r.failed, status: r.failed ? "failed" : "succeeded" },
      });
    }
    this.records.clear();
    this.requests.clear();
  }

  private metric(value: unknown): void {
    this.log.info(`METRIC: ${JSON.stringify(value)}`);
  }
}

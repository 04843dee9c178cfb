import type { Logger } from "../log.js";

/**
 * Singer METRIC lines (singer-python's format: `INFO METRIC: {...}` on the log), flushed at intervals and at
 * the end: a record_count counter per stream (delta since the last flush) and an http_request_duration timer
 * per endpoint and status (mean seconds over the interval, with the request count). Endpoints are templates
 * (`company/promoters/{id}`), so a stream of one request per parent is one timer, not one per parent; the tags
 * are singer-sdk's (`endpoint`, `http_status_code`, `status`).
 */
export class Metrics {
  private readonly records = new Map<string, number>();
  private readonly requests = new Map<
    string,
    { endpoint: string; status: number | undefined; count: number; ms: number; failed: number }
  >();

  constructor(private readonly log: Logger) {}

  countRecords(stream: string, n: number): void {
    this.records.set(stream, (this.records.get(stream) ?? 0) + n);
  }

  observeRequest(path: string, ms: number, ok: boolean, status?: number): void {
    const endpoint = endpointTemplate(path);
    const key = `${endpoint} ${status ?? "-"}`;
    let r = this.requests.get(key);
    if (!r) {
      r = { endpoint, status, count: 0, ms: 0, failed: 0 };
      this.requests.set(key, r);
    }
    r.count++;
    r.ms += ms;
    if (!ok) r.failed++;
  }

  flush(): void {
    for (const [stream, value] of this.records) {
      this.metric({ type: "counter", metric: "record_count", value, tags: { stream } });
    }
    for (const r of this.requests.values()) {
      this.metric({
        type: "timer",
        metric: "http_request_duration",
        value: Number((r.ms / r.count / 1000).toFixed(4)),
        tags: {
          endpoint: r.endpoint,
          ...(r.status === undefined ? {} : { http_status_code: r.status }),
          status: r.failed ? "failed" : "succeeded",
          requests: r.count,
          failed: r.failed,
        },
      });
    }
    this.records.clear();
    this.requests.clear();
  }

  private metric(value: unknown): void {
    this.log.info(`METRIC: ${JSON.stringify(value)}`);
  }
}

/** A path with its ids (numbers, UUIDs, other path segments holding a digit run) as `{id}`. */
export function endpointTemplate(path: string): string {
  return path
    .split("/")
    .map((segment) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(segment) ? "{id}" : segment))
    .join("/");
}

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Dataset,
  generateDataset,
  payoutsDueStats,
  payoutsGroupedByPromoter,
  payoutsGroupedMeta,
  payoutsStats,
  type ReportKind,
  reportRows,
  simulateActivity,
} from "./dataset.js";
import { applyDrift, deleteRows } from "./drift.js";
import { FaultPlan, type FaultRule } from "./faults.js";
import type { Row } from "./model.js";
import { applyListQuery, parseListQuery, viewKey } from "./query.js";

export const SANDBOX_API_KEY = "sandbox-api-key";
export const SANDBOX_ACCOUNT_ID = "sandbox-account";

export interface SandboxOptions {
  host?: string;
  port?: number;
  seed?: number;
  /** number of promoters; every other resource scales with it */
  size?: number;
  /** "now" of the fake account; default: the start of the current UTC hour */
  anchor?: Date;
  apiKey?: string;
  accountId?: string;
  /** the real policy: at most `requests` per sliding `windowMs` per account, else 429 */
  rateLimit?: { requests: number; windowMs?: number; retryAfter?: RetryAfterStyle };
  latencyMs?: number;
  faults?: FaultRule[];
  /** how long a "slow" fault stalls before answering */
  slowMs?: number;
  /** undeclared fields and type drift on some rows (see sandbox/drift.ts) */
  drift?: boolean;
  /** every list answers its default page size (20), whatever `per_page` asks: a server that ignores it */
  ignorePerPage?: boolean;
  /** called before each API request is served (tests insert rows mid-sync here) */
  onRequest?: (path: string, params: URLSearchParams) => void;
}

/** how a 429 says when to come back: not at all, in seconds, or as an HTTP date */
export type RetryAfterStyle = "none" | "seconds" | "date";
const RETRY_AFTER_STYLES = new Set<string>(["none", "seconds", "date"]);

export interface SandboxStats {
  requests: number;
  rateLimited: number;
  faults: number;
  byPath: Record<string, number>;
}

export interface Sandbox {
  /** base_url for the tap: http://host:port/api/v2 */
  baseUrl: string;
  dataset: Dataset;
  stats: SandboxStats;
  faults: FaultPlan;
  /** a tap config pointing at this sandbox */
  tapConfig(extra?: Record<string, unknown>): Record<string, unknown>;
  /** account activity since the last sync (new rows, status changes), stamped `now` */
  simulateActivity(now?: Date, scale?: number): ReturnType<typeof simulateActivity>;
  /** deletes rows of one resource by id between syncs (also POST /__sandbox/delete?resource=&id=&id=) */
  deleteRows(resource: keyof Dataset, ids: Array<number | string>): number;
  close(): Promise<void>;
}

/** Resources served as plain lists under /api/v2/company/<path>; `desc` = newest first by default. */
const LISTS: Record<string, { resource: keyof Dataset; desc?: boolean }> = {
  referrals: { resource: "referrals", desc: true },
  commissions: { resource: "commissions" },
  payouts: { resource: "payouts" },
  promo_codes: { resource: "promo_codes" },
  promoter_campaigns: { resource: "promoter_campaigns" },
  campaigns: { resource: "campaigns" },
  rewards: { resource: "rewards" },
  products: { resource: "products" },
  assets: { resource: "assets" },
  "assets/categories": { resource: "asset_categories" },
  batch_processes: { resource: "batch_processes", desc: true },
  webhooks: { resource: "webhooks", desc: true },
  payout_methods: { resource: "payout_methods" },
};

const REPORT_KINDS = new Set<ReportKind>(["overview", "campaigns", "promoters", "traffic_sources", "urls"]);

function defaultAnchor(): Date {
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  return now;
}

/** Starts a local fake FirstPromoter API on loopback with the real API's auth, envelopes and pagination. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = options.apiKey ?? SANDBOX_API_KEY;
  const accountId = options.accountId ?? SANDBOX_ACCOUNT_ID;
  const dataset = generateDataset({
    seed: options.seed ?? 1,
    size: options.size ?? 20,
    anchor: options.anchor ?? defaultAnchor(),
  });
  if (options.drift) applyDrift(dataset);
  const faults = new FaultPlan(options.faults);
  const stats: SandboxStats = { requests: 0, rateLimited: 0, faults: 0, byPath: {} };
  const arrivals: number[] = [];
  /** resets so far: a request is counted in the rate window it arrived in */
  let epoch = 0;
  let rateLimit = options.rateLimit;
  let version = 0;
  const views = new Map<string, Row[]>();

  /** A computed list (filtered and sorted, or a report window) reused by every page of it until data changes. */
  const cachedView = (key: string, compute: () => Row[]): Row[] => {
    const versioned = `${version}|${key}`;
    let view = views.get(versioned);
    if (!view) {
      if (views.size > 200) views.clear();
      view = compute();
      views.set(versioned, view);
    }
    return view;
  };

  const list = (resource: keyof Dataset, params: URLSearchParams, desc: boolean): Row[] => {
    const q = parseListQuery(params);
    return cachedView(viewKey(resource, q, desc), () => applyListQuery(dataset[resource] as Row[], q, desc));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const path = url.pathname;
    if (path.startsWith("/__sandbox/")) return control(path, req, res);
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    const arrivedIn = epoch;
    if (options.latencyMs) await delay(options.latencyMs);

    // a request that arrived before a reset belongs to the window that reset ended: counted in the new one, an
    // earlier client's page still in its latency took a slot of the next client's window (a 429 at its edge)
    if (rateLimit && arrivedIn === epoch) {
      const now = Date.now();
      const windowMs = rateLimit.windowMs ?? 60_000;
      while (arrivals.length > 0 && arrivals[0]! <= now - windowMs) arrivals.shift();
      if (arrivals.length >= rateLimit.requests) {
        stats.rateLimited++;
        const headers: Record<string, string> = {};
        const wait = Math.ceil((arrivals[0]! + windowMs - now) / 1000);
        if (rateLimit.retryAfter === "seconds") headers["retry-after"] = String(wait);
        if (rateLimit.retryAfter === "date")
          headers["retry-after"] = new Date(now + wait * 1000).toUTCString();
        return json(res, 429, {}, headers);
      }
      arrivals.push(now);
    }

    const fault = faults.takeRule(path);
    if (fault) {
      stats.faults++;
      return serveFault(fault, res, options.slowMs ?? 5_000);
    }

    const auth = req.headers.authorization;
    if (auth !== `Bearer ${apiKey}` || !req.headers["account-id"]) {
      res.writeHead(401, { "content-type": "application/json" }).end();
      return;
    }
    if (req.headers["account-id"] !== accountId) {
      return json(res, 404, { message: "Record not found", code: "not_found" });
    }
    if (options.ignorePerPage) url.searchParams.delete("per_page");
    options.onRequest?.(path, url.searchParams);
    const body = route(path, url.searchParams);
    if (body === undefined) return json(res, 404, { message: "Record not found", code: "not_found" });
    if (body instanceof ApiError) return json(res, body.status, { message: body.message, code: body.code });
    return json(res, 200, body);
  };

  const route = (path: string, params: URLSearchParams): unknown => {
    if (path === "/api/admin/v1/custom_referral_statuses") {
      return page(list("custom_referral_statuses", params, false), params);
    }
    const prefix = "/api/v2/company/";
    if (!path.startsWith(prefix)) return undefined;
    const rest = path.slice(prefix.length).replace(/\/+$/, "");

    if (rest === "promoters") {
      const rows = list("promoters", params, false);
      // promoters awaiting approval in some campaign (the spec dropped the top-level `state`)
      const pending = dataset.promoters.filter((p) =>
        ((p.promoter_campaigns as Row[] | undefined) ?? []).some((pc) => pc.state === "pending"),
      ).length;
      return { data: page(rows, params), meta: { pending_count: pending } };
    }
    let m = /^promoters\/([^/]+)$/.exec(rest);
    if (m) return dataset.promoters.find((p) => String(p.id) === m![1]);
    if (rest === "payout_methods" && !params.get("filters[promoter_id]")) {
      return new ApiError(
        422,
        "param is missing or the value is empty: filters[promoter_id]",
        "invalid_params",
      );
    }
    const plain = LISTS[rest];
    if (plain) return page(list(plain.resource, params, plain.desc ?? false), params);

    m = /^promoter_campaigns\/(\d+)\/referral_links$/.exec(rest);
    if (m) {
      const id = Number(m[1]);
      if (!dataset.promoter_campaigns.some((pc) => pc.id === id)) return undefined;
      return page(
        list("referral_links", withFilter(params, "promoter_campaign_id", m[1]!), false).map((r) =>
          omit(r, "promoter_campaign_id"),
        ),
        params,
      );
    }
    m = /^webhooks\/(\d+)\/webhook_deliveries$/.exec(rest);
    if (m) {
      const id = Number(m[1]);
      if (!dataset.webhooks.some((w) => w.id === id)) return undefined;
      const rows = list("webhook_deliveries", withFilter(params, "webhook_id", m[1]!), true);
      return page(
        rows.map((r) => omit(r, "webhook_id")),
        params,
        25,
      );
    }
    if (rest === "payouts/group_by_promoters") {
      return { data: page(payoutsGroupedByPromoter(dataset), params), meta: payoutsGroupedMeta(dataset) };
    }
    if (rest === "payouts/due_stats") return payoutsDueStats(dataset);
    if (rest === "payouts/stats") return payoutsStats(dataset);
    m = /^reports\/([a-z_]+)$/.exec(rest);
    if (m && REPORT_KINDS.has(m[1] as ReportKind)) return report(m[1] as ReportKind, params);
    return undefined;
  };

  const report = (kind: ReportKind, params: URLSearchParams): unknown => {
    const columns = [...params.getAll("columns[]"), ...params.getAll("columns").flatMap((c) => c.split(","))];
    if (columns.length === 0) {
      return new ApiError(422, "param is missing or the value is empty: columns", "invalid_params");
    }
    for (const name of ["group_by", "start_date", "end_date"]) {
      if (!params.get(name))
        return new ApiError(422, `param is missing or the value is empty: ${name}`, "invalid_params");
    }
    const groupBy = params.get("group_by") as "day" | "week" | "month" | "year";
    if (!["day", "week", "month", "year"].includes(groupBy)) {
      return new ApiError(422, "Invalid group_by", "invalid_params");
    }
    const query = {
      startDate: params.get("start_date")!.slice(0, 10),
      endDate: params.get("end_date")!.slice(0, 10),
      groupBy,
      columns,
    };
    // a report window is computed over the whole dataset: its pages share one computation
    const rows = cachedView(`report|${kind}|${JSON.stringify(query)}`, () =>
      reportRows(dataset, kind, query),
    );
    return page(rows, params);
  };

  /**
   * Counters and the rate window start over, as for a new client of a server that has been running: data,
   * computed views and warmed-up code stay. `rate_limit` (0 = none) and `retry_after` replace the policy.
   */
  const reset = (params: URLSearchParams): void => {
    Object.assign(stats, { requests: 0, rateLimited: 0, faults: 0, byPath: {} });
    arrivals.length = 0;
    epoch++;
    const requests = params.get("rate_limit");
    if (requests !== null) {
      const asked = params.get("retry_after") ?? "";
      const retryAfter = RETRY_AFTER_STYLES.has(asked)
        ? (asked as RetryAfterStyle)
        : (rateLimit?.retryAfter ?? "seconds");
      rateLimit = Number(requests) > 0 ? { ...rateLimit, requests: Number(requests), retryAfter } : undefined;
    }
  };

  const control = (path: string, req: IncomingMessage, res: ServerResponse): void => {
    if (path === "/__sandbox/stats") json(res, 200, stats);
    else if (path === "/__sandbox/reset" && req.method === "POST") {
      reset(new URL(req.url ?? "/", "http://sandbox").searchParams);
      json(res, 200, stats);
    } else if (path === "/__sandbox/activity" && req.method === "POST")
      json(res, 200, sandbox.simulateActivity());
    else if (path === "/__sandbox/delete" && req.method === "POST") {
      const params = new URL(req.url ?? "/", "http://sandbox").searchParams;
      const resource = params.get("resource") ?? "";
      if (!Object.hasOwn(dataset, resource)) json(res, 422, { message: `unknown resource "${resource}"` });
      else json(res, 200, { deleted: sandbox.deleteRows(resource as keyof Dataset, params.getAll("id")) });
    } else json(res, 404, { message: "unknown control endpoint" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, { message: error.message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}/api/v2`;

  const sandbox: Sandbox = {
    baseUrl,
    dataset,
    stats,
    faults,
    tapConfig: (extra = {}) => ({ api_key: apiKey, account_id: accountId, base_url: baseUrl, ...extra }),
    simulateActivity: (now = new Date(), scale = 1) => {
      // a new version invalidates every cached list view
      const activity = simulateActivity(dataset, { seed: 1000 + version, now, scale });
      version++;
      views.clear();
      return activity;
    },
    deleteRows: (resource, ids) => {
      const deleted = deleteRows(dataset, resource, new Set(ids.map(String)));
      version++;
      views.clear();
      return deleted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sandbox;
}

class ApiError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly code: string,
  ) {}
}

function page<T>(rows: T[], params: URLSearchParams, defaultPerPage = 20): T[] {
  const perPage = Math.min(100, Math.max(1, Number(params.get("per_page")) || defaultPerPage));
  const pageNo = Math.max(1, Number(params.get("page")) || 1);
  return rows.slice((pageNo - 1) * perPage, pageNo * perPage);
}

function withFilter(params: URLSearchParams, field: string, value: string): URLSearchParams {
  const copy = new URLSearchParams(params);
  copy.set(`filters[${field}]`, value);
  return copy;
}

function omit(row: Row, key: string): Row {
  const { [key]: _, ...rest } = row;
  return rest;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function serveFault(rule: FaultRule, res: ServerResponse, slowMs: number): Promise<void> {
  const { kind, retryAfter } = rule;
  switch (kind) {
    case "429":
      return json(res, 429, {}, retryAfter ? { "retry-after": retryAfter } : {});
    case "429-seconds":
      return json(res, 429, {}, { "retry-after": retryAfter ?? "1" });
    case "429-date":
      return json(res, 429, {}, { "retry-after": retryAfter ?? new Date(Date.now() + 1500).toUTCString() });
    case "401":
      res.writeHead(401).end();
      return;
    case "html": {
      const page =
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
      res.writeHead(502, { "content-type": "text/html" }).end(page);
      return;
    }
    case "reset":
      res.writeHead(200, { "content-type": "application/json", "content-length": "5000" });
      res.write('[{"id":1,"email":"half');
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    case "truncate": {
      const text = '[{"id":1,"email":"trunc';
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    case "slow":
      await delay(slowMs);
      if (!res.destroyed) json(res, 200, []);
      return;
    default:
      return json(res, Number(kind), { message: "Internal Server Error" });
  }
}

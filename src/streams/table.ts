/**
 * The stream table: every stream is one row of data here, read by the one engine in src/engine/.
 * A stream needs no code of its own; where the API is odd (an envelope, a parent, a report) the oddity is
 * a named option below, and how it is read is its `read` kind. Paths are relative to `base_url` (default https://api.firstpromoter.com/api/v2).
 */

import { dig, pathOf } from "../core/objects.js";

/** Where the rows sit in a 2xx body. */
export type Envelope =
  /** a bare JSON array of rows (most lists) */
  | "array"
  /** `{ "data": [...], "meta": {...} }` (GET /promoters, GET /payouts/group_by_promoters) */
  | "data"
  /** one JSON object that is the row (detail endpoints, one per parent) */
  | "object"
  /** one JSON object `{meta, data}` that is a point-in-time snapshot: one row per sync, keyed by `snapshot_at` */
  | "snapshot";

export type ReplicationMethod = "FULL_TABLE" | "INCREMENTAL";

/** Server-side date filtering for INCREMENTAL streams (the API has no updated_at filter anywhere). */
export interface IncrementalSpec {
  /** the record field the bookmark tracks (Singer replication key, Airbyte cursor) */
  cursorField: string;
  /**
   * One pass per entry: each sends `filters[<field>][from]=<YYYY-MM-DD>`. Several passes (referrals) catch rows
   * whose later dates change (became a customer, cancelled) though their creation is old; rows are de-duplicated
   * by primary key across passes within one sync.
   */
  windowFields: string[];
  /** rows arrive ascending by `cursorField` (server-side sort), so the bookmark may advance per page */
  sorted: boolean;
}

/** Date-windowed report: calendar-aligned windows, `sub_data` periods flattened into rows. */
export interface ReportSpec {
  columns: string[];
  /** the top-level field that names the entity of a row (campaign, promoter, source, url); none for overview */
  entityField?: string;
}

/** A stream that costs one request (or one paged list) per row of a parent stream. */
export interface ParentSpec {
  stream: string;
  /** field of the parent row whose value fills `{parent_id}` in the path or params */
  key: string;
  /** field added to each child row that holds the parent's key (omitted when the row already carries it) */
  as?: string;
}

/** How a child stream's requests page: `page`/`per_page`, or one request per parent (a detail endpoint). */
export type Pagination = "pages" | "one-request";

/**
 * How the engine reads a stream: one kind per strategy, each read by one file of src/engine/read/.
 * Lists, dated lists and reports page with `page`/`per_page`; a snapshot is one request.
 */
export type ReadSpec =
  /** the whole list every sync (FULL_TABLE only) */
  | {
      kind: "list";
      /**
       * A list sorted on a field rows share (and the API offers no second sort key): a tie group that
       * straddles a page boundary is re-read through the field's date filter, so a server that orders ties
       * differently per page loses no row.
       */
      ties?: { field: string };
    }
  /** a list with server-side date filters: INCREMENTAL by a bookmark, or FULL_TABLE */
  | { kind: "dated-list"; incremental: IncrementalSpec }
  /** a report read in calendar windows */
  | { kind: "report"; report: ReportSpec }
  /** one request (or paged list) per row of a parent stream */
  | { kind: "children"; parent: ParentSpec; pagination: Pagination }
  /** one request, one row per sync keyed by `snapshot_at` */
  | { kind: "snapshot" };

export type ReadKind = ReadSpec["kind"];

export interface StreamDef {
  name: string;
  description: string;
  path: string;
  envelope: Envelope;
  primaryKey: string[];
  read: ReadSpec;
  selectedByDefault: boolean;
  /** fixed query parameters: explicit ascending sorts keep page boundaries stable while rows are inserted */
  params?: Record<string, string>;
  /** fields added to every row, copied from a dotted path of the same row (a top-level primary key) */
  derive?: Record<string, string>;
  /** dotted path of a row count in the response body (for progress estimates), where the API gives one */
  totalFrom?: string;
  /** fields removed from every row before it leaves the tap (live credentials) */
  drop?: string[];
  /** this stream's exceptions to the error table (src/http/error-policy.ts), by HTTP status */
  onError?: Readonly<Partial<Record<number, "fail" | "skip-stream" | "skip-parent">>>;
}

/** Whether a stream's list requests page (`page`/`per_page`) or are one request each. */
export function isPaged(def: StreamDef): boolean {
  switch (def.read.kind) {
    case "snapshot":
      return false;
    case "children":
      return def.read.pagination === "pages";
    default:
      return true;
  }
}

/** The field of a report row that names its window, and its bookmark (the Singer replication key). */
export const REPORT_CURSOR_FIELD = "window_start";

/** The `entity_id` of an account-wide report's rows (overview), which name no entity. */
export const ACCOUNT_ENTITY_ID = "account";

const REPORT_COLUMNS = [
  "clicks_count",
  "referrals_count",
  "customers_count",
  "sales_count",
  "refunds_count",
  "cancelled_customers_count",
  "active_customers",
  "revenue_amount",
  "net_revenue_amount",
  "promoter_earnings_amount",
  "promoter_paid_amount",
  "non_link_customers",
  "monthly_churn",
  "signups_count",
  "referrals_to_customers_cr",
  "clicks_to_customers_cr",
  "clicks_to_referrals_cr",
  "3m_epc",
  "6m_epc",
];

const URL_REPORT_COLUMNS = [
  "clicks_count",
  "referrals_count",
  "customers_count",
  "sales_count",
  "refunds_count",
  "cancelled_customers_count",
  "revenue_amount",
  "promoter_earnings_amount",
  "referrals_to_customers_cr",
  "clicks_to_customers_cr",
  "clicks_to_referrals_cr",
];

const REPORT_KEY = [REPORT_CURSOR_FIELD, "entity_id", "id"];

export const STREAMS: readonly StreamDef[] = [
  {
    name: "promoters",
    description: "Affiliates with their profile, campaigns, stats and balances.",
    path: "company/promoters",
    envelope: "data",
    primaryKey: ["id"],
    read: { kind: "list", ties: { field: "joined_at" } },
    selectedByDefault: true,
    params: { "sorting[joined_at]": "asc" },
    drop: ["password_setup_url"],
  },
  {
    name: "referrals",
    description: "Leads and customers referred by promoters.",
    path: "company/referrals",
    envelope: "array",
    primaryKey: ["id"],
    read: {
      kind: "dated-list",
      incremental: {
        cursorField: "created_at",
        windowFields: ["created_at", "customer_since", "cancelled_at"],
        sorted: false,
      },
    },
    selectedByDefault: true,
  },
  {
    name: "commissions",
    description: "Commissions earned by promoters on referral sales.",
    path: "company/commissions",
    envelope: "array",
    primaryKey: ["id"],
    read: {
      kind: "dated-list",
      incremental: { cursorField: "created_at", windowFields: ["created_at"], sorted: true },
    },
    selectedByDefault: true,
    params: { "sorting[created_at]": "asc" },
  },
  {
    name: "payouts",
    description: "Payouts owed or paid to promoters.",
    path: "company/payouts",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list", ties: { field: "period_start" } },
    selectedByDefault: true,
    params: { "sorting[period_start]": "asc" },
  },
  {
    name: "promo_codes",
    description: "Coupon codes assigned to promoters.",
    path: "company/promo_codes",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "promoter_campaigns",
    description: "Promoter membership in campaigns: ref tokens, links, state, stats.",
    path: "company/promoter_campaigns",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "campaigns",
    description: "Affiliate campaigns and their settings.",
    path: "company/campaigns",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "rewards",
    description: "Reward rules (not earned commissions).",
    path: "company/rewards",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "products",
    description: "Products and their prices.",
    path: "company/products",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "assets",
    description: "Marketing assets shared with promoters.",
    path: "company/assets",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "asset_categories",
    description: "Categories of marketing assets.",
    path: "company/assets/categories",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "custom_referral_statuses",
    description: "Account-defined referral statuses (served under /api/admin/v1).",
    path: "../admin/v1/custom_referral_statuses",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
    // served outside the v2 API: an account without custom statuses has no such list, which is no failure
    onError: { 404: "skip-stream" },
  },
  {
    name: "batch_processes",
    description: "Log of asynchronous bulk actions.",
    path: "company/batch_processes",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "webhooks",
    description: "Webhook subscriptions.",
    path: "company/webhooks",
    envelope: "array",
    primaryKey: ["id"],
    read: { kind: "list" },
    selectedByDefault: true,
  },
  {
    name: "payouts_grouped_by_promoter",
    description: "Snapshot of payable amounts per promoter (the due-payouts view).",
    path: "company/payouts/group_by_promoters",
    envelope: "data",
    primaryKey: ["promoter_id"],
    read: { kind: "list" },
    selectedByDefault: true,
    derive: { promoter_id: "promoter.id" },
    totalFrom: "meta.promoters_count",
  },
  {
    name: "payouts_due_stats",
    description: "Snapshot of next, overdue and custom due payout totals.",
    path: "company/payouts/due_stats",
    envelope: "snapshot",
    primaryKey: ["snapshot_at"],
    read: { kind: "snapshot" },
    selectedByDefault: true,
  },
  {
    name: "payouts_stats",
    description: "Snapshot of payout totals by paid period, status and payout method.",
    path: "company/payouts/stats",
    envelope: "snapshot",
    primaryKey: ["snapshot_at"],
    read: { kind: "snapshot" },
    selectedByDefault: true,
    params: {
      "stats_by[paid_period]": "true",
      "stats_by[status]": "true",
      "stats_by[payout_method]": "true",
    },
  },
  {
    name: "reports_overview",
    description: "Account-wide report, one row per period.",
    path: "company/reports/overview",
    envelope: "array",
    primaryKey: [REPORT_CURSOR_FIELD, "id"],
    read: { kind: "report", report: { columns: REPORT_COLUMNS } },
    selectedByDefault: true,
  },
  {
    name: "reports_campaigns",
    description: "Report per campaign, one row per campaign and period.",
    path: "company/reports/campaigns",
    envelope: "array",
    primaryKey: REPORT_KEY,
    read: { kind: "report", report: { columns: REPORT_COLUMNS, entityField: "campaign" } },
    selectedByDefault: true,
  },
  {
    name: "reports_promoters",
    description: "Report per promoter, one row per promoter and period.",
    path: "company/reports/promoters",
    envelope: "array",
    primaryKey: REPORT_KEY,
    read: { kind: "report", report: { columns: REPORT_COLUMNS, entityField: "promoter" } },
    selectedByDefault: true,
  },
  {
    name: "reports_traffic_sources",
    description: "Report per traffic source, one row per source and period.",
    path: "company/reports/traffic_sources",
    envelope: "array",
    primaryKey: REPORT_KEY,
    read: { kind: "report", report: { columns: REPORT_COLUMNS, entityField: "source" } },
    selectedByDefault: true,
  },
  {
    name: "reports_urls",
    description: "Report per landing URL, one row per URL and window (the API gives no periods here).",
    path: "company/reports/urls",
    envelope: "array",
    primaryKey: REPORT_KEY,
    read: { kind: "report", report: { columns: URL_REPORT_COLUMNS, entityField: "url" } },
    selectedByDefault: true,
  },
  {
    name: "promoter_details",
    description: "Full promoter objects from GET /promoters/{id} (one request per promoter).",
    path: "company/promoters/{parent_id}",
    envelope: "object",
    primaryKey: ["id"],
    read: { kind: "children", parent: { stream: "promoters", key: "id" }, pagination: "one-request" },
    selectedByDefault: false,
    drop: ["password_setup_url"],
  },
  {
    name: "promoter_payout_methods",
    description: "Payout methods of each promoter (one request per promoter; holds bank/PayPal details).",
    path: "company/payout_methods",
    envelope: "array",
    primaryKey: ["id"],
    read: {
      kind: "children",
      parent: { stream: "promoters", key: "id", as: "promoter_id" },
      pagination: "pages",
    },
    selectedByDefault: false,
    params: { "filters[promoter_id]": "{parent_id}" },
  },
  {
    name: "referral_links",
    description: "Referral links of each promoter campaign (one request per promoter campaign).",
    path: "company/promoter_campaigns/{parent_id}/referral_links",
    envelope: "array",
    primaryKey: ["id"],
    read: {
      kind: "children",
      parent: { stream: "promoter_campaigns", key: "id", as: "promoter_campaign_id" },
      pagination: "pages",
    },
    selectedByDefault: false,
  },
  {
    name: "webhook_deliveries",
    description: "Delivery log of each webhook subscription (one request per subscription).",
    path: "company/webhooks/{parent_id}/webhook_deliveries",
    envelope: "array",
    primaryKey: ["id"],
    read: {
      kind: "children",
      parent: { stream: "webhooks", key: "id", as: "webhook_id" },
      pagination: "pages",
    },
    selectedByDefault: false,
  },
];

/**
 * The stream `check` reads one row of, and whose path is the HTTP core's account-wide probe: a list every
 * account has and every valid key may read.
 */
export const CHECK_STREAM = "promoters";

export function findStream(name: string): StreamDef | undefined {
  return STREAMS.find((s) => s.name === name);
}

/**
 * A function naming a row by the stream's primary key: the value of a one-field key, a JSON array of a
 * composite key's values (so ["1","2"] and ["1,2"] differ); undefined when a key field is missing or null.
 * It names raw rows, as the API sends them: a key field the table derives (`derive`) is read from its path.
 */
export function rowIdentity(def: StreamDef): (row: Record<string, unknown>) => unknown {
  const fields = def.primaryKey.map((k) => {
    const from = def.derive?.[k];
    if (from === undefined) return (row: Record<string, unknown>) => row[k];
    const path = pathOf(from);
    return (row: Record<string, unknown>) => row[k] ?? dig(row, path);
  });
  const [only, ...rest] = fields;
  if (only !== undefined && rest.length === 0) return only;
  return (row) => {
    const values = fields.map((field) => field(row));
    return values.some((v) => v === undefined || v === null) ? undefined : JSON.stringify(values);
  };
}

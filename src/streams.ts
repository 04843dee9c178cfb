/**
 * The stream table: every stream is one row of data here, read by the one engine in src/engine/.
 * A stream needs no code of its own; where the API is odd (an envelope, a parent, a report) the oddity is
 * a named option below. Paths are relative to `base_url` (default https://api.firstpromoter.com/api/v2).
 */

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

export interface StreamDef {
  name: string;
  description: string;
  path: string;
  envelope: Envelope;
  primaryKey: string[];
  /** `page`/`per_page` pagination; otherwise one request (per parent / per window) */
  paginated: boolean;
  selectedByDefault: boolean;
  /** fixed query parameters: explicit ascending sorts keep page boundaries stable while rows are inserted */
  params?: Record<string, string>;
  incremental?: IncrementalSpec;
  report?: ReportSpec;
  parent?: ParentSpec;
  /** fields added to every row, copied from a dotted path of the same row (a top-level primary key) */
  derive?: Record<string, string>;
  /** dotted path of a row count in the response body (for progress estimates), where the API gives one */
  totalFrom?: string;
  /** fields removed from every row before it leaves the tap (live credentials) */
  drop?: string[];
  /**
   * A full-table list sorted on a field rows share (and the API offers no second sort key): a tie group that
   * straddles a page boundary is re-read through the field's date filter, so a server that orders ties
   * differently per page loses no row.
   */
  ties?: { field: string };
  /** this stream's exceptions to the error table (src/http/error-policy.ts), by HTTP status */
  onError?: Readonly<Partial<Record<number, "fail" | "skip-stream" | "skip-parent">>>;
}

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

const REPORT_KEY = ["window_start", "entity_id", "id"];

export const STREAMS: readonly StreamDef[] = [
  {
    name: "promoters",
    description: "Affiliates with their profile, campaigns, stats and balances.",
    path: "company/promoters",
    envelope: "data",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
    params: { "sorting[joined_at]": "asc" },
    ties: { field: "joined_at" },
    drop: ["password_setup_url"],
  },
  {
    name: "referrals",
    description: "Leads and customers referred by promoters.",
    path: "company/referrals",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
    incremental: {
      cursorField: "created_at",
      windowFields: ["created_at", "customer_since", "cancelled_at"],
      sorted: false,
    },
  },
  {
    name: "commissions",
    description: "Commissions earned by promoters on referral sales.",
    path: "company/commissions",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
    params: { "sorting[created_at]": "asc" },
    incremental: { cursorField: "created_at", windowFields: ["created_at"], sorted: true },
  },
  {
    name: "payouts",
    description: "Payouts owed or paid to promoters.",
    path: "company/payouts",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
    params: { "sorting[period_start]": "asc" },
    ties: { field: "period_start" },
  },
  {
    name: "promo_codes",
    description: "Coupon codes assigned to promoters.",
    path: "company/promo_codes",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "promoter_campaigns",
    description: "Promoter membership in campaigns: ref tokens, links, state, stats.",
    path: "company/promoter_campaigns",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "campaigns",
    description: "Affiliate campaigns and their settings.",
    path: "company/campaigns",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "rewards",
    description: "Reward rules (not earned commissions).",
    path: "company/rewards",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "products",
    description: "Products and their prices.",
    path: "company/products",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "assets",
    description: "Marketing assets shared with promoters.",
    path: "company/assets",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "asset_categories",
    description: "Categories of marketing assets.",
    path: "company/assets/categories",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "custom_referral_statuses",
    description: "Account-defined referral statuses (served under /api/admin/v1).",
    path: "../admin/v1/custom_referral_statuses",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
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
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "webhooks",
    description: "Webhook subscriptions.",
    path: "company/webhooks",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: true,
  },
  {
    name: "payouts_grouped_by_promoter",
    description: "Snapshot of payable amounts per promoter (the due-payouts view).",
    path: "company/payouts/group_by_promoters",
    envelope: "data",
    primaryKey: ["promoter_id"],
    paginated: true,
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
    paginated: false,
    selectedByDefault: true,
  },
  {
    name: "payouts_stats",
    description: "Snapshot of payout totals by paid period, status and payout method.",
    path: "company/payouts/stats",
    envelope: "snapshot",
    primaryKey: ["snapshot_at"],
    paginated: false,
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
    primaryKey: ["window_start", "id"],
    paginated: true,
    selectedByDefault: true,
    report: { columns: REPORT_COLUMNS },
  },
  {
    name: "reports_campaigns",
    description: "Report per campaign, one row per campaign and period.",
    path: "company/reports/campaigns",
    envelope: "array",
    primaryKey: REPORT_KEY,
    paginated: true,
    selectedByDefault: true,
    report: { columns: REPORT_COLUMNS, entityField: "campaign" },
  },
  {
    name: "reports_promoters",
    description: "Report per promoter, one row per promoter and period.",
    path: "company/reports/promoters",
    envelope: "array",
    primaryKey: REPORT_KEY,
    paginated: true,
    selectedByDefault: true,
    report: { columns: REPORT_COLUMNS, entityField: "promoter" },
  },
  {
    name: "reports_traffic_sources",
    description: "Report per traffic source, one row per source and period.",
    path: "company/reports/traffic_sources",
    envelope: "array",
    primaryKey: REPORT_KEY,
    paginated: true,
    selectedByDefault: true,
    report: { columns: REPORT_COLUMNS, entityField: "source" },
  },
  {
    name: "reports_urls",
    description: "Report per landing URL, one row per URL and window (the API gives no periods here).",
    path: "company/reports/urls",
    envelope: "array",
    primaryKey: REPORT_KEY,
    paginated: true,
    selectedByDefault: true,
    report: { columns: URL_REPORT_COLUMNS, entityField: "url" },
  },
  {
    name: "promoter_details",
    description: "Full promoter objects from GET /promoters/{id} (one request per promoter).",
    path: "company/promoters/{parent_id}",
    envelope: "object",
    primaryKey: ["id"],
    paginated: false,
    selectedByDefault: false,
    parent: { stream: "promoters", key: "id" },
    drop: ["password_setup_url"],
  },
  {
    name: "promoter_payout_methods",
    description: "Payout methods of each promoter (one request per promoter; holds bank/PayPal details).",
    path: "company/payout_methods",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: false,
    params: { "filters[promoter_id]": "{parent_id}" },
    parent: { stream: "promoters", key: "id", as: "promoter_id" },
  },
  {
    name: "referral_links",
    description: "Referral links of each promoter campaign (one request per promoter campaign).",
    path: "company/promoter_campaigns/{parent_id}/referral_links",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: false,
    parent: { stream: "promoter_campaigns", key: "id", as: "promoter_campaign_id" },
  },
  {
    name: "webhook_deliveries",
    description: "Delivery log of each webhook subscription (one request per subscription).",
    path: "company/webhooks/{parent_id}/webhook_deliveries",
    envelope: "array",
    primaryKey: ["id"],
    paginated: true,
    selectedByDefault: false,
    parent: { stream: "webhooks", key: "id", as: "webhook_id" },
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

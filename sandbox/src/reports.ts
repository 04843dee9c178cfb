/**
 * GET /reports/* computed from the dataset in one pass over referrals, commissions and payouts.
 * Days are read straight off the ISO strings (`YYYY-MM-DD` prefix), so no timestamp is parsed.
 */

import { referralClicks, referralLandingUrl } from "./builders.js";
import type { Dataset, Row } from "./model.js";
import { DAY, dateOnly, dayStart } from "./random.js";

export type ReportKind = "overview" | "campaigns" | "promoters" | "traffic_sources" | "urls";
export type GroupBy = "day" | "week" | "month" | "year";

export interface ReportQuery {
  startDate: string;
  endDate: string;
  groupBy: GroupBy;
  columns: string[];
}

// Indexes of the per-period counters.
const CLICKS = 0;
const REFERRALS = 1;
const SIGNUPS = 2;
const CUSTOMERS = 3;
const NON_LINK = 4;
const SALES = 5;
const REFUNDS = 6;
const CANCELLED = 7;
const REVENUE = 8;
const REFUNDED = 9;
const EARNINGS = 10;
const PAID = 11;

type Counters = number[];

interface Entity {
  descriptor: unknown;
  id: unknown;
  /** active customers at the start of the range */
  base: number;
  /** period → counters; null until the entity has activity in range (only those entities are reported) */
  periods: Map<string, Counters> | null;
  total: Counters;
  /** month → [clicks, earnings] over the range and the 5 months before it, for EPC; null until needed */
  months: Map<string, Counters> | null;
}

const counters = (): Counters => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

function isoWeek(day: string): string {
  const d = new Date(dayStart(day));
  const thursday = d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function periodFn(groupBy: GroupBy): (day: string) => string {
  if (groupBy === "month") return (day) => day.slice(0, 7);
  if (groupBy === "year") return (day) => day.slice(0, 4);
  if (groupBy === "day") return (day) => day;
  const cache = new Map<string, string>();
  return (day) => {
    let w = cache.get(day);
    if (w === undefined) {
      w = isoWeek(day);
      cache.set(day, w);
    }
    return w;
  };
}

function addMonths(month: string, delta: number): string {
  const d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (a: number, b: number) => (b > 0 ? round2((a / b) * 100) : 0);

/** the month of `lastDay` and the 5 before it, newest first (cached: asked once per row and period) */
const trailingCache = new Map<string, string[]>();
function trailingMonths(lastDay: string): string[] {
  const month = lastDay.slice(0, 7);
  let list = trailingCache.get(month);
  if (!list) {
    list = [0, 1, 2, 3, 4, 5].map((k) => addMonths(month, -k));
    trailingCache.set(month, list);
  }
  return list;
}

function epc(e: Entity, lastDay: string, months: number): number {
  let clicks = 0;
  let earnings = 0;
  const trailing = trailingMonths(lastDay);
  for (let k = 0; k < months; k++) {
    const m = e.months?.get(trailing[k]!);
    if (m) {
      clicks += m[0]!;
      earnings += m[1]!;
    }
  }
  return clicks > 0 ? round2(earnings / clicks) : 0;
}

function columnData(
  columns: string[],
  m: Counters,
  e: Entity,
  activeStart: number,
  lastDay: string,
  url?: string,
): Row {
  const data: Row = {};
  for (const col of columns) {
    switch (col) {
      case "clicks_count":
        data[col] = m[CLICKS];
        break;
      case "referrals_count":
        data[col] = m[REFERRALS];
        break;
      case "signups_count":
        data[col] = m[SIGNUPS];
        break;
      case "customers_count":
        data[col] = m[CUSTOMERS];
        break;
      case "non_link_customers":
        data[col] = m[NON_LINK];
        break;
      case "sales_count":
        data[col] = m[SALES];
        break;
      case "refunds_count":
        data[col] = m[REFUNDS];
        break;
      case "cancelled_customers_count":
        data[col] = m[CANCELLED];
        break;
      case "active_customers":
        data[col] = activeStart + m[CUSTOMERS]! - m[CANCELLED]!;
        break;
      case "revenue_amount":
        data[col] = m[REVENUE];
        break;
      case "net_revenue_amount":
        data[col] = m[REVENUE]! - m[REFUNDED]!;
        break;
      case "promoter_earnings_amount":
        data[col] = m[EARNINGS];
        break;
      case "promoter_paid_amount":
        data[col] = m[PAID];
        break;
      case "monthly_churn":
        data[col] = pct(m[CANCELLED]!, activeStart);
        break;
      case "referrals_to_customers_cr":
        data[col] = pct(m[CUSTOMERS]!, m[REFERRALS]!);
        break;
      case "clicks_to_customers_cr":
        data[col] = pct(m[CUSTOMERS]!, m[CLICKS]!);
        break;
      case "clicks_to_referrals_cr":
        data[col] = pct(m[REFERRALS]!, m[CLICKS]!);
        break;
      case "3m_epc":
        data[col] = epc(e, lastDay, 3);
        break;
      case "6m_epc":
        data[col] = epc(e, lastDay, 6);
        break;
      case "url":
        if (url !== undefined) data[col] = url;
        break;
    }
  }
  return data;
}

/** periods touching [start, end] in order, each with its last day inside the range */
function periodsIn(start: string, end: string, key: (day: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  for (let t = dayStart(start), stop = dayStart(end); t <= stop; t += DAY) {
    const day = dateOnly(t);
    out.set(key(day), day);
  }
  return out;
}

export function reportRows(ds: Dataset, kind: ReportKind, q: ReportQuery): Row[] {
  const start = q.startDate.slice(0, 10);
  const end = q.endDate.slice(0, 10);
  if (!(start <= end)) return [];
  const periodOf = periodFn(q.groupBy);
  // Work only the requested columns need: EPC looks 5 months back, active customers need all earlier customers.
  const needEpc = q.columns.includes("3m_epc") || q.columns.includes("6m_epc");
  const needBase = q.columns.includes("active_customers") || q.columns.includes("monthly_churn");
  const from = needEpc ? `${addMonths(start.slice(0, 7), -5)}-01` : start;
  const campaigns = new Map<unknown, Row>(ds.campaigns.map((c) => [c.id, c]));
  const sourceOf = new Map<unknown, string>();
  if (kind === "traffic_sources")
    for (const r of ds.referrals) sourceOf.set(r.id, String(r.traffic_source ?? "direct"));

  const entities = new Map<unknown, Entity>();
  const entity = (key: unknown, source: Row | string | null): Entity => {
    let e = entities.get(key);
    if (!e) {
      let descriptor: unknown = source;
      if (kind === "campaigns") {
        const c = campaigns.get(key) ?? (source as Row);
        descriptor = { id: c.id, name: c.name, color: c.color };
      } else if (kind === "promoters") {
        const p = source as Row;
        descriptor = { id: p.id, email: p.email, name: p.name };
      }
      e = { descriptor, id: key, base: 0, periods: null, total: counters(), months: null };
      entities.set(key, e);
    }
    return e;
  };
  /** the entity a row counts for, or null when the report cannot attribute it */
  const entityOf = (pc: Row | null | undefined, promoter: Row | null | undefined, referralId: unknown) => {
    switch (kind) {
      case "overview":
        return entity(null, null);
      case "campaigns":
        return pc ? entity(pc.campaign_id, pc.campaign as Row) : null;
      case "promoters": {
        const p = promoter ?? (pc?.promoter as Row | undefined);
        return p ? entity(p.id, p) : null;
      }
      case "traffic_sources": {
        const source = sourceOf.get(referralId);
        return source === undefined ? null : entity(source, source);
      }
      case "urls":
        if (typeof referralId !== "number") return null;
        return entity(referralLandingUrl(referralId), referralLandingUrl(referralId));
    }
  };
  let lastDay = "";
  let lastPeriod = "";
  const add = (e: Entity, day: string, metric: number, value: number) => {
    if (day < start || day > end) return;
    if (day !== lastDay) {
      lastDay = day;
      lastPeriod = periodOf(day);
    }
    e.periods ??= new Map();
    let m = e.periods.get(lastPeriod);
    if (!m) {
      m = counters();
      e.periods.set(lastPeriod, m);
    }
    m[metric]! += value;
    e.total[metric]! += value;
  };
  const addEpc = (e: Entity, day: string, slot: 0 | 1, value: number) => {
    if (!needEpc || day < from || day > end) return;
    const month = day.slice(0, 7);
    e.months ??= new Map();
    let m = e.months.get(month);
    if (!m) {
      m = [0, 0];
      e.months.set(month, m);
    }
    m[slot]! += value;
  };
  const day = (v: unknown) => (typeof v === "string" ? v.slice(0, 10) : null);
  const within = (d: string | null) => d !== null && d >= from && d <= end;

  for (const r of ds.referrals) {
    const created = day(r.created_at)!;
    const customer = day(r.customer_since);
    const cancelled = day(r.cancelled_at);
    const before = needBase && customer !== null && customer < start;
    if (!before && !within(created) && !within(customer) && !within(cancelled)) continue;
    const e = entityOf(r.promoter_campaign as Row | null, null, r.id);
    if (!e) continue;
    const clicks = referralClicks(r.id as number);
    add(e, created, CLICKS, clicks);
    add(e, created, REFERRALS, 1);
    add(e, created, SIGNUPS, r.state === "subscribed" ? 0 : 1);
    addEpc(e, created, 0, clicks);
    if (customer) {
      if (customer < start) e.base++;
      add(e, customer, CUSTOMERS, 1);
      add(e, customer, NON_LINK, r.entry_source === "cookie" ? 0 : 1);
    }
    if (cancelled) {
      if (cancelled < start) e.base--;
      add(e, cancelled, CANCELLED, 1);
    }
  }
  for (const c of ds.commissions) {
    const created = day(c.created_at)!;
    if (!within(created)) continue;
    const e = entityOf(c.promoter_campaign as Row, null, (c.referral as Row | null)?.id);
    if (!e) continue;
    if (c.tier === 1 && c.commission_type === "sale") {
      const sale = c.sale_amount as number;
      if (sale >= 0) {
        add(e, created, SALES, 1);
        add(e, created, REVENUE, sale);
      } else {
        add(e, created, REFUNDS, 1);
        add(e, created, REFUNDED, -sale);
      }
    }
    if (c.status !== "denied" && c.unit === "cash") {
      add(e, created, EARNINGS, c.amount as number);
      addEpc(e, created, 1, c.amount as number);
    }
  }
  if (kind === "overview" || kind === "campaigns" || kind === "promoters") {
    for (const p of ds.payouts) {
      const paid = day(p.paid_at);
      if (!paid || paid < start || paid > end || p.status !== "completed") continue;
      const campaign = p.campaign as Row;
      const e = entityOf({ campaign_id: campaign.id, campaign }, p.promoter as Row, undefined);
      if (e) add(e, paid, PAID, p.amount as number);
    }
  }

  const periods = periodsIn(start, end, periodOf);
  if (kind === "overview") {
    const e = entity(null, null);
    let active = e.base;
    const zero = counters();
    return [...periods.entries()].map(([period, last]) => {
      const m = e.periods?.get(period) ?? zero;
      const data = columnData(q.columns, m, e, active, last);
      active += m[CUSTOMERS]! - m[CANCELLED]!;
      return { period, id: period, data };
    });
  }

  const field = { campaigns: "campaign", promoters: "promoter", traffic_sources: "source", urls: "url" }[
    kind
  ];
  const reported = [...entities.values()].filter((e) => e.periods !== null);
  reported.sort((a, b) =>
    typeof a.id === "number" ? (a.id as number) - (b.id as number) : String(a.id) < String(b.id) ? -1 : 1,
  );
  return reported.map((e) => {
    const url = kind === "urls" ? String(e.id) : undefined;
    const row: Row = {
      [field]: e.descriptor,
      id: e.id,
      data: columnData(q.columns, e.total, e, e.base, end, url),
    };
    if (kind === "urls") return row;
    // Only periods in which the entity had activity: keeps the promoters report bounded for large accounts.
    let active = e.base;
    const list = e.periods!;
    row.sub_data = [...list.keys()].sort().map((period) => {
      const m = list.get(period)!;
      const data = columnData(q.columns, m, e, active, periods.get(period) ?? end);
      active += m[CUSTOMERS]! - m[CANCELLED]!;
      return { period, id: period, data };
    });
    return row;
  });
}

/**
 * GET /reports/* computed from the dataset in one pass over referrals, commissions and payouts.
 * Days are read straight off the ISO strings (`YYYY-MM-DD` prefix), so no timestamp is parsed.
 */

import { referralClicks, referralLandingUrl } from "./builders.js";
import type { Dataset, Row } from "./model.js";
import { DAY } from "./random.js";

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
const METRICS = 12;

interface Entity {
  descriptor: unknown;
  id: unknown;
  /** active customers at the start of the range */
  base: number;
  inRange: boolean;
  periods: Map<string, Float64Array>;
  total: Float64Array;
  /** month → [clicks, earnings] over the 6 months before the range and the range, for EPC */
  months: Map<string, Float64Array>;
}

function isoWeek(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
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

function epc(e: Entity, lastDay: string, months: number): number {
  let clicks = 0;
  let earnings = 0;
  const end = lastDay.slice(0, 7);
  for (let k = 0; k < months; k++) {
    const m = e.months.get(addMonths(end, -k));
    if (m) {
      clicks += m[0]!;
      earnings += m[1]!;
    }
  }
  return clicks > 0 ? round2(earnings / clicks) : 0;
}

function columnData(
  columns: string[],
  m: Float64Array,
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
  for (let t = Date.parse(`${start}T00:00:00Z`), stop = Date.parse(`${end}T00:00:00Z`); t <= stop; t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.set(key(day), day);
  }
  return out;
}

export function reportRows(ds: Dataset, kind: ReportKind, q: ReportQuery): Row[] {
  const start = q.startDate.slice(0, 10);
  const end = q.endDate.slice(0, 10);
  if (!(start <= end)) return [];
  const periodOf = periodFn(q.groupBy);
  const epcFrom = `${addMonths(start.slice(0, 7), -5)}-01`;
  const entities = new Map<string, Entity>();
  const campaigns = new Map(ds.campaigns.map((c) => [c.id, c]));

  const entity = (key: string, descriptor: () => unknown, id: unknown): Entity => {
    let e = entities.get(key);
    if (!e) {
      e = {
        descriptor: descriptor(),
        id,
        base: 0,
        inRange: false,
        periods: new Map(),
        total: new Float64Array(METRICS),
        months: new Map(),
      };
      entities.set(key, e);
    }
    return e;
  };
  const add = (e: Entity, day: string, metric: number, value: number) => {
    if (day < start || day > end || value === 0) return;
    const p = periodOf(day);
    let m = e.periods.get(p);
    if (!m) {
      m = new Float64Array(METRICS);
      e.periods.set(p, m);
    }
    m[metric]! += value;
    e.total[metric]! += value;
    e.inRange = true;
  };
  const addEpc = (e: Entity, day: string, slot: 0 | 1, value: number) => {
    if (day < epcFrom || day > end) return;
    const month = day.slice(0, 7);
    let m = e.months.get(month);
    if (!m) {
      m = new Float64Array(2);
      e.months.set(month, m);
    }
    m[slot]! += value;
  };
  /** the entity a row counts for, or null when the report cannot attribute it */
  const entityOf = (
    pc: Row | null | undefined,
    promoter: Row | null | undefined,
    source: string | null,
    url: string | null,
  ) => {
    switch (kind) {
      case "overview":
        return entity("", () => null, null);
      case "campaigns": {
        const id = pc ? pc.campaign_id : undefined;
        if (id === undefined) return null;
        const c = campaigns.get(id) ?? (pc?.campaign as Row);
        return entity(String(id), () => ({ id: c.id, name: c.name, color: c.color }), id);
      }
      case "promoters": {
        const p = promoter ?? (pc?.promoter as Row | undefined);
        if (!p) return null;
        return entity(String(p.id), () => ({ id: p.id, email: p.email, name: p.name }), p.id);
      }
      case "traffic_sources":
        return source === null ? null : entity(source, () => source, source);
      case "urls":
        return url === null ? null : entity(url, () => url, url);
    }
  };
  const day = (v: unknown) => (typeof v === "string" ? v.slice(0, 10) : null);

  const sourceOf = new Map<unknown, string>();
  for (const r of ds.referrals) {
    const source = String(r.traffic_source ?? "direct");
    if (kind === "traffic_sources") sourceOf.set(r.id, source);
    const e = entityOf(r.promoter_campaign as Row | null, null, source, referralLandingUrl(r.id as number));
    if (!e) continue;
    const created = day(r.created_at)!;
    const clicks = referralClicks(r.id as number);
    add(e, created, CLICKS, clicks);
    add(e, created, REFERRALS, 1);
    add(e, created, SIGNUPS, r.state === "subscribed" ? 0 : 1);
    addEpc(e, created, 0, clicks);
    const customer = day(r.customer_since);
    if (customer) {
      if (customer < start) e.base++;
      add(e, customer, CUSTOMERS, 1);
      add(e, customer, NON_LINK, r.entry_source === "cookie" ? 0 : 1);
    }
    const cancelled = day(r.cancelled_at);
    if (cancelled) {
      if (cancelled < start) e.base--;
      add(e, cancelled, CANCELLED, 1);
    }
  }
  for (const c of ds.commissions) {
    const ref = c.referral as Row | null;
    const e = entityOf(
      c.promoter_campaign as Row,
      null,
      ref ? (sourceOf.get(ref.id) ?? "direct") : null,
      ref ? referralLandingUrl(ref.id as number) : null,
    );
    if (!e) continue;
    const created = day(c.created_at)!;
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
      if (!paid || p.status !== "completed") continue;
      const campaign = p.campaign as Row;
      const e = entityOf({ campaign_id: campaign.id, campaign }, p.promoter as Row, null, null);
      if (e) add(e, paid, PAID, p.amount as number);
    }
  }

  const periods = periodsIn(start, end, periodOf);
  if (kind === "overview") {
    const e = entity("", () => null, null);
    let active = e.base;
    const zero = new Float64Array(METRICS);
    return [...periods.entries()].map(([period, lastDay]) => {
      const m = e.periods.get(period) ?? zero;
      const data = columnData(q.columns, m, e, active, lastDay);
      active += m[CUSTOMERS]! - m[CANCELLED]!;
      return { period, id: period, data };
    });
  }

  const rows: Row[] = [];
  const ordered = [...entities.values()].filter((e) => e.inRange);
  ordered.sort((a, b) =>
    typeof a.id === "number" ? (a.id as number) - (b.id as number) : String(a.id) < String(b.id) ? -1 : 1,
  );
  const entityField =
    kind === "campaigns"
      ? "campaign"
      : kind === "promoters"
        ? "promoter"
        : kind === "urls"
          ? "url"
          : "source";
  for (const e of ordered) {
    const url = kind === "urls" ? String(e.id) : undefined;
    const row: Row = {
      [entityField]: e.descriptor,
      id: e.id,
      data: columnData(q.columns, e.total, e, e.base, end, url),
    };
    if (kind !== "urls") {
      // Only periods in which the entity had activity: keeps the promoters report bounded for large accounts.
      let active = e.base;
      row.sub_data = [...e.periods.keys()].sort().map((period) => {
        const m = e.periods.get(period)!;
        const data = columnData(q.columns, m, e, active, periods.get(period) ?? end);
        active += m[CUSTOMERS]! - m[CANCELLED]!;
        return { period, id: period, data };
      });
    }
    rows.push(row);
  }
  return rows;
}

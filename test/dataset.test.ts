import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  type Dataset,
  generateDataset,
  payoutsDueStats,
  payoutsGroupedByPromoter,
  payoutsGroupedMeta,
  payoutsStats,
  type Row,
  reportRows,
  simulateActivity,
} from "../sandbox/src/dataset.js";

// ajv-formats is CommonJS: under NodeNext the default import is module.exports, whose `.default` is the plugin.
const addFormats = addFormatsModule.default;
const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");

const DAY = 86_400_000;
const ANCHOR = new Date("2026-01-15T12:00:00Z");
const OPTS = { seed: 42, size: 150, anchor: ANCHOR };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

const ds = generateDataset(OPTS);
const RESOURCES = Object.keys(ds) as (keyof Dataset)[];

const ms = (v: unknown) => Date.parse(String(v));
const ids = (rows: Row[]) => new Set(rows.map((r) => r.id));
const pc = (row: Row) => row.promoter_campaign as Row | null;

/** every string leaf of a value with its path */
function* strings(value: unknown, path = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) yield* strings(v, `${path}.${k}`);
}

/** the creation time that orders a resource's ids */
function createdOf(row: Row): number {
  return ms(row.created_at ?? row.joined_at ?? row.date_added);
}

describe("generateDataset", () => {
  it("is deterministic per seed", () => {
    expect(JSON.stringify(generateDataset(OPTS))).toBe(JSON.stringify(ds));
    expect(JSON.stringify(generateDataset({ ...OPTS, seed: 43 }))).not.toBe(JSON.stringify(ds));
  });

  it("scales with size", () => {
    expect(ds.promoters).toHaveLength(150);
    expect(ds.referrals).toHaveLength(750);
    expect(ds.campaigns.length).toBeGreaterThanOrEqual(3);
    expect(ds.commissions.length).toBeGreaterThan(3 * 150);
    expect(ds.payouts.length).toBeGreaterThan(150);
    expect(ds.promoter_campaigns.length).toBeGreaterThan(150);
    expect(ds.webhooks.length).toBeGreaterThanOrEqual(2);
    for (const hook of ds.webhooks) {
      const n = ds.webhook_deliveries.filter((d) => d.webhook_id === hook.id).length;
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(20);
    }
  });

  it("has unique positive ids ascending with creation time", () => {
    for (const d of [
      ds,
      ...[1, 2, 3, 4].map((seed) => generateDataset({ seed, size: 30, anchor: ANCHOR })),
    ]) {
      for (const name of RESOURCES) {
        const rows = d[name];
        expect(ids(rows).size, name).toBe(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const id = rows[i]!.id as number;
          expect(Number.isInteger(id) && id > 0, name).toBe(true);
          if (i === 0) continue;
          expect(id, name).toBeGreaterThan(rows[i - 1]!.id as number);
          const [prev, cur] = [createdOf(rows[i - 1]!), createdOf(rows[i]!)];
          // Whole seconds: a timestamp printed without millis drops them.
          if (!Number.isNaN(cur))
            expect(Math.floor(cur / 1000), name).toBeGreaterThanOrEqual(Math.floor(prev / 1000));
        }
      }
    }
  });

  it("writes ISO-8601 UTC timestamps in both forms, none after the anchor", () => {
    let withMillis = 0;
    let withoutMillis = 0;
    for (const [path, s] of strings(ds)) {
      if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) continue;
      expect(s, path).toMatch(ISO);
      expect(ms(s), path).toBeLessThanOrEqual(ANCHOR.getTime());
      if (s.includes(".")) withMillis++;
      else withoutMillis++;
    }
    expect(withMillis).toBeGreaterThan(100);
    expect(withoutMillis).toBeGreaterThan(100);
    const oldest = Math.min(...ds.promoters.map((p) => ms(p.joined_at)));
    expect(oldest).toBeGreaterThan(ANCHOR.getTime() - 731 * DAY);
  });

  it("uses only example.com / example.org email addresses", () => {
    for (const [path, s] of strings(ds)) {
      if (/^[^\s@/]+@[^\s@/]+$/.test(s)) expect(s, path).toMatch(/@example\.(com|org)$/);
    }
  });

  it("keeps relationships consistent", () => {
    const promoters = ids(ds.promoters);
    const pcs = new Map<unknown, (typeof ds.promoter_campaigns)[number]>(
      ds.promoter_campaigns.map((x) => [x.id, x]),
    );
    const campaigns = ids(ds.campaigns);
    const referrals = ids(ds.referrals);
    const rewards = ids(ds.rewards);
    const checkPc = (ref: Row, where: string) => {
      const full = pcs.get(ref.id);
      expect(full, where).toBeDefined();
      expect(ref.promoter_id, where).toBe(full!.promoter_id);
      expect(ref.campaign_id, where).toBe(full!.campaign_id);
      expect((ref.promoter as Row).id, where).toBe(full!.promoter_id);
      expect((ref.campaign as Row).id, where).toBe(full!.campaign_id);
    };
    for (const x of ds.promoter_campaigns) {
      expect(promoters.has(x.promoter_id)).toBe(true);
      expect(campaigns.has(x.campaign_id)).toBe(true);
    }
    for (const p of ds.promoters) {
      for (const entry of p.promoter_campaigns as Row[]) expect(pcs.get(entry.id)?.promoter_id).toBe(p.id);
      const method = p.selected_payout_method as Row | null;
      if (method) expect(ds.payout_methods.find((m) => m.id === method.id)?.promoter_id).toBe(p.id);
      if (p.parent_promoter) expect(promoters.has((p.parent_promoter as Row).id)).toBe(true);
    }
    for (const r of ds.referrals) if (pc(r)) checkPc(pc(r)!, `referral ${r.id}`);
    for (const c of ds.commissions) {
      checkPc(pc(c)!, `commission ${c.id}`);
      const referral = c.referral as Row | null;
      if (referral) expect(referrals.has(referral.id)).toBe(true);
      expect(rewards.has((c.reward as Row).id)).toBe(true);
    }
    for (const p of ds.payouts) {
      expect(promoters.has((p.promoter as Row).id)).toBe(true);
      expect(campaigns.has((p.campaign as Row).id)).toBe(true);
    }
    for (const code of ds.promo_codes) expect(pcs.has(code.promoter_campaign_id)).toBe(true);
    for (const link of ds.referral_links) expect(pcs.has(link.promoter_campaign_id)).toBe(true);
    for (const m of ds.payout_methods) expect(promoters.has(m.promoter_id)).toBe(true);
    for (const d of ds.webhook_deliveries) expect(ids(ds.webhooks).has(d.webhook_id)).toBe(true);
  });

  it("reproduces the API's known nulls and keeps live credentials on promoters", () => {
    expect(ds.referrals.some((r) => r.promoter_campaign === null)).toBe(true);
    expect(ds.commissions.some((c) => c.referral === null)).toBe(true);
    expect(ds.commissions.some((c) => c.is_self_referral === null)).toBe(true);
    for (const p of ds.promoters) expect(String(p.password_setup_url)).toMatch(/^https:\/\/.+token=\w{16,}/);
  });

  it("models referral and commission life cycles", () => {
    for (const r of ds.referrals) {
      if (r.customer_since !== null)
        expect(ms(r.customer_since)).toBeGreaterThanOrEqual(ms(r.created_at) - 999);
      if (r.cancelled_at !== null)
        expect(ms(r.cancelled_at)).toBeGreaterThanOrEqual(ms(r.customer_since) - 999);
      if (r.customer_since === null) expect(["active", "cancelled", "refunded"]).not.toContain(r.state);
    }
    expect(ds.referrals.some((r) => r.cancelled_at !== null)).toBe(true);
    for (const c of ds.commissions) {
      expect(["pending", "approved", "denied"]).toContain(c.status);
      expect(Number.isInteger(c.amount) && Number.isInteger(c.sale_amount)).toBe(true);
      expect(["cash", "credits", "points", "free_months", "mon_discount", "discount_per"]).toContain(c.unit);
    }
    const recent = ds.commissions.filter((c) => ms(c.created_at) > ANCHOR.getTime() - 20 * DAY);
    expect(recent.filter((c) => c.status === "pending").length).toBeGreaterThan(recent.length / 2);
    expect(ds.commissions.some((c) => c.is_paid)).toBe(true);
  });
});

describe("simulateActivity", () => {
  const now = new Date(ANCHOR.getTime() + DAY);
  const fresh = () => generateDataset(OPTS);

  it("adds rows after the anchor with ids above the previous maximum", () => {
    const d = fresh();
    const before = Object.fromEntries(
      RESOURCES.map((k) => [k, Math.max(...d[k].map((r) => r.id as number))]),
    );
    const act = simulateActivity(d, { seed: 1, now });
    for (const name of ["referrals", "commissions", "promoters", "promoter_campaigns", "payouts"]) {
      expect(act.added[name]!.length, name).toBeGreaterThan(0);
    }
    for (const [name, added] of Object.entries(act.added)) {
      const rows = d[name as keyof Dataset];
      expect(ids(rows).size, name).toBe(rows.length);
      for (const id of added) {
        expect(id, name).toBeGreaterThan(before[name]!);
        const row = rows.find((r) => r.id === id)!;
        const t = createdOf(row);
        if (Number.isNaN(t)) continue;
        expect(t, name).toBeGreaterThan(ANCHOR.getTime());
        expect(t, name).toBeLessThanOrEqual(now.getTime());
      }
    }
    for (const [path, s] of strings(d))
      if (ISO.test(s)) expect(ms(s), path).toBeLessThanOrEqual(now.getTime());
  });

  it("changes what it claims", () => {
    const d = fresh();
    const act = simulateActivity(d, { seed: 1, now });
    const byId = (name: keyof Dataset, id: number) => d[name].find((r) => r.id === id)!;
    expect(act.changed.commissions!.length).toBeGreaterThan(0);
    for (const id of act.changed.commissions!) {
      const c = byId("commissions", id);
      expect(c.status).toBe("approved");
      expect(Math.abs(ms(c.status_updated_at) - now.getTime())).toBeLessThan(1000);
      expect(ms(c.created_at)).toBeGreaterThanOrEqual(now.getTime() - 10 * DAY);
      expect(ms(c.created_at)).toBeLessThanOrEqual(ANCHOR.getTime());
    }
    const referrals = act.changed.referrals!.map((id) => byId("referrals", id));
    const converted = referrals.filter((r) => r.state === "active");
    const cancelled = referrals.filter((r) => r.state === "cancelled");
    expect(converted.length).toBeGreaterThan(0);
    expect(cancelled.length).toBeGreaterThan(0);
    for (const r of converted) {
      expect(Math.abs(ms(r.customer_since) - now.getTime())).toBeLessThan(1000);
      expect(ms(r.created_at)).toBeLessThan(now.getTime() - 60 * DAY);
    }
    for (const r of cancelled) expect(Math.abs(ms(r.cancelled_at) - now.getTime())).toBeLessThan(1000);
    expect(act.changed.promoters!.length).toBeGreaterThan(0);
    for (const id of act.changed.promoters!) expect(act.added.promoters).not.toContain(id);
  });

  it("is deterministic, chains, and refuses to go back in time", () => {
    const [a, b] = [fresh(), fresh()];
    expect(simulateActivity(a, { seed: 3, now })).toEqual(simulateActivity(b, { seed: 3, now }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const maxReferral = Math.max(...a.referrals.map((r) => r.id as number));
    const later = new Date(now.getTime() + 2 * DAY);
    const next = simulateActivity(a, { seed: 4, now: later, scale: 2 });
    for (const id of next.added.referrals!) expect(id).toBeGreaterThan(maxReferral);
    for (const id of next.added.referrals!) {
      expect(ms(a.referrals.find((r) => r.id === id)!.created_at)).toBeGreaterThan(now.getTime());
    }
    expect(() => simulateActivity(a, { seed: 5, now })).toThrow(RangeError);
  });
});

describe("reportRows", () => {
  const columns = ["referrals_count", "customers_count", "revenue_amount", "active_customers", "3m_epc"];
  const q = { startDate: "2025-06-10", endDate: "2025-09-05", columns };

  it("gives one overview row per period, zero periods included", () => {
    const month = reportRows(ds, "overview", { ...q, groupBy: "month" });
    expect(month.map((r) => r.period)).toEqual(["2025-06", "2025-07", "2025-08", "2025-09"]);
    const day = reportRows(ds, "overview", { ...q, groupBy: "day" });
    expect(day).toHaveLength(88);
    expect(day[0]!.period).toBe("2025-06-10");
    const week = reportRows(ds, "overview", { ...q, groupBy: "week" });
    expect(week[0]!.period).toBe("2025-W24");
    for (const r of week) expect(r.period).toMatch(/^\d{4}-W\d{2}$/);
    expect(reportRows(ds, "overview", { ...q, groupBy: "year" }).map((r) => r.id)).toEqual(["2025"]);
    for (const r of [...month, ...day, ...week]) {
      expect(r.id).toBe(r.period);
      expect(Object.keys(r.data as Row)).toEqual(columns);
    }
  });

  it("computes counts from the data", () => {
    const inRange = (v: unknown) =>
      typeof v === "string" && v.slice(0, 10) >= q.startDate && v.slice(0, 10) <= q.endDate;
    const rows = reportRows(ds, "overview", { ...q, groupBy: "month" });
    const total = (col: string) => rows.reduce((n, r) => n + ((r.data as Row)[col] as number), 0);
    expect(total("referrals_count")).toBe(ds.referrals.filter((r) => inRange(r.created_at)).length);
    expect(total("customers_count")).toBe(ds.referrals.filter((r) => inRange(r.customer_since)).length);
    expect(total("referrals_count")).toBeGreaterThan(0);

    const byPromoter = reportRows(ds, "promoters", { ...q, groupBy: "month" });
    const one = byPromoter[0]!;
    const expected = ds.referrals.filter(
      (r) => pc(r)?.promoter_id === one.id && inRange(r.created_at),
    ).length;
    expect((one.data as Row).referrals_count).toBe(expected);
  });

  it("reports entities with activity, their periods and only the requested columns", () => {
    const campaignIds = ids(ds.campaigns);
    const periods = new Set(["2025-06", "2025-07", "2025-08", "2025-09"]);
    for (const kind of ["campaigns", "promoters", "traffic_sources"] as const) {
      const rows = reportRows(ds, kind, { ...q, groupBy: "month" });
      expect(rows.length, kind).toBeGreaterThan(0);
      for (const r of rows) {
        expect(Object.keys(r.data as Row)).toEqual(columns);
        const sub = r.sub_data as Row[];
        expect(sub.length).toBeGreaterThan(0);
        for (const s of sub) {
          expect(periods.has(String(s.period))).toBe(true);
          expect(s.id).toBe(s.period);
          expect(Object.keys(s.data as Row)).toEqual(columns);
        }
      }
      if (kind === "campaigns")
        for (const r of rows) expect(campaignIds.has((r.campaign as Row).id)).toBe(true);
      if (kind === "promoters") for (const r of rows) expect(r.id).toBe((r.promoter as Row).id);
      if (kind === "traffic_sources") for (const r of rows) expect(r.id).toBe(r.source);
    }
    const urls = reportRows(ds, "urls", { ...q, groupBy: "month", columns: ["clicks_count", "url"] });
    expect(urls.length).toBeGreaterThan(0);
    for (const r of urls) {
      expect(r.sub_data).toBeUndefined();
      expect(r.id).toBe(r.url);
      expect(r.data).toEqual({ clicks_count: expect.any(Number), url: r.url });
    }
  });
});

describe("payout snapshots", () => {
  it("groups pending payouts by promoter", () => {
    const rows = payoutsGroupedByPromoter(ds);
    const meta = payoutsGroupedMeta(ds);
    expect(rows.length).toBeGreaterThan(0);
    expect(meta.promoters_count).toBe(rows.length);
    let total = 0;
    for (const r of rows) {
      const payouts = r.payouts as Row[];
      expect(
        payouts.every((p) => p.status === "pending" && (p.promoter as Row).id === (r.promoter as Row).id),
      ).toBe(true);
      expect(r.payout_ids).toEqual(payouts.map((p) => p.id));
      expect(r.amount).toBe(payouts.reduce((n, p) => n + (p.amount as number), 0));
      total += r.amount as number;
    }
    expect(meta.total).toBe(total);
    expect(meta.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("summarises due and paid payouts", () => {
    const due = payoutsDueStats(ds);
    expect(Object.keys(due.data as Row)).toEqual(["next", "overdue", "custom"]);
    expect((due.meta as Row).payout_cycle).toBe("monthly");
    const stats = payoutsStats(ds);
    const data = stats.data as Row;
    expect((data.by_paid_period as Row[]).length).toBeGreaterThan(0);
    const byStatus = data.by_status as Record<string, Row>;
    const count = Object.values(byStatus).reduce((n, s) => n + (s.payouts_count as number), 0);
    expect(count).toBe(ds.payouts.length);
  });
});

describe("rows validate against schemas/<stream>.json", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const withoutSecret = (p: Row) => {
    const { password_setup_url: _, ...rest } = p;
    return rest;
  };
  const streams: [string, Row[]][] = [
    ["promoters", ds.promoters.map(withoutSecret)],
    ["promoter_details", ds.promoters.map(withoutSecret)],
    ["referrals", ds.referrals],
    ["commissions", ds.commissions],
    ["payouts", ds.payouts],
    ["promo_codes", ds.promo_codes],
    ["promoter_campaigns", ds.promoter_campaigns],
    ["campaigns", ds.campaigns],
    ["rewards", ds.rewards],
    ["products", ds.products],
    ["assets", ds.assets],
    ["asset_categories", ds.asset_categories],
    ["custom_referral_statuses", ds.custom_referral_statuses],
    ["batch_processes", ds.batch_processes],
    ["webhooks", ds.webhooks],
    // child streams: the sandbox rows already carry the parent key the tap adds
    ["promoter_payout_methods", ds.payout_methods],
    ["referral_links", ds.referral_links],
    ["webhook_deliveries", ds.webhook_deliveries],
  ];
  for (const [name, rows] of streams) {
    const file = join(SCHEMA_DIR, `${name}.json`);
    it.skipIf(!existsSync(file))(name, () => {
      const validate = ajv.compile(JSON.parse(readFileSync(file, "utf8")));
      for (const row of rows) {
        const id = String(row.id);
        if (!validate(row)) expect.fail(`${name} ${id}: ${ajv.errorsText(validate.errors)}`);
      }
    });
  }
});

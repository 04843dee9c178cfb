/**
 * Deterministic fake FirstPromoter account for the built-in sandbox: same options, byte-identical data.
 * Rows follow the documented v2 shapes; ids ascend with creation time; relationships are consistent.
 */

import type {
  CampaignsRecord,
  ProductsRecord,
  PromoterPayoutMethodsRecord,
  RewardsRecord,
  WebhookDeliveriesRecord,
} from "../../src/generated/records.js";
import {
  buildCommission,
  buildPayout,
  buildPayoutMethod,
  buildPromoCode,
  buildPromoter,
  buildPromoterCampaign,
  buildReferral,
  buildReferralLinks,
  type CommissionKind,
  commissionStatus,
  methodSummary,
  NameBook,
  promoterPcEntry,
  referralClicks,
  rewardLink,
} from "./builders.js";
import {
  COMPANY_HOST,
  COMPANY_ID,
  type Dataset,
  MIN_PAYMENT,
  NET_PAYOUT_DAYS,
  type Row,
  setAnchor,
} from "./model.js";
import { DAY, iso, monthStart, Rng } from "./random.js";

export { type Activity, simulateActivity } from "./activity.js";
export type { Dataset, Row } from "./model.js";
export {
  payoutsDueStats,
  payoutsGroupedByPromoter,
  payoutsGroupedMeta,
  payoutsStats,
} from "./payouts.js";
export { type ReportKind, reportRows } from "./reports.js";

export interface DatasetOptions {
  seed: number;
  /** number of promoters; every other resource scales from it */
  size: number;
  /** the account's "now": no timestamp is later */
  anchor: Date;
}

/** First id per resource, so ids look like a real account's and differ between resources. */
export const FIRST_IDS = {
  campaigns: 28001,
  products: 3101,
  rewards: 15701,
  promoters: 826001,
  profiles: 830001,
  promoter_campaigns: 1485001,
  referrals: 2920001,
  commissions: 13530001,
  payouts: 310001,
  payments_batches: 41001,
  promo_codes: 5501,
  payout_methods: 72001,
  referral_links: 40001,
  campaign_links: 901,
  assets: 601,
  asset_categories: 51,
  custom_referral_statuses: 11,
  batch_processes: 1,
  webhooks: 101,
  webhook_deliveries: 500001,
} as const;

const HISTORY = 730 * DAY;

const PRODUCTS: readonly (readonly [string, readonly number[], number])[] = [
  ["Starter", [1900, 19000], 35],
  ["Pro", [4900, 49000], 30],
  ["Business", [9900, 99000], 15],
  ["Team", [7900, 79000], 6],
  ["Enterprise", [29900], 4],
  ["Extra seats add-on", [900], 5],
  ["Analytics add-on", [1500, 15000], 5],
  ["API access", [2900], 4],
  ["White-label", [19900], 2],
  ["Onboarding package", [49900], 2],
];

interface RewardSpec {
  name: string;
  type: string | null;
  unit: string;
  amount: number;
  flat: boolean;
  tier?: number;
  coupon?: string;
  duration?: string;
  months?: number;
  rules?: Row[];
}

const REWARDS: readonly RewardSpec[] = [
  { name: "20% recurring commission", type: "sale", unit: "cash", amount: 20, flat: false, tier: 1 },
  { name: "5% second tier commission", type: "tier", unit: "cash", amount: 5, flat: false, tier: 2 },
  {
    name: "10% discount coupon",
    type: null,
    unit: "discount_per",
    amount: 10,
    flat: false,
    coupon: "WELCOME10",
    duration: "once",
  },
  { name: "30% recurring commission", type: "sale", unit: "cash", amount: 30, flat: false, tier: 1 },
  { name: "$50 per sale", type: "sale", unit: "cash", amount: 5000, flat: true, tier: 1 },
  {
    name: "20% off for 3 months",
    type: null,
    unit: "discount_per",
    amount: 20,
    flat: false,
    coupon: "PARTNER20",
    duration: "repeating",
    months: 3,
  },
  {
    name: "$100 bonus at 10 customers",
    type: "target",
    unit: "cash",
    amount: 10000,
    flat: true,
    tier: 1,
    rules: [
      {
        type: "promoter_campaign_customers_count",
        condition: "greater than or equal to",
        filter_by: null,
        value: 10,
        operator: "and",
      },
    ],
  },
  { name: "1 free month per referral", type: "sale", unit: "free_months", amount: 1, flat: true, tier: 1 },
];

const CAMPAIGN_NAMES =
  "Main campaign|Influencer program|Partner program|Agency partners|YouTube creators|Newsletter sponsors|Black Friday boost|EU partners|Enterprise referrals|Student ambassadors|Podcast hosts|Integration partners|Resellers|Customer referral program|Bloggers|Tier 2 affiliates|LATAM partners|APAC partners|Webinar hosts|Community champions".split(
    "|",
  );
const COLORS = [
  "#EC4899",
  "#42a5f5",
  "#66bb6a",
  "#ffa726",
  "#ab47bc",
  "#26a69a",
  "#ef5350",
  "#8d6e63",
  "#5c6bc0",
  "#d4e157",
];

const NEW_PC_STATES = [
  ["accepted", 60],
  ["pending", 40],
] as const;
const PC_STATES = [
  ["accepted", 88],
  ["inactive", 5],
  ["rejected", 3],
  ["blocked", 2],
  ["pending", 2],
] as const;

/** Indexes of `times` in ascending time order (ties keep index order). */
function timeOrder(times: ArrayLike<number>): number[] {
  const order = Array.from({ length: times.length }, (_, i) => i);
  return order.sort((a, b) => times[a]! - times[b]! || a - b);
}

/** Creation time with activity denser towards the anchor. */
function recentBiased(r: Rng, from: number, to: number, power = 0.7): number {
  return Math.floor(from + (to - from) * r.next() ** power);
}

function buildProducts(
  r: Rng,
  n: number,
  start: number,
): { rows: ProductsRecord[]; prices: { ext: string; cents: number; months: number; weight: number }[] } {
  const rows: ProductsRecord[] = [];
  const prices: { ext: string; cents: number; months: number; weight: number }[] = [];
  for (let i = 0; i < n; i++) {
    const [name, amounts, weight] = PRODUCTS[i]!;
    const oneTime = amounts.length === 1 && amounts[0]! >= 40000;
    const list = amounts.map((cents, k) => {
      const months = oneTime ? 0 : k === 0 ? 1 : 12;
      const ext = `price_${r.alnum(14)}`;
      prices.push({ ext, cents, months, weight: (weight * (k === 0 ? 0.8 : 0.2)) / amounts.length });
      const interval = months === 0 ? "one-time" : months === 1 ? "month" : "year";
      return { ext_id: ext, desc: `$${(cents / 100).toFixed(2)} / ${interval}` };
    });
    rows.push({
      id: FIRST_IDS.products + i,
      name,
      ext_id: r.chance(0.85) ? `prod_${r.alnum(14)}` : null,
      prices: list,
      created_at: r.ts(start + i * 3 * DAY + r.int(DAY)),
    });
  }
  return { rows, prices };
}

function buildRewards(r: Rng, n: number, start: number): RewardsRecord[] {
  return REWARDS.slice(0, n).map((spec, i) => {
    const created = start + i * 5 * DAY + r.int(DAY);
    const isPromoter = spec.type !== null;
    return {
      id: FIRST_IDS.rewards + i,
      name: spec.name,
      is_promoter_reward: isPromoter,
      promoter_reward_type: spec.type,
      coupon: spec.coupon ?? null,
      editable: true,
      hide_reward: isPromoter ? null : false,
      provider_coupon_id: spec.coupon ? `coupon_${r.alnum(8)}` : null,
      duration: spec.duration ?? null,
      duration_in_months: spec.months ?? null,
      max_redemptions: null,
      new_customers_only: !isPromoter,
      created_at: r.ts(created),
      updated_at: r.ts(created + r.int(60 * DAY)),
      provider: "stripe",
      tier_reward_mode: spec.type === "tier" ? "tier_commission_mode" : null,
      tier_level: spec.tier ?? null,
      schemas: [
        {
          unit: spec.unit,
          amount: spec.amount,
          flat_amount: spec.flat,
          rules: spec.rules?.map((x) => ({ ...x })) ?? [],
        },
      ],
    };
  });
}

function buildCampaigns(r: Rng, n: number, rewards: RewardsRecord[]): CampaignsRecord[] {
  const saleRewards = rewards.filter((w) => w.promoter_reward_type === "sale");
  const tierReward = rewards.find((w) => w.promoter_reward_type === "tier")!;
  const referralRewards = rewards.filter((w) => !w.is_promoter_reward);
  let linkId: number = FIRST_IDS.campaign_links;
  const rows: CampaignsRecord[] = [];
  for (let i = 0; i < n; i++) {
    const name = CAMPAIGN_NAMES[i]!;
    const landing =
      i === 0 ? COMPANY_HOST : `${COMPANY_HOST}/${r.pick(["", "pricing", "partners", "creators", "start"])}`;
    const primary = i === 0 ? saleRewards[0]! : r.pick(saleRewards);
    const id = FIRST_IDS.campaigns + i;
    rows.push({
      id,
      name,
      color: COLORS[i % COLORS.length],
      stats: {
        referrals_count: 0,
        sales_count: 0,
        customers_count: 0,
        promoters_count: 0,
        revenue_amount: 0,
      },
      landing_url: landing,
      visitor_cookie_life: r.pick([30, 60, 90]),
      ref_token_param: i === 0 ? "?fpr" : r.pick(["?fpr", "?via", "?fp_ref", "?ref"]),
      auto_approve_leads: r.chance(0.8),
      track_ad_traffic: r.pick(["pending", "allow", "block"]),
      auto_approve_promoters: i === 0 || r.chance(0.6),
      is_private: i > 0 && r.chance(0.2),
      is_default: i === 0,
      upgrade_details:
        i === 1 && n > 2
          ? {
              campaign_id: FIRST_IDS.campaigns + 2,
              amount: 10,
              metric: "customers",
              move_referrals_on_level_change: false,
            }
          : null,
      signup_url: `https://acme.firstpromoter.com/signup/${id}`,
      links: r.chance(0.4) ? [{ id: linkId++, name: "Pricing page", url: `${COMPANY_HOST}/pricing` }] : [],
      rewards_for_promoters:
        i % 3 === 0 ? [rewardLink(primary), rewardLink(tierReward)] : [rewardLink(primary)],
      rewards_for_referrals:
        referralRewards.length && r.chance(0.7) ? [rewardLink(r.pick(referralRewards))] : [],
    });
  }
  return rows;
}

/** Payout run on the 1st of every month: approved cash commissions of earlier months, once they reach the minimum. */
function buildPayouts(
  r: Rng,
  ds: Dataset,
  anchor: number,
  start: number,
  com: { time: Float64Array; approvedAt: Float64Array; pc: Int32Array; payable: Uint8Array },
  pcPromoter: Int32Array,
  pcCampaign: Int32Array,
  selectedMethod: (PromoterPayoutMethodsRecord | null)[],
): void {
  const pending = new Map<number, number[]>();
  const runs: { time: number; pc: number; items: number[]; amount: number }[] = [];
  let next = 0;
  for (let m = monthStart(start, 1); m <= anchor; m = monthStart(m, 1)) {
    const runAt = m + 5 * 60_000 + r.int(600_000);
    if (runAt > anchor) break;
    for (; next < com.time.length && com.time[next]! < m; next++) {
      if (!com.payable[next]) continue;
      const list = pending.get(com.pc[next]!);
      if (list) list.push(next);
      else pending.set(com.pc[next]!, [next]);
    }
    for (const [pc, list] of pending) {
      const due = list.filter((c) => com.approvedAt[c]! < runAt);
      let amount = 0;
      for (const c of due) amount += ds.commissions[c]!.amount as number;
      if (amount < MIN_PAYMENT) continue;
      runs.push({ time: runAt + runs.length, pc, items: due, amount });
      const rest = list.filter((c) => com.approvedAt[c]! >= runAt);
      if (rest.length) pending.set(pc, rest);
      else pending.delete(pc);
    }
  }
  let batch: number = FIRST_IDS.payments_batches;
  let lastMonth = -1;
  runs.forEach((run, i) => {
    const period = monthStart(run.time);
    if (period !== lastMonth) {
      batch++;
      lastMonth = period;
    }
    const dueAt = period + NET_PAYOUT_DAYS * DAY;
    const promoterIdx = pcPromoter[run.pc]!;
    const method = selectedMethod[promoterIdx] ?? null;
    let status: "pending" | "processing" | "completed" | "failed" | "cancelled" = "pending";
    let processing: number | null = null;
    let paid: number | null = null;
    let failed: number | null = null;
    if (method && anchor >= dueAt) {
      processing = Math.min(anchor, dueAt + r.int(anchor < dueAt + 2 * DAY ? 6 * 3_600_000 : 2 * DAY));
      if (anchor < dueAt + 2 * DAY) status = "processing";
      else {
        status = r.weighted([
          ["completed", 95],
          ["failed", 3],
          ["cancelled", 2],
        ] as const);
        if (status === "completed") paid = Math.min(anchor, processing + r.int(7_200_000));
        if (status === "failed") failed = Math.min(anchor, processing + r.int(600_000));
        if (status === "cancelled") processing = null;
      }
    }
    ds.payouts.push(
      buildPayout(r, FIRST_IDS.payouts + i, {
        createdMs: run.time,
        periodStartMs: monthStart(period, -1),
        periodEndMs: period - 1000,
        amount: run.amount,
        status,
        batchId: status === "pending" || status === "cancelled" ? null : batch,
        processingMs: processing,
        paidMs: paid,
        failedMs: failed,
        promoter: ds.promoters[promoterIdx]!,
        campaign: ds.campaigns[pcCampaign[run.pc]!]!,
        method,
      }),
    );
    if (status === "completed") for (const c of run.items) ds.commissions[c]!.is_paid = true;
  });
}

function buildAssets(r: Rng, ds: Dataset, start: number): void {
  const names = ["Banners", "Social media", "Email templates", "Logos", "Product screenshots", "Videos"];
  const nCat = r.range(3, 6);
  for (let i = 0; i < nCat; i++) {
    const created = start + (i + 1) * 10 * DAY + r.int(DAY);
    ds.asset_categories.push({
      id: FIRST_IDS.asset_categories + i,
      name: names[i],
      position: i + 1,
      created_at: r.ts(created),
      updated_at: r.ts(created + r.int(300 * DAY)),
    });
  }
  const nAssets = r.range(10, 30);
  for (let i = 0; i < nAssets; i++) {
    const type = r.weighted([
      ["image", 50],
      ["document", 15],
      ["link", 20],
      ["text", 15],
    ] as const);
    const category = r.chance(0.85) ? r.pick(ds.asset_categories) : null;
    const campaigns = r.chance(0.6) ? [] : [r.pick(ds.campaigns)];
    const [w, h] = r.pick([
      [728, 90],
      [300, 250],
      [1200, 628],
      [1080, 1080],
    ] as const);
    const file = `${r.hex(12)}.${type === "image" ? "png" : "pdf"}`;
    ds.assets.push({
      id: FIRST_IDS.assets + i,
      name:
        type === "image"
          ? `Banner ${w}x${h}`
          : type === "document"
            ? r.pick(["Brand guidelines", "Product one-pager", "Affiliate FAQ"])
            : type === "link"
              ? r.pick(["Pricing page", "Free trial page", "Comparison page"])
              : r.pick(["Tweet template", "Newsletter blurb", "Email swipe copy"]),
      allowed_campaign_ids: campaigns.map((c) => c.id),
      details:
        type === "image"
          ? { file_format: "png", file_size: r.range(20_000, 900_000), image_size: { width: w, height: h } }
          : type === "document"
            ? { file_format: "pdf", file_size: r.range(100_000, 4_000_000), image_size: null }
            : {},
      content:
        type === "text" ? "Try Acme Analytics free for 14 days and see where your visitors come from." : null,
      landing_page_url: type === "link" ? `${COMPANY_HOST}/${r.pick(["pricing", "trial", "compare"])}` : null,
      asset_type: type,
      url:
        type === "link"
          ? `${COMPANY_HOST}/pricing`
          : type === "text"
            ? null
            : `https://cdn.example.com/assets/${COMPANY_ID}/${file}`,
      thumbnail_url: type === "image" ? `https://cdn.example.com/assets/${COMPANY_ID}/thumb_${file}` : null,
      uploading: false,
      category: category ? { id: category.id, name: category.name, position: category.position } : null,
      allowed_campaigns: campaigns.map((c) => ({ id: c.id, name: c.name, color: c.color })),
    });
  }
}

function buildAccountLog(r: Rng, ds: Dataset, start: number, anchor: number): void {
  const statuses = ["Trial", "Demo booked", "Qualified", "Onboarding", "Churn risk"];
  const nStatus = r.range(3, 5);
  for (let i = 0; i < nStatus; i++) {
    const created = start + (i + 1) * 20 * DAY + r.int(DAY);
    ds.custom_referral_statuses.push({
      id: FIRST_IDS.custom_referral_statuses + i,
      name: statuses[i],
      description: r.chance(0.5) ? null : `Referral is in the "${statuses[i]}" stage`,
      order: i + 1,
      company_id: COMPANY_ID,
      created_at: r.ts(created),
      updated_at: r.ts(created + r.int(200 * DAY)),
    });
  }

  const actions = [
    "referral/delete",
    "commission/approve",
    "commission/deny",
    "promoter/accept",
    "promoter/move_to_campaign",
    "payout/mark_as_paid",
    "referral/move_to_promoter",
    "commission/mark_fulfilled",
  ];
  const nBatch = r.range(5, 20);
  const batchTimes = Array.from({ length: nBatch }, () =>
    recentBiased(r, anchor - 180 * DAY, anchor - 60_000, 0.8),
  ).sort((a, b) => a - b);
  batchTimes.forEach((created, i) => {
    const last = i === nBatch - 1;
    const status = last
      ? r.pick(["in_progress", "completed"] as const)
      : r.weighted([
          ["completed", 80],
          ["failed", 10],
          ["stopped", 10],
        ] as const);
    const total = r.range(6, 400);
    const processed = status === "completed" ? total : r.int(total);
    const failedCount = status === "failed" ? r.range(1, Math.max(1, processed)) : 0;
    ds.batch_processes.push({
      id: FIRST_IDS.batch_processes + i,
      status,
      total,
      selected_total: total,
      processed_count: processed,
      failed_count: failedCount,
      action_label: r.pick(actions),
      created_at: iso(created, true),
      updated_at: iso(Math.min(anchor, created + r.int(600_000)), true),
      meta: r.chance(0.6) ? null : { campaign_id: r.pick(ds.campaigns).id },
      progress: Math.round((processed / total) * 100),
      processing_errors: failedCount ? [`${failedCount} records could not be processed`] : [],
    });
  });

  const eventTypes = [
    "referral.created",
    "referral.updated",
    "commission.created",
    "commission.updated",
    "promoter.created",
    "promoter.updated",
    "payout.created",
    "payout.updated",
    "promoter_campaign.created",
  ];
  const entityOf: Record<string, [string, { id: number }[]]> = {
    referral: ["Referral", ds.referrals],
    commission: ["Commission", ds.commissions],
    promoter: ["Promoter", ds.promoters],
    payout: ["Payout", ds.payouts],
    promoter_campaign: ["PromoterCampaign", ds.promoter_campaigns],
  };
  const nHooks = r.range(2, 4);
  const deliveries: { time: number; row: WebhookDeliveriesRecord }[] = [];
  for (let i = 0; i < nHooks; i++) {
    const created = start + (100 + i * 90) * DAY + r.int(DAY);
    const types = eventTypes.filter(() => r.chance(0.5));
    if (!types.length) types.push("referral.created");
    const auth = r.chance(0.4);
    const hook = {
      id: FIRST_IDS.webhooks + i,
      url: `https://hooks.example.com/firstpromoter/${r.alnum(16)}`,
      description: r.chance(0.4)
        ? null
        : r.pick(["Sync to CRM", "Slack notifications", "Data warehouse feed"]),
      event_types: types,
      campaign_ids: r.chance(0.7) ? [1] : [ds.campaigns[0]!.id as number],
      active: i === 0 || r.chance(0.8),
      timeout: 30,
      max_retries: 3,
      headers: r.chance(0.5) ? {} : { "X-Source": "firstpromoter" },
      basic_auth_user: auth ? "fp-hooks" : null,
      basic_auth_enabled: auth,
      created_at: r.ts(created),
      updated_at: r.ts(created + r.int(anchor - created)),
    };
    ds.webhooks.push(hook);
    const n = r.range(3, 20);
    for (let k = 0; k < n; k++) {
      const time = recentBiased(r, anchor - 30 * DAY, anchor - 1000, 0.5);
      const type = r.pick(types);
      const [entity, action] = type.split(".") as [string, string];
      const [entityType, rows] = entityOf[entity]!;
      const target = rows.length ? rows[r.int(rows.length)]! : null;
      const status =
        anchor - time < 60_000
          ? "pending"
          : r.weighted([
              ["delivered", 85],
              ["failed", 8],
              ["retrying", 7],
            ] as const);
      const eventId = r.uuid();
      const ok = status === "delivered";
      deliveries.push({
        time,
        row: {
          id: 0,
          event_id: eventId,
          event_type: type,
          action,
          entity_type: entityType,
          entity_id: target ? target.id : null,
          status,
          attempts: status === "pending" ? 0 : ok ? 1 : status === "failed" ? 4 : r.range(1, 3),
          last_error:
            ok || status === "pending"
              ? null
              : r.pick(["Net::ReadTimeout", "HTTP 500 Internal Server Error"]),
          response_code: ok ? 200 : status === "pending" ? null : r.pick([500, 502, 504]),
          response_body: ok ? '{"ok":true}' : status === "pending" ? null : "Bad Gateway",
          object_changes:
            action === "updated" ? { updated_at: [iso(time - DAY, false), iso(time, false)] } : null,
          payload: {
            event_type: type,
            event_id: eventId,
            created_at: iso(time, true),
            data: { id: target ? target.id : null },
          },
          created_at: iso(time, true),
          delivered_at: ok ? iso(time + r.int(2000), true) : null,
          webhook_id: hook.id,
        },
      });
    }
  }
  const order = timeOrder(deliveries.map((d) => d.time));
  order.forEach((k, i) => {
    const row = deliveries[k]!.row;
    row.id = FIRST_IDS.webhook_deliveries + i;
    ds.webhook_deliveries.push(row);
  });
}

export function generateDataset(opts: DatasetOptions): Dataset {
  const r = new Rng(opts.seed);
  const size = Math.max(1, Math.floor(opts.size));
  const anchor = Math.floor(opts.anchor.getTime() / 1000) * 1000;
  const start = anchor - HISTORY;
  const ds: Dataset = {
    promoters: [],
    referrals: [],
    commissions: [],
    payouts: [],
    promo_codes: [],
    promoter_campaigns: [],
    campaigns: [],
    rewards: [],
    products: [],
    assets: [],
    asset_categories: [],
    custom_referral_statuses: [],
    batch_processes: [],
    webhooks: [],
    webhook_deliveries: [],
    payout_methods: [],
    referral_links: [],
  };
  const book = new NameBook();

  const products = buildProducts(r, r.range(5, 10), start);
  ds.products = products.rows;
  ds.rewards = buildRewards(r, r.range(3, 8), start);
  ds.campaigns = buildCampaigns(r, Math.min(20, Math.max(3, Math.round(size / 50))), ds.rewards);
  const rewardById = new Map(ds.rewards.map((w) => [w.id, w]));
  const tierReward = ds.rewards.find((w) => w.promoter_reward_type === "tier")!;
  const primaryReward = ds.campaigns.map(
    (c) => rewardById.get((c.rewards_for_promoters as Row[])[0]!.reward_id as number)!,
  );
  const referralReward = ds.campaigns.map((c) => {
    const link = (c.rewards_for_referrals as Row[])[0];
    return link ? rewardById.get(link.reward_id as number)! : ds.rewards.find((w) => !w.is_promoter_reward)!;
  });

  // Promoters, in joined_at order.
  const joined = Float64Array.from({ length: size }, () => recentBiased(r, start, anchor - 3_600_000)).sort();
  const parentOf = new Int32Array(size).fill(-1);
  for (let i = 0; i < size; i++) {
    const p = buildPromoter(r, book, FIRST_IDS.promoters + i, FIRST_IDS.profiles + i, joined[i]!, anchor);
    if (i > 10 && r.chance(0.06)) {
      parentOf[i] = r.int(i);
      const parent = ds.promoters[parentOf[i]!]!;
      p.parent_promoter = { id: parent.id, email: parent.email, name: parent.name };
    }
    ds.promoters.push(p);
  }

  // Payout methods: most promoters have one, some switched methods, a few have none yet.
  const selectedMethod: (PromoterPayoutMethodsRecord | null)[] = new Array(size).fill(null);
  {
    const pending: { time: number; promoter: number; selected: boolean }[] = [];
    for (let i = 0; i < size; i++) {
      if (r.chance(0.05)) continue;
      const first = recentBiased(r, joined[i]!, anchor, 2);
      if (r.chance(0.1)) {
        pending.push({ time: first, promoter: i, selected: false });
        pending.push({ time: recentBiased(r, first, anchor, 1), promoter: i, selected: true });
      } else pending.push({ time: first, promoter: i, selected: true });
    }
    timeOrder(pending.map((m) => m.time)).forEach((k, n) => {
      const m = pending[k]!;
      const promoter = ds.promoters[m.promoter]!;
      const row = buildPayoutMethod(r, FIRST_IDS.payout_methods + n, promoter, m.time, m.selected);
      ds.payout_methods.push(row);
      if (m.selected) {
        selectedMethod[m.promoter] = row;
        promoter.selected_payout_method = methodSummary(row);
      }
    });
  }

  // Promoter campaigns: one per promoter at signup, a second one for some later.
  const nCamp = ds.campaigns.length;
  const campWeights = ds.campaigns.map((c, i) => [i, i === 0 ? nCamp : c.is_private ? 0.3 : 1] as const);
  const pcRaw: { time: number; promoter: number; campaign: number }[] = [];
  for (let i = 0; i < size; i++) {
    const c = r.weighted(campWeights);
    pcRaw.push({ time: joined[i]!, promoter: i, campaign: c });
    if (r.chance(0.3)) {
      const other = (c + 1 + r.int(nCamp - 1)) % nCamp;
      pcRaw.push({ time: recentBiased(r, joined[i]! + 60_000, anchor, 1), promoter: i, campaign: other });
    }
  }
  const nPc = pcRaw.length;
  const pcPromoter = new Int32Array(nPc);
  const pcCampaign = new Int32Array(nPc);
  const pcCreated = new Float64Array(nPc);
  const firstPcOf = new Int32Array(size).fill(-1);
  timeOrder(pcRaw.map((p) => p.time)).forEach((k, n) => {
    const raw = pcRaw[k]!;
    const promoter = ds.promoters[raw.promoter]!;
    const fresh = anchor - raw.time < 7 * DAY;
    const state = r.weighted(fresh ? NEW_PC_STATES : PC_STATES);
    const primary = firstPcOf[raw.promoter] === -1;
    const token = primary ? tokenOf(promoter) : book.token(tokenOf(promoter), r);
    const pc = buildPromoterCampaign(
      r,
      FIRST_IDS.promoter_campaigns + n,
      promoter,
      ds.campaigns[raw.campaign]!,
      raw.time,
      state,
      token,
    );
    ds.promoter_campaigns.push(pc);
    pcPromoter[n] = raw.promoter;
    pcCampaign[n] = raw.campaign;
    pcCreated[n] = raw.time;
    if (primary) firstPcOf[raw.promoter] = n;
  });

  // Promo codes (about one for every other promoter) and referral links, in promoter-campaign order.
  let linkId: number = FIRST_IDS.referral_links;
  const nextLinkId = () => linkId++;
  const couponShare = Math.min(1, (0.5 * size) / Math.max(1, nPc * 0.9));
  for (let n = 0; n < nPc; n++) {
    const pc = ds.promoter_campaigns[n]!;
    if (pc.state !== "rejected" && r.chance(couponShare)) {
      const code = buildPromoCode(
        r,
        FIRST_IDS.promo_codes + ds.promo_codes.length,
        pc,
        referralReward[pcCampaign[n]!]!,
      );
      if (r.chance(0.08)) code.archived_at = r.ts(recentBiased(r, pcCreated[n]!, anchor, 1));
      ds.promo_codes.push(code);
    }
    for (const link of buildReferralLinks(r, nextLinkId, pc)) ds.referral_links.push(link);
    (ds.promoters[pcPromoter[n]!]!.promoter_campaigns as Row[]).push(promoterPcEntry(pc));
  }

  // Referrals: heavy-tailed per promoter campaign, created after the promoter joined the campaign.
  const eligible: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let n = 0; n < nPc; n++) {
    const state = ds.promoter_campaigns[n]!.state;
    if (state === "pending" || state === "rejected") continue;
    total += 0.05 + r.next() ** 3 * 20;
    eligible.push(n);
    cumulative.push(total);
  }
  const nRef = eligible.length ? 5 * size : 0;
  const refPcRaw = new Int32Array(nRef);
  const refTimeRaw = new Float64Array(nRef);
  for (let i = 0; i < nRef; i++) {
    const x = r.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    const pc = eligible[lo]!;
    refPcRaw[i] = pc;
    refTimeRaw[i] = recentBiased(r, pcCreated[pc]! + 60_000, anchor, 0.8);
  }
  const refPc = new Int32Array(nRef);
  const refCustomer = new Float64Array(nRef).fill(Number.NaN);
  const refCancel = new Float64Array(nRef).fill(Number.NaN);
  timeOrder(refTimeRaw).forEach((k, n) => {
    const created = refTimeRaw[k]!;
    let pc = refPcRaw[k]!;
    let customer: number | null = null;
    let cancel: number | null = null;
    if (r.chance(0.38)) {
      const t = created + Math.floor(r.next() ** 3 * 30 * DAY);
      if (t <= anchor) customer = t;
    }
    if (customer !== null && r.chance(0.3)) {
      const t = customer + Math.floor((15 + r.next() * 400) * DAY);
      if (t <= anchor) cancel = t;
    }
    if (r.chance(0.03)) pc = -1;
    const row = buildReferral(
      r,
      FIRST_IDS.referrals + n,
      created,
      customer,
      cancel,
      pc < 0 ? null : ds.promoter_campaigns[pc]!,
      anchor,
    );
    if (pc >= 0 && r.chance(0.01)) {
      const partner = eligible[r.int(eligible.length)]!;
      if (partner !== pc) {
        const prow = ds.promoter_campaigns[partner]!;
        row.split_details = [
          { promoter_campaign_id: prow.id, promoter_id: prow.promoter_id, percentage: r.pick([20, 30, 50]) },
        ];
      }
    }
    ds.referrals.push(row);
    refPc[n] = pc;
    refCustomer[n] = customer ?? Number.NaN;
    refCancel[n] = cancel ?? Number.NaN;
  });

  // Commission events (parallel arrays: a quarter million small objects would only feed the GC): first sale at
  // conversion, renewals until cancelled, some refunds, tier-2 commissions for parents and custom bonuses.
  const ev = {
    time: [] as number[],
    kind: [] as CommissionKind[],
    ref: [] as number[],
    pc: [] as number[],
    price: [] as number[],
  };
  const push = (time: number, kind: CommissionKind, ref: number, pc: number, price: number) => {
    ev.time.push(time);
    ev.kind.push(kind);
    ev.ref.push(ref);
    ev.pc.push(pc);
    ev.price.push(price);
  };
  const priceWeights = products.prices.map((p, i) => [i, p.weight] as const);
  for (let n = 0; n < nRef; n++) {
    const pc = refPc[n]!;
    const customer = refCustomer[n]!;
    if (pc < 0 || Number.isNaN(customer)) continue;
    const priceIdx = r.weighted(priceWeights);
    const price = products.prices[priceIdx]!;
    const end = Number.isNaN(refCancel[n]!) ? anchor : refCancel[n]!;
    const cap = price.months === 0 ? 1 : 1 + Math.floor(r.next() * 18);
    const parent = parentOf[pcPromoter[pc]!]!;
    const parentPc = parent >= 0 ? firstPcOf[parent]! : -1;
    for (let k = 0; k < cap; k++) {
      const time =
        k === 0 ? customer + r.int(5000) : customer + k * price.months * 30.44 * DAY + r.int(6 * 3_600_000);
      if (time > end || time > anchor) break;
      push(time, "sale", n, pc, priceIdx);
      if (parentPc >= 0) push(time, "tier2", n, parentPc, priceIdx);
      if (r.chance(0.03)) {
        const refund = Math.floor(time + (1 + r.next() * 20) * DAY);
        if (refund <= anchor) push(refund, "refund", n, pc, priceIdx);
      }
    }
  }
  for (let i = 0, nCustom = Math.round(nRef * 0.015); i < nCustom && eligible.length; i++) {
    const pc = eligible[r.int(eligible.length)]!;
    push(recentBiased(r, pcCreated[pc]! + DAY, anchor, 0.8), "custom", -1, pc, -1);
  }
  const nCom = ev.time.length;
  const com = {
    time: new Float64Array(nCom),
    approvedAt: new Float64Array(nCom),
    pc: new Int32Array(nCom),
    payable: new Uint8Array(nCom),
  };
  timeOrder(ev.time).forEach((k, n) => {
    const kind = ev.kind[k]!;
    const pc = ev.pc[k]!;
    const price = products.prices[ev.price[k]!];
    const time = Math.min(anchor, ev.time[k]!);
    const { status, statusMs } = commissionStatus(r, time, anchor);
    const row = buildCommission(r, FIRST_IDS.commissions + n, {
      kind,
      createdMs: time,
      saleCents: price?.cents ?? 0,
      planId: price?.ext ?? null,
      pc: ds.promoter_campaigns[pc]!,
      referral: ev.ref[k]! >= 0 ? ds.referrals[ev.ref[k]!]! : null,
      reward: kind === "tier2" ? tierReward : primaryReward[pcCampaign[pc]!]!,
      status: kind === "refund" ? "approved" : status,
      statusMs: kind === "refund" ? time : statusMs,
    });
    ds.commissions.push(row);
    com.time[n] = time;
    com.approvedAt[n] = row.status === "approved" ? (statusMs ?? time) : Number.POSITIVE_INFINITY;
    com.pc[n] = pc;
    com.payable[n] = row.status === "approved" && row.unit === "cash" ? 1 : 0;
  });

  buildPayouts(r, ds, anchor, start, com, pcPromoter, pcCampaign, selectedMethod);
  computeStats(r, ds, { refPc, refCustomer, refCancel, pcPromoter, pcCampaign, comPc: com.pc });
  buildAssets(r, ds, start);
  buildAccountLog(r, ds, start, anchor);
  setAnchor(ds, anchor);
  return ds;
}

/** the promoter's primary ref token (its unique name stem) */
function tokenOf(promoter: Row): string {
  return String(promoter.email)
    .split("@")[0]!
    .replaceAll(".", "")
    .replace(/[^a-z0-9]/g, "");
}

/** Promoter, promoter-campaign and campaign stats and promoter balances, from the generated rows. */
function computeStats(
  r: Rng,
  ds: Dataset,
  ix: {
    refPc: Int32Array;
    refCustomer: Float64Array;
    refCancel: Float64Array;
    pcPromoter: Int32Array;
    pcCampaign: Int32Array;
    comPc: Int32Array;
  },
): void {
  const pStats = ds.promoters.map(() => ({
    clicks_count: r.int(30),
    referrals_count: 0,
    sales_count: 0,
    customers_count: 0,
    revenue_amount: 0,
    active_customers_count: 0,
  }));
  const balances = ds.promoters.map(
    () => ({ cash: 0, credits: null, points: null, free_months: null, discount: null }) as Row,
  );
  ds.referrals.forEach((ref, n) => {
    const pc = ix.refPc[n]!;
    if (pc < 0) return;
    const pcStats = ds.promoter_campaigns[pc]!.stats as Record<string, number>;
    const cStats = ds.campaigns[ix.pcCampaign[pc]!]!.stats as Record<string, number>;
    const ps = pStats[ix.pcPromoter[pc]!]!;
    const clicks = referralClicks(ref.id as number);
    const customer = !Number.isNaN(ix.refCustomer[n]!);
    const active = customer && Number.isNaN(ix.refCancel[n]!);
    ps.clicks_count += clicks;
    pcStats.clicks_count! += clicks;
    ps.referrals_count++;
    pcStats.referrals_count!++;
    cStats.referrals_count!++;
    if (customer) {
      ps.customers_count++;
      pcStats.customers_count!++;
      cStats.customers_count!++;
    }
    if (active) ps.active_customers_count++;
  });
  ds.commissions.forEach((c, n) => {
    const pcI = ix.comPc[n]!;
    const promoterI = ix.pcPromoter[pcI]!;
    const amount = c.amount as number;
    if (c.status === "approved") {
      const bal = balances[promoterI]!;
      if (c.unit === "cash") {
        if (!c.is_paid) bal.cash = (bal.cash as number) + amount;
      } else {
        const key = c.unit === "free_months" ? "free_months" : c.unit === "points" ? "points" : "credits";
        bal[key] = ((bal[key] as number | null) ?? 0) + amount;
      }
    }
    if (c.tier !== 1 || c.commission_type !== "sale") return;
    const pcStats = ds.promoter_campaigns[pcI]!.stats as Record<string, number>;
    const cStats = ds.campaigns[ix.pcCampaign[pcI]!]!.stats as Record<string, number>;
    const ps = pStats[promoterI]!;
    const sale = c.sale_amount as number;
    if (sale > 0) {
      ps.sales_count++;
      pcStats.sales_count!++;
      cStats.sales_count!++;
    }
    ps.revenue_amount += sale;
    pcStats.revenue_amount! += sale;
    cStats.revenue_amount! += sale;
  });
  ds.promoter_campaigns.forEach((pc, i) => {
    if (pc.state === "accepted")
      (ds.campaigns[ix.pcCampaign[i]!]!.stats as Record<string, number>).promoters_count!++;
  });
  ds.promoters.forEach((p, i) => {
    p.stats = pStats[i];
    p.balances = balances[i];
  });
}

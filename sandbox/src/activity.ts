/** Account activity between two syncs: new rows after the previous anchor, and the changes a tap must catch. */

import type {
  CommissionsRecord,
  PromoterCampaignsRecord,
  PromoterPayoutMethodsRecord,
  ReferralsRecord,
} from "../../src/generated/records.js";
import {
  buildCommission,
  buildPayout,
  buildPayoutMethod,
  buildPromoter,
  buildPromoterCampaign,
  buildReferral,
  buildReferralLinks,
  methodSummary,
  NameBook,
  promoterPcEntry,
  referralClicks,
} from "./builders.js";
import { anchorOf, type Dataset, type Row, setAnchor } from "./model.js";
import { DAY, iso, monthStart, Rng } from "./random.js";

/** Ids per resource name. A row added in this step is listed under `added` only. */
export interface Activity {
  added: Record<string, number[]>;
  changed: Record<string, number[]>;
}

type Stats = Record<string, number>;

function maxId(rows: Row[]): number {
  let max = 0;
  for (const row of rows) if ((row.id as number) > max) max = row.id as number;
  return max;
}

/** `n` distinct random items (partial Fisher-Yates on a copy of the candidates) */
function sample<T>(r: Rng, items: T[], n: number): T[] {
  const pool = items.slice();
  const out: T[] = [];
  for (let i = 0; i < n && i < pool.length; i++) {
    const j = i + r.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    out.push(pool[i]!);
  }
  return out;
}

export function simulateActivity(ds: Dataset, opts: { seed: number; now: Date; scale?: number }): Activity {
  const r = new Rng(opts.seed * 7919 + 17);
  const now = opts.now.getTime();
  const prev = anchorOf(ds);
  if (now <= prev) {
    throw new RangeError(
      `now ${opts.now.toISOString()} is not after the dataset's anchor ${iso(prev, true)}`,
    );
  }
  // From the next whole second, so a timestamp printed without millis is still after the previous anchor (unless
  // the two calls are less than a second apart).
  const lo = Math.min(now, Math.floor(prev / 1000) * 1000 + 1000);
  const at = () => lo + r.int(now - lo + 1);
  const scale = opts.scale ?? 1;
  const count = (share: number, min: number) =>
    Math.max(min, Math.round(ds.promoters.length * share * scale));

  const added: Record<string, number[]> = {
    promoters: [],
    promoter_campaigns: [],
    referral_links: [],
    payout_methods: [],
    referrals: [],
    commissions: [],
    payouts: [],
  };
  const changed: Record<string, Set<number>> = {
    promoters: new Set(),
    promoter_campaigns: new Set(),
    campaigns: new Set(),
    referrals: new Set(),
    commissions: new Set(),
  };

  const promoterById = new Map(ds.promoters.map((p) => [p.id as number, p]));
  const pcById = new Map(ds.promoter_campaigns.map((pc) => [pc.id as number, pc]));
  const campaignById = new Map(ds.campaigns.map((c) => [c.id as number, c]));
  const rewardById = new Map(ds.rewards.map((w) => [w.id as number, w]));
  const methodOf = new Map<number, PromoterPayoutMethodsRecord>();
  for (const m of ds.payout_methods) if (m.is_selected) methodOf.set(m.promoter_id as number, m);

  /** applies stat deltas to a promoter campaign, its promoter and its campaign */
  const bump = (pcId: number, delta: Stats) => {
    const pc = pcById.get(pcId);
    if (!pc) return;
    const promoter = promoterById.get(pc.promoter_id as number);
    const campaign = campaignById.get(pc.campaign_id as number);
    for (const [key, value] of Object.entries(delta)) {
      if (promoter && key in (promoter.stats as Stats)) (promoter.stats as Stats)[key]! += value;
      if (key in (pc.stats as Stats)) (pc.stats as Stats)[key]! += value;
      if (campaign && key in (campaign.stats as Stats)) (campaign.stats as Stats)[key]! += value;
    }
    changed.promoter_campaigns!.add(pcId);
    changed.promoters!.add(pc.promoter_id as number);
    changed.campaigns!.add(pc.campaign_id as number);
  };

  // New promoters join the default campaign.
  const book = NameBook.fromDataset(ds);
  let promoterId = maxId(ds.promoters);
  let profileId = ds.promoters.reduce((max, p) => Math.max(max, (p.profile as Row).id as number), 0);
  let pcId = maxId(ds.promoter_campaigns);
  let methodId = maxId(ds.payout_methods);
  let linkId = maxId(ds.referral_links);
  const nextLinkId = () => ++linkId;
  const joinTimes = Array.from({ length: count(0.002, 1) }, at).sort((a, b) => a - b);
  const campaign = ds.campaigns.find((c) => c.is_default) ?? ds.campaigns[0]!;
  for (const t of joinTimes) {
    const promoter = buildPromoter(r, book, ++promoterId, ++profileId, t, now);
    promoter.stats = {
      clicks_count: 0,
      referrals_count: 0,
      sales_count: 0,
      customers_count: 0,
      revenue_amount: 0,
      active_customers_count: 0,
    };
    promoter.balances = { cash: 0, credits: null, points: null, free_months: null, discount: null };
    const token = String(promoter.email).split("@")[0]!.replaceAll(".", "");
    const pc = buildPromoterCampaign(
      r,
      ++pcId,
      promoter,
      campaign,
      t,
      campaign.auto_approve_promoters ? "accepted" : "pending",
      token,
    );
    (promoter.promoter_campaigns as Row[]).push(promoterPcEntry(pc));
    if (r.chance(0.5)) {
      const method = buildPayoutMethod(r, ++methodId, promoter, t, true);
      promoter.selected_payout_method = methodSummary(method);
      ds.payout_methods.push(method);
      methodOf.set(promoterId, method);
      added.payout_methods!.push(methodId);
    }
    ds.promoters.push(promoter);
    ds.promoter_campaigns.push(pc);
    promoterById.set(promoterId, promoter);
    pcById.set(pcId, pc);
    added.promoters!.push(promoterId);
    added.promoter_campaigns!.push(pcId);
    for (const link of buildReferralLinks(r, nextLinkId, pc)) {
      ds.referral_links.push(link);
      added.referral_links!.push(link.id as number);
    }
    (campaign.stats as Stats).promoters_count! += pc.state === "accepted" ? 1 : 0;
    changed.campaigns!.add(campaign.id as number);
  }

  // New leads on accepted promoter campaigns.
  const accepted = ds.promoter_campaigns.filter((pc) => pc.state === "accepted");
  let referralId = maxId(ds.referrals);
  const sales: {
    time: number;
    referral: ReferralsRecord;
    pc: PromoterCampaignsRecord;
    cents: number;
    plan: string | null;
  }[] = [];
  const lastSale = new Map<number, Row>();
  for (const c of ds.commissions) {
    const ref = c.referral as Row | null;
    if (ref && c.commission_type === "sale" && (c.sale_amount as number) > 0)
      lastSale.set(ref.id as number, c);
  }
  const anySale = ds.commissions.find((c) => c.commission_type === "sale" && (c.sale_amount as number) > 0);
  const priceFor = (referral: Row) => {
    const c = lastSale.get(referral.id as number) ?? anySale;
    return c
      ? { cents: c.sale_amount as number, plan: c.plan_id as string | null }
      : { cents: 4900, plan: null };
  };
  const leadTimes = accepted.length ? Array.from({ length: count(0.02, 3) }, at).sort((a, b) => a - b) : [];
  for (const t of leadTimes) {
    const pc = r.pick(accepted);
    const converts = r.chance(0.1);
    const referral = buildReferral(r, ++referralId, t, converts ? t : null, null, pc, now);
    ds.referrals.push(referral);
    added.referrals!.push(referralId);
    bump(pc.id as number, {
      clicks_count: referralClicks(referralId),
      referrals_count: 1,
      customers_count: converts ? 1 : 0,
      active_customers_count: converts ? 1 : 0,
    });
    if (converts) sales.push({ time: t, referral, pc, ...priceFor(referral) });
  }

  // Old leads become customers, with their first sale now; some customers cancel.
  const oldLeads = ds.referrals.filter(
    (x) =>
      x.customer_since === null &&
      x.promoter_campaign !== null &&
      (x.state === "signup" || x.state === "subscribed") &&
      Date.parse(String(x.created_at)) < now - 60 * DAY,
  );
  for (const referral of sample(r, oldLeads, count(0.002, 1))) {
    referral.customer_since = r.ts(now);
    referral.state = "active";
    referral.is_expired = false;
    changed.referrals!.add(referral.id as number);
    const pc = pcById.get((referral.promoter_campaign as Row).id as number);
    if (!pc) continue;
    bump(pc.id as number, { customers_count: 1, active_customers_count: 1 });
    sales.push({ time: now, referral, pc, ...priceFor(referral) });
  }
  const active = ds.referrals.filter(
    (x) =>
      x.state === "active" &&
      x.promoter_campaign !== null &&
      x.cancelled_at === null &&
      Date.parse(String(x.customer_since)) < now - DAY,
  );
  const cancelling = sample(r, active, count(0.001, 1));
  for (const referral of cancelling) {
    referral.cancelled_at = r.ts(now);
    referral.state = "cancelled";
    changed.referrals!.add(referral.id as number);
    bump((referral.promoter_campaign as Row).id as number, { active_customers_count: -1 });
  }
  const staying = new Set(cancelling);
  for (const referral of sample(
    r,
    active.filter((x) => !staying.has(x)),
    count(0.03, 2),
  )) {
    const pc = pcById.get((referral.promoter_campaign as Row).id as number);
    if (pc) sales.push({ time: at(), referral, pc, ...priceFor(referral) });
  }

  // New sale commissions, pending until approved.
  const previousMaxCommission = maxId(ds.commissions);
  let commissionId = previousMaxCommission;
  const fresh: CommissionsRecord[] = [];
  sales.sort((a, b) => a.time - b.time);
  for (const s of sales) {
    const link = ((campaignById.get(s.pc.campaign_id as number)?.rewards_for_promoters as Row[]) ?? [])[0];
    const reward = link ? rewardById.get(link.reward_id as number) : undefined;
    if (!reward) continue;
    const row = buildCommission(r, ++commissionId, {
      kind: "sale",
      createdMs: s.time,
      saleCents: s.cents,
      planId: s.plan,
      pc: s.pc,
      referral: s.referral,
      reward,
      status: "pending",
      statusMs: null,
    });
    ds.commissions.push(row);
    fresh.push(row);
    added.commissions!.push(commissionId);
    bump(s.pc.id as number, { sales_count: 1, revenue_amount: s.cents });
  }

  // Commissions of the last 10 days get approved (status_updated_at moves, created_at does not).
  const recent = ds.commissions.filter(
    (c) =>
      (c.id as number) <= previousMaxCommission &&
      c.status === "pending" &&
      Date.parse(String(c.created_at)) >= now - 10 * DAY,
  );
  let approving = recent.filter(() => r.chance(0.6));
  if (!approving.length && recent.length) approving = [recent[0]!];
  if (!approving.length) approving = fresh.filter((c) => c.unit === "cash").slice(0, 1);
  const payable = new Map<number, { list: Row[]; amount: number }>();
  for (const c of approving) {
    c.status = "approved";
    c.status_updated_at = iso(now, r.chance(0.35));
    if ((c.id as number) <= previousMaxCommission) changed.commissions!.add(c.id as number);
    if (c.unit !== "cash" || c.is_paid) continue;
    const pcRow = c.promoter_campaign as Row;
    const promoter = promoterById.get(pcRow.promoter_id as number);
    if (promoter) {
      (promoter.balances as Row).cash =
        (((promoter.balances as Row).cash as number | null) ?? 0) + (c.amount as number);
      changed.promoters!.add(promoter.id as number);
    }
    const entry = payable.get(pcRow.id as number);
    if (entry) {
      entry.list.push(c);
      entry.amount += c.amount as number;
    } else payable.set(pcRow.id as number, { list: [c], amount: c.amount as number });
  }

  // An ad-hoc payout run now for the largest newly approved amounts ("custom" due period: period_end is not a
  // month end); the rest waits in the promoters' balances.
  let payoutId = maxId(ds.payouts);
  const runFor = [...payable.entries()]
    .filter(([, e]) => e.amount > 0)
    .sort((x, y) => y[1].amount - x[1].amount || x[0] - y[0])
    .slice(0, count(0.01, 1));
  for (const [id, { list, amount }] of runFor) {
    const pc = pcById.get(id);
    const promoter = pc && promoterById.get(pc.promoter_id as number);
    const campaignRow = pc && campaignById.get(pc.campaign_id as number);
    if (!promoter || !campaignRow) continue;
    const earliest = Math.min(...list.map((c) => Date.parse(String(c.created_at))));
    ds.payouts.push(
      buildPayout(r, ++payoutId, {
        createdMs: now,
        periodStartMs: monthStart(earliest),
        periodEndMs: Math.floor(now / 1000) * 1000,
        amount,
        status: "pending",
        batchId: null,
        processingMs: null,
        paidMs: null,
        failedMs: null,
        promoter,
        campaign: campaignRow,
        method: methodOf.get(promoter.id as number) ?? null,
      }),
    );
    added.payouts!.push(payoutId);
  }

  // Clicks that did not (yet) turn into referrals.
  for (const promoter of sample(r, ds.promoters, count(0.005, 1))) {
    (promoter.stats as Stats).clicks_count! += r.range(1, 40);
    changed.promoters!.add(promoter.id as number);
  }

  setAnchor(ds, now);
  const addedSets = Object.fromEntries(Object.entries(added).map(([k, ids]) => [k, new Set(ids)]));
  return {
    added,
    changed: Object.fromEntries(
      Object.entries(changed).map(([k, ids]) => [
        k,
        [...ids].filter((id) => !addedSets[k]?.has(id)).sort((a, b) => a - b),
      ]),
    ),
  };
}

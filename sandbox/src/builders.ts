/**
 * Row factories: one fresh object per call (no shared nested objects), fields in the API's order. Each returns
 * its stream's record type generated from schemas/, so a schema change the sandbox does not follow fails tsc.
 */

import type {
  CampaignsRecord,
  CommissionsRecord,
  PayoutsRecord,
  PromoCodesRecord,
  PromoterCampaignsRecord,
  PromoterDetailsRecord,
  PromoterPayoutMethodsRecord,
  ReferralLinksRecord,
  ReferralsRecord,
  RewardsRecord,
} from "../../src/generated/records.js";
import { COMPANY_ID, campaignRef, type Dataset, PORTAL_HOST, pcRef, promoterRef, type Row } from "./model.js";
import { DAY, FIRST_NAMES, flat, hash32, iso, LAST_NAMES, type Rng, slug } from "./random.js";

const COUNTRIES = [
  ["US", 40],
  ["GB", 10],
  ["DE", 8],
  ["CA", 7],
  ["FR", 5],
  ["IN", 6],
  ["BR", 4],
  ["AU", 4],
  ["NL", 4],
  ["ES", 3],
  ["PL", 3],
  ["JP", 2],
  ["NG", 2],
  ["SE", 2],
] as const;
const EU = new Set(["DE", "FR", "NL", "ES", "PL", "SE"]);
const STREETS = [
  "Main St",
  "Oak Avenue",
  "Market Street",
  "High Street",
  "Elm Road",
  "Park Lane",
  "Hauptstraße",
];
const NICHES = ["saas", "marketing", "design", "developer tools", "finance", "ecommerce", "education"];
const BIOS = [
  "SaaS reviewer and YouTube creator.",
  "Marketing consultant helping startups grow.",
  "I write about no-code tools and automation.",
  "Agency owner, web design and SEO.",
];
const TRAFFIC_SOURCES = [
  ["google.com", 30],
  ["youtube.com", 18],
  ["direct", 14],
  ["facebook.com", 8],
  ["twitter.com", 7],
  ["linkedin.com", 7],
  ["newsletter", 6],
  ["reddit.com", 5],
  ["instagram.com", 3],
  ["tiktok.com", 2],
] as const;
const INVOICE_STATUSES = [
  ["not_set", 55],
  ["approved", 30],
  ["pending", 10],
  ["denied", 5],
] as const;
const PAYOUT_METHODS = [
  ["paypal", 55],
  ["bank", 22],
  ["wise", 13],
  ["crypto", 7],
  ["custom", 3],
] as const;
const ENTRY_SOURCES = [
  ["cookie", 82],
  ["api", 8],
  ["manual_admin", 5],
  ["manual_affiliate", 5],
] as const;
const FRAUD_CHECKS = [
  ["no_suspicion", 95],
  ["same_ip_suspicion", 3],
  ["ad_source", 1],
  ["same_promoter_email", 1],
] as const;
const LEAD_STATES = [
  ["signup", 80],
  ["subscribed", 10],
  ["pending", 5],
  ["denied", 3],
  ["moved", 2],
] as const;
const RECENT_COMMISSION_STATUSES = [
  ["pending", 70],
  ["approved", 27],
  ["denied", 3],
] as const;
const OLD_COMMISSION_STATUSES = [
  ["approved", 93],
  ["denied", 4],
  ["pending", 3],
] as const;
const CURRENCIES = [
  ["EUR", 1.08],
  ["GBP", 1.27],
] as const;
const LANDING_PATHS = [
  "/",
  "/pricing",
  "/features",
  "/blog/getting-started",
  "/integrations",
  "/signup",
  "/demo",
];

/** Clicks are not stored anywhere in the API; each referral stands for a few clicks, derived from its id. */
export function referralClicks(referralId: number): number {
  return 4 + (hash32(referralId) % 30);
}

/** Landing page of a referral's first click (for the urls report), derived from its id. */
export function referralLandingUrl(referralId: number): string {
  return flat("https://www.example.com", LANDING_PATHS[hash32(referralId ^ 0x2f) % LANDING_PATHS.length]);
}

/** Hands out unique emails and ref tokens. */
export class NameBook {
  private readonly counts = new Map<string, number>();
  private readonly tokens = new Set<string>();

  static fromDataset(ds: Dataset): NameBook {
    const book = new NameBook();
    for (const pc of ds.promoter_campaigns) book.tokens.add(String(pc.ref_token));
    for (const p of ds.promoters) book.tokens.add(String(p.email).split("@")[0]!.replaceAll(".", ""));
    return book;
  }

  person(r: Rng): { first: string; last: string; base: string } {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const stem = flat(slug(first), slug(last));
    let n = this.counts.get(stem) ?? 0;
    let base = n ? flat(stem, n) : stem;
    // Names restored from a dataset are only known as tokens/emails, so skip taken ones.
    while (this.tokens.has(base)) base = flat(stem, ++n);
    this.counts.set(stem, n + 1);
    this.tokens.add(base);
    return { first, last, base };
  }

  token(stem: string, r: Rng): string {
    let t = flat(stem, r.range(2, 99));
    while (this.tokens.has(t)) t = flat(stem, r.range(100, 99999));
    this.tokens.add(t);
    return t;
  }
}

export function buildPromoter(
  r: Rng,
  book: NameBook,
  id: number,
  profileId: number,
  joinedMs: number,
  anchorMs: number,
): PromoterDetailsRecord {
  const { first, last, base } = book.person(r);
  const country = r.weighted(COUNTRIES);
  const email = flat(
    slug(first),
    ".",
    slug(last),
    base.slice(slug(first).length + slug(last).length),
    "@",
    r.chance(0.7) ? "example.com" : "example.org",
  );
  const hasCompany = r.chance(0.25);
  const socials = r.chance(0.3);
  const lastLogin = r.chance(0.85) ? joinedMs + (anchorMs - joinedMs) * r.next() ** 0.3 : null;
  return {
    id,
    email,
    name: r.chance(0.1) ? flat(first, " ", last[0], ".") : flat(first, " ", last),
    cust_id: r.chance(0.3) ? flat("cus_", r.alnum(14)) : null,
    note: r.chance(0.05)
      ? r.pick(["VIP partner, pays quarterly", "Met at SaaStock", "Prefers email contact"])
      : null,
    stats: null,
    is_customized: r.chance(0.05),
    fraud_suspicions: r.chance(0.95)
      ? []
      : [r.pick(["same_ip_suspicion", "ad_source", "same_promoter_email"])],
    is_confirmed: r.chance(0.92),
    invoice_details_status: r.weighted(INVOICE_STATUSES),
    profile: {
      id: profileId,
      first_name: first,
      last_name: last,
      website: r.chance(0.4) ? flat("https://", base, ".example.org") : null,
      company_name: hasCompany ? flat(last, " Media") : null,
      company_number: hasCompany && r.chance(0.5) ? String(r.range(10_000_000, 99_999_999)) : null,
      phone_number: r.chance(0.5) ? flat("+1 555 01", String(r.int(100)).padStart(2, "0")) : null,
      vat_id: EU.has(country) && r.chance(0.3) ? flat(country, r.range(100_000_000, 999_999_999)) : null,
      country,
      address: r.chance(0.5) ? flat(r.range(1, 999), " ", r.pick(STREETS)) : null,
      avatar: flat(
        "https://www.gravatar.com/avatar/",
        r.hex(32),
        "?d=https%3A%2F%2Fcdn.firstpromoter.com%2Fassets%2Fimages%2Favatar.png",
      ),
      w8_form_url:
        country !== "US" && r.chance(0.1)
          ? flat("https://cdn.example.com/uploads/wforms/", r.hex(16), "/w8_form/w8ben.pdf")
          : null,
      w9_form_url:
        country === "US" && r.chance(0.2)
          ? flat("https://cdn.example.com/uploads/wforms/", r.hex(16), "/w9_form/w9.pdf")
          : null,
      description: r.chance(0.2) ? r.pick(BIOS) : null,
      invoice_details_validation_errors: r.chance(0.7) ? null : {},
      should_validate_invoice_details: r.chance(0.1),
      instagram_url: socials && r.chance(0.5) ? flat("https://www.instagram.com/", base) : null,
      youtube_url: socials && r.chance(0.5) ? flat("https://www.youtube.com/@", base) : null,
      linkedin_url: socials && r.chance(0.4) ? flat("https://www.linkedin.com/in/", base) : null,
      facebook_url: null,
      twitter_url: socials && r.chance(0.4) ? flat("https://twitter.com/", base) : null,
      twitch_url: null,
      tiktok_url: socials && r.chance(0.2) ? flat("https://www.tiktok.com/@", base) : null,
      paypal_email: "",
    },
    joined_at: r.ts(joinedMs),
    last_login_at: lastLogin === null ? null : r.ts(lastLogin),
    archived_at: r.chance(0.03) ? r.ts(joinedMs + (anchorMs - joinedMs) * r.next()) : null,
    custom_fields: r.chance(0.4)
      ? null
      : { tshirt_size: r.pick(["S", "M", "L", "XL"]), audience_niche: r.pick(NICHES) },
    password_setup_url: flat(PORTAL_HOST, "/password/setup?token=", r.alnum(32)),
    first_event_at: iso(joinedMs + r.int(5000), true),
    promoter_campaigns: [],
    balances: null,
    track_ad_traffic: r.chance(0.8) ? null : r.chance(0.5),
    auth_provider: r.chance(0.15) ? "google" : null,
    selected_payout_method: null,
    parent_promoter: null,
  };
}

function bankDetails(r: Rng, holder: string, country: string): Row {
  if (country === "US") {
    return {
      bank_country: "US",
      account_holder_name: holder,
      account_number: String(r.range(100_000_000, 999_999_999)),
      routing_aba_number: "110000000",
      bank_name: "Example National Bank",
    };
  }
  return {
    bank_country: EU.has(country) || country === "GB" ? country : "DE",
    account_holder_name: holder,
    iban: flat(
      EU.has(country) ? country : "DE",
      r.range(10, 99),
      r.range(10_000_000, 99_999_999),
      r.range(1_000_000_000, 9_999_999_999),
    ),
    swift_bic_code: r.pick(["DEUTDEFF", "BNPAFRPP", "INGBNL2A", "BARCGB22"]),
    bank_name: "Example Bank",
  };
}

export function buildPayoutMethod(
  r: Rng,
  id: number,
  promoter: PromoterDetailsRecord,
  addedMs: number,
  selected: boolean,
): PromoterPayoutMethodsRecord {
  const method = r.weighted(PAYOUT_METHODS);
  const profile = promoter.profile as Row;
  let details: Row;
  if (method === "paypal") details = { paypal_email: promoter.email };
  else if (method === "bank") details = bankDetails(r, String(promoter.name), String(profile.country));
  else if (method === "wise") details = { wise_email: promoter.email };
  else if (method === "crypto")
    details = { wallet_address: flat("0x", r.hex(40)), crypto_currency: r.pick(["USDC", "USDT"]) };
  else details = { instructions: flat("Payoneer account ", promoter.email) };
  if (method === "paypal" && selected) profile.paypal_email = promoter.email;
  return {
    id,
    method,
    date_added: r.ts(addedMs),
    is_disabled: !selected && r.chance(0.5),
    meta: {},
    is_selected: selected,
    details,
    managed_payouts: false,
    promoter_id: promoter.id,
  };
}

/** the `{id, method, date_added, is_disabled}` summary on promoters */
export function methodSummary(m: Row): Row {
  return { id: m.id, method: m.method, date_added: m.date_added, is_disabled: m.is_disabled };
}

/** a payout method as nested in payouts (without the sandbox's `promoter_id`) */
export function methodDetail(m: Row): Row {
  return {
    id: m.id,
    method: m.method,
    date_added: m.date_added,
    is_disabled: m.is_disabled,
    meta: {},
    is_selected: m.is_selected,
    details: { ...(m.details as Row) },
    managed_payouts: m.managed_payouts,
  };
}

/** rewards_for_promoters / rewards_for_referrals entry */
export function rewardLink(reward: Row): Row {
  return {
    apply_on: "all",
    product_ids: [],
    reward_id: reward.id,
    reward: {
      name: reward.name,
      promoter_reward_type: reward.promoter_reward_type,
      hide_reward: reward.hide_reward,
      tier_level: reward.tier_level,
      coupon: reward.coupon,
    },
    products: [],
  };
}

export function buildPromoterCampaign(
  r: Rng,
  id: number,
  promoter: PromoterDetailsRecord,
  campaign: CampaignsRecord,
  createdMs: number,
  state: string,
  token: string,
): PromoterCampaignsRecord {
  const landing = String(campaign.landing_url);
  const param = String(campaign.ref_token_param).replace("?", "");
  const promoterRewards = campaign.rewards_for_promoters as Row[];
  const referralRewards = campaign.rewards_for_referrals as Row[];
  return {
    id,
    campaign_id: campaign.id,
    promoter_id: promoter.id,
    created_at: r.ts(createdMs),
    promoter: promoterRef(promoter),
    campaign: campaignRef(campaign),
    state,
    stats: { clicks_count: 0, referrals_count: 0, sales_count: 0, customers_count: 0, revenue_amount: 0 },
    coupon: null,
    display_coupon: null,
    ref_token: token,
    ref_link: flat(landing, "?", param, "=", token),
    is_customized: false,
    direct_url: r.chance(0.1) ? flat(landing, "?", param, "=", token, "&fp_direct=1") : null,
    referral_rewards_customized: false,
    promoter_rewards_customized: false,
    rewards_for_promoters: promoterRewards.map((l) => rewardLink({ ...(l.reward as Row), id: l.reward_id })),
    rewards_for_referrals: referralRewards.map((l) => rewardLink({ ...(l.reward as Row), id: l.reward_id })),
    promo_codes: [],
    has_monetary_rewards: promoterRewards.length > 0,
    recruitment_link_url: flat(PORTAL_HOST, "?sref=", r.alnum(7).toLowerCase()),
  };
}

/** the short promoter_campaigns[] entry of a promoter */
export function promoterPcEntry(pc: Row): Row {
  return {
    id: pc.id,
    campaign_id: pc.campaign_id,
    promoter_id: pc.promoter_id,
    state: pc.state,
    created_at: pc.created_at,
    campaign: { ...(pc.campaign as Row) },
    coupon: pc.coupon,
    ref_token: pc.ref_token,
    ref_link: pc.ref_link,
  };
}

export function buildReferralLinks(
  r: Rng,
  nextId: () => number,
  pc: PromoterCampaignsRecord,
): ReferralLinksRecord[] {
  const links: ReferralLinksRecord[] = [
    {
      id: nextId(),
      name: "Default link",
      url: pc.ref_link,
      is_default: true,
      source: "campaign",
      sub_id: null,
      campaign: { ...(pc.campaign as Row) },
      promoter_campaign_id: pc.id,
    },
  ];
  if (r.chance(0.35)) {
    const sub = r.pick(["youtube", "blog", "newsletter", "twitter", "podcast"]);
    links.push({
      id: nextId(),
      name: flat(sub[0]!.toUpperCase(), sub.slice(1), " link"),
      url: flat(String(pc.ref_link).replace("?", "pricing?"), "&fp_sid=", sub),
      is_default: false,
      source: "promoter",
      sub_id: sub,
      campaign: { ...(pc.campaign as Row) },
      promoter_campaign_id: pc.id,
    });
  }
  return links;
}

export function buildPromoCode(
  r: Rng,
  id: number,
  pc: PromoterCampaignsRecord,
  referralReward: RewardsRecord,
): PromoCodesRecord {
  const pct = r.pick([10, 15, 20, 25]);
  const code = flat(String(pc.ref_token).toUpperCase(), pct);
  pc.coupon = code;
  pc.display_coupon = code;
  (pc.promo_codes as string[]).push(code);
  return {
    id,
    code,
    reward: { id: referralReward.id, name: referralReward.name },
    ext_id: flat("promo_", r.alnum(14)),
    description: flat(pct, "% off for ", String((pc.promoter as Row).name), "'s audience"),
    company_id: COMPANY_ID,
    promoter_campaign_id: pc.id,
    metadata: {},
    details: { coupon_id: referralReward.provider_coupon_id, times_redeemed: r.int(40) },
    archived_at: null,
  };
}

/** Referral; `pc` null reproduces live rows whose promoter campaign is gone. */
export function buildReferral(
  r: Rng,
  id: number,
  createdMs: number,
  customerMs: number | null,
  cancelMs: number | null,
  pc: PromoterCampaignsRecord | null,
  anchorMs: number,
): ReferralsRecord {
  const first = r.pick(FIRST_NAMES);
  const last = r.pick(LAST_NAMES);
  const entry = pc?.coupon && r.chance(0.25) ? "coupon" : r.weighted(ENTRY_SOURCES);
  const fraud = r.weighted(FRAUD_CHECKS);
  let state: string;
  if (customerMs === null) {
    state = r.weighted(LEAD_STATES);
  } else if (cancelMs === null) state = "active";
  else state = r.chance(0.1) ? "refunded" : "cancelled";
  const named = r.chance(0.5);
  return {
    id,
    email: flat(
      slug(first),
      ".",
      slug(last),
      ".",
      id.toString(36),
      "@",
      r.chance(0.6) ? "example.com" : "example.org",
    ),
    uid: r.chance(0.1) ? null : r.chance(0.7) ? flat("cus_", r.alnum(14)) : flat("usr_", id),
    state,
    metadata: r.chance(0.8) ? {} : { plan: r.pick(["starter", "pro", "business"]), signup_page: "/pricing" },
    entry_source: entry,
    created_at: r.ts(createdMs),
    customer_since: customerMs === null ? null : r.ts(customerMs),
    cancelled_at: cancelMs === null ? null : r.ts(cancelMs),
    promoter_campaign: pc ? pcRef(pc) : null,
    fraud_check: fraud,
    created_by_user_email:
      entry === "manual_admin"
        ? "ops@example.com"
        : entry === "manual_affiliate" && pc
          ? pc.promoter?.email
          : null,
    username: r.chance(0.15) ? flat(slug(first), r.range(1, 999)) : null,
    split_details: null,
    first_name: named ? first : null,
    last_name: named ? last : null,
    website: r.chance(0.08) ? flat("https://", slug(last), r.range(1, 99), ".example.org") : null,
    comment: r.chance(0.03) ? r.pick(["Came from the webinar", "Enterprise lead, handle with care"]) : null,
    is_expired: customerMs === null && createdMs < anchorMs - 90 * DAY && r.chance(0.3),
    traffic_source: entry === "cookie" ? r.weighted(TRAFFIC_SOURCES) : "direct",
  };
}

export type CommissionKind = "sale" | "refund" | "tier2" | "custom";

export interface CommissionInput {
  kind: CommissionKind;
  createdMs: number;
  /** positive cents of the underlying sale (0 for custom) */
  saleCents: number;
  planId: string | null;
  pc: PromoterCampaignsRecord;
  referral: ReferralsRecord | null;
  reward: RewardsRecord;
  status: "pending" | "approved" | "denied";
  statusMs: number | null;
}

/** Commission amount and unit from the reward rule's first schema. */
export function rewardPayout(
  reward: RewardsRecord,
  saleCents: number,
  kind: CommissionKind,
): { unit: string; amount: number } {
  const schema = (reward.schemas as Row[])[0]!;
  const unit = String(schema.unit);
  const rate = Number(schema.amount);
  if (kind === "custom") return { unit: "cash", amount: 0 };
  const sign = kind === "refund" ? -1 : 1;
  if (unit !== "cash") return { unit, amount: sign * rate };
  return { unit, amount: schema.flat_amount ? sign * rate : Math.round((sign * saleCents * rate) / 100) };
}

export function buildCommission(r: Rng, id: number, c: CommissionInput): CommissionsRecord {
  const ref = c.referral;
  let { unit, amount } = rewardPayout(c.reward, c.saleCents, c.kind);
  if (c.kind === "custom") amount = r.pick([2500, 5000, 10000, 20000]);
  const sale = c.kind === "refund" ? -c.saleCents : c.saleCents;
  const foreign = c.kind !== "custom" && r.chance(0.12);
  const [currency, rate] = r.pick(CURRENCIES);
  const split = ref?.split_details as Row[] | null | undefined;
  const fraud = ref ? String(ref.fraud_check) : null;
  return {
    id,
    status: c.status,
    metadata: c.kind === "custom" || r.chance(0.8) ? {} : { source: "stripe" },
    is_self_referral: r.chance(0.15) ? null : fraud === "same_promoter_email",
    commission_type: c.kind === "custom" ? "custom" : "sale",
    created_by_user_email: c.kind === "custom" ? "ops@example.com" : null,
    created_by_user_at: c.kind === "custom" ? iso(c.createdMs, true) : null,
    sale_amount: sale,
    original_sale_amount: foreign ? Math.round(sale / rate) : sale,
    original_sale_currency: foreign ? currency : null,
    event_id: c.kind === "custom" ? null : flat(c.kind === "refund" ? "re" : "in", "_", r.alnum(24)),
    plan_id: c.planId,
    tier: c.kind === "tier2" ? 2 : 1,
    internal_note: c.kind === "custom" ? "Launch bonus approved by marketing" : null,
    external_note: c.kind === "custom" ? "Thanks for the great launch video!" : null,
    unit,
    fraud_check: fraud,
    amount,
    is_paid: false,
    is_split: Boolean(split?.length),
    created_at: r.ts(c.createdMs),
    status_updated_at: c.statusMs === null ? null : r.ts(c.statusMs),
    promoter_campaign: pcRef(c.pc),
    referral: ref ? { id: ref.id, email: ref.email, uid: ref.uid } : null,
    reward: { id: c.reward.id, name: c.reward.name },
    split_details: split?.length ? { ...split[0]! } : null,
  };
}

/** Status of a commission created at `createdMs`, as seen at `anchorMs`: recent ones are mostly pending. */
export function commissionStatus(
  r: Rng,
  createdMs: number,
  anchorMs: number,
): { status: "pending" | "approved" | "denied"; statusMs: number | null } {
  const age = anchorMs - createdMs;
  const status =
    age < 30 * DAY ? r.weighted(RECENT_COMMISSION_STATUSES) : r.weighted(OLD_COMMISSION_STATUSES);
  if (status === "pending") return { status, statusMs: null };
  return { status, statusMs: createdMs + Math.min(age, (0.5 + r.next() * 20) * DAY) * r.next() };
}

export interface PayoutInput {
  createdMs: number;
  periodStartMs: number;
  periodEndMs: number;
  amount: number;
  status: "pending" | "processing" | "completed" | "failed" | "cancelled";
  batchId: number | null;
  processingMs: number | null;
  paidMs: number | null;
  failedMs: number | null;
  promoter: PromoterDetailsRecord;
  campaign: CampaignsRecord;
  method: PromoterPayoutMethodsRecord | null;
}

export function buildPayout(r: Rng, id: number, p: PayoutInput): PayoutsRecord {
  const taxRate = (p.promoter.profile as Row).vat_id ? 0.2 : 0;
  return {
    id,
    status: p.status,
    amount: p.amount,
    payments_batch_id: p.batchId,
    tax_rate: taxRate,
    unit: "cash",
    period_start: iso(p.periodStartMs, false),
    period_end: iso(p.periodEndMs, false),
    paid_at: p.paidMs === null ? null : r.ts(p.paidMs),
    processing_started_at: p.processingMs === null ? null : r.ts(p.processingMs),
    failed_at: p.failedMs === null ? null : r.ts(p.failedMs),
    error:
      p.status === "failed"
        ? r.pick(["PayPal: receiver account is restricted", "Bank rejected the transfer: invalid IBAN"])
        : null,
    total_incl_tax: Math.round(p.amount * (1 + taxRate)),
    created_at: r.ts(p.createdMs),
    payout_method: p.method ? methodDetail(p.method) : null,
    promoter: promoterRef(p.promoter),
    campaign: campaignRef(p.campaign),
  };
}

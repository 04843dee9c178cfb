/** Types and account-wide settings shared by the dataset generator, the reports and the payout snapshots. */

import type {
  AssetCategoriesRecord,
  AssetsRecord,
  BatchProcessesRecord,
  CampaignsRecord,
  CommissionsRecord,
  CustomReferralStatusesRecord,
  PayoutsRecord,
  ProductsRecord,
  PromoCodesRecord,
  PromoterCampaignsRecord,
  PromoterDetailsRecord,
  PromoterPayoutMethodsRecord,
  ReferralLinksRecord,
  ReferralsRecord,
  RewardsRecord,
  WebhookDeliveriesRecord,
  WebhooksRecord,
} from "../../src/generated/records.js";

export type Row = Record<string, unknown>;

export interface Dataset {
  /** full promoter objects as GET /promoters/{id} returns them, including the live `password_setup_url` */
  promoters: PromoterDetailsRecord[];
  referrals: ReferralsRecord[];
  commissions: CommissionsRecord[];
  payouts: PayoutsRecord[];
  promo_codes: PromoCodesRecord[];
  promoter_campaigns: PromoterCampaignsRecord[];
  campaigns: CampaignsRecord[];
  rewards: RewardsRecord[];
  products: ProductsRecord[];
  assets: AssetsRecord[];
  asset_categories: AssetCategoriesRecord[];
  custom_referral_statuses: CustomReferralStatusesRecord[];
  batch_processes: BatchProcessesRecord[];
  webhooks: WebhooksRecord[];
  /** each carries `webhook_id` */
  webhook_deliveries: WebhookDeliveriesRecord[];
  /** each carries `promoter_id` */
  payout_methods: PromoterPayoutMethodsRecord[];
  /** each carries `promoter_campaign_id` */
  referral_links: ReferralLinksRecord[];
}

export const COMPANY_ID = 4217;
export const COMPANY_HOST = "https://www.example.com";
export const PORTAL_HOST = "https://acme.firstpromoter.com";
export const NET_PAYOUT_DAYS = 15;
/** cents: balances below this carry over to the next payout run */
export const MIN_PAYMENT = 1000;

/**
 * The account's "now" per dataset. Kept beside the dataset (not in it) so the Dataset shape stays exactly the
 * list of resources; simulateActivity needs it to place new activity strictly after the previous one.
 */
const anchors = new WeakMap<Dataset, number>();

export function setAnchor(ds: Dataset, ms: number): void {
  anchors.set(ds, ms);
}

/** The dataset's "now": the registered anchor, else (a copied dataset) the newest creation time in it. */
export function anchorOf(ds: Dataset): number {
  const known = anchors.get(ds);
  if (known !== undefined) return known;
  let max = 0;
  for (const rows of Object.values(ds) as Row[][]) {
    const last = rows[rows.length - 1];
    const t = last ? Date.parse(String(last.created_at ?? last.joined_at ?? "")) : Number.NaN;
    if (t > max) max = t;
  }
  return max;
}

export function promoterRef(p: Row): Row {
  return { id: p.id, email: p.email, name: p.name };
}

export function campaignRef(c: Row): Row {
  return { id: c.id, name: c.name, color: c.color };
}

/** the `promoter_campaign` object embedded in referrals and commissions */
export function pcRef(pc: Row): Row {
  const promoter = pc.promoter as Row;
  const campaign = pc.campaign as Row;
  return {
    id: pc.id,
    campaign_id: pc.campaign_id,
    promoter_id: pc.promoter_id,
    created_at: pc.created_at,
    promoter: { id: promoter.id, email: promoter.email, name: promoter.name },
    campaign: { id: campaign.id, name: campaign.name, color: campaign.color },
  };
}

/** Bodies of the payout snapshot endpoints, computed from the dataset's payouts at its anchor. */

import { methodDetail } from "./builders.js";
import { anchorOf, type Dataset, MIN_PAYMENT, NET_PAYOUT_DAYS, type Row } from "./model.js";
import { DAY, dateOnly, monthStart } from "./random.js";

const STATUSES = ["pending", "processing", "completed", "failed", "cancelled"] as const;

function settings(): Row {
  return {
    net_payout_days: NET_PAYOUT_DAYS,
    payout_cycle: "monthly",
    min_payment: MIN_PAYMENT,
    min_paying_customers: 0,
    terms_description: `Commissions are paid monthly, ${NET_PAYOUT_DAYS} days after the end of each period, once your balance reaches $${MIN_PAYMENT / 100}.`,
    selected_payout_methods: ["paypal", "bank", "wise", "crypto", "custom"],
    payout_method_options: {
      paypal: { enabled: true },
      bank: { enabled: true, countries: "all" },
      wise: { enabled: true },
      crypto: { enabled: true, currencies: ["USDC", "USDT"] },
      custom: { enabled: true, label: "Payoneer" },
    },
    managed_payouts: false,
  };
}

/** end of the last completed monthly period and its due date, as of the anchor */
function cycle(ds: Dataset): { periodEnd: string; dueDate: string } {
  const end = monthStart(anchorOf(ds)) - 1000;
  return { periodEnd: dateOnly(end), dueDate: dateOnly(end + NET_PAYOUT_DAYS * DAY) };
}

/** ad-hoc payouts (not the monthly run) end at the moment they were generated, not at 23:59:59 */
function isCustom(p: Row): boolean {
  return !String(p.period_end).endsWith("T23:59:59Z");
}

interface Totals {
  promoters: Set<unknown>;
  amounts: Record<string, number>;
  total: number;
  count: number;
}

function totals(): Totals {
  return { promoters: new Set(), amounts: {}, total: 0, count: 0 };
}

function addTo(t: Totals, p: Row): void {
  t.promoters.add((p.promoter as Row).id);
  const unit = String(p.unit);
  t.amounts[unit] = (t.amounts[unit] ?? 0) + (p.amount as number);
  t.total += p.total_incl_tax as number;
  t.count++;
}

function summary(t: Totals): Row {
  return { promoters_count: t.promoters.size, amounts: { ...t.amounts }, total_incl_tax: t.total };
}

export function payoutsGroupedByPromoter(ds: Dataset): Row[] {
  const promoters = new Map<unknown, Row>(ds.promoters.map((p) => [p.id, p]));
  const methods = new Map<unknown, Row>();
  for (const m of ds.payout_methods) if (m.is_selected) methods.set(m.promoter_id, m);
  const groups = new Map<unknown, Row[]>();
  for (const p of ds.payouts) {
    if (p.status !== "pending") continue;
    const id = (p.promoter as Row).id;
    const list = groups.get(id);
    if (list) list.push(p);
    else groups.set(id, [p]);
  }
  return [...groups.entries()]
    .sort((a, b) => (a[0] as number) - (b[0] as number))
    .map(([id, payouts]) => {
      const promoter = promoters.get(id) ?? (payouts[0]!.promoter as Row);
      const method = methods.get(id);
      let amount = 0;
      let total = 0;
      for (const p of payouts) {
        amount += p.amount as number;
        total += p.total_incl_tax as number;
      }
      return {
        promoter: {
          id,
          email: promoter.email,
          name: promoter.name,
          invoice_details_status: promoter.invoice_details_status ?? null,
          fraud_suspicions: [...((promoter.fraud_suspicions as string[] | undefined) ?? [])],
          profile: {
            invoice_details_validation_errors:
              ((promoter.profile as Row | undefined)?.invoice_details_validation_errors as Row | null) ??
              null,
          },
        },
        payout_method: method ? methodDetail(method) : null,
        payouts: payouts.map((p) => structuredClone(p)),
        is_amount_payable: amount >= MIN_PAYMENT && Boolean(method) && !method?.is_disabled,
        payout_ids: payouts.map((p) => p.id),
        amount,
        total_incl_tax: total,
      };
    });
}

export function payoutsGroupedMeta(ds: Dataset): Row {
  const t = totals();
  for (const p of ds.payouts) if (p.status === "pending") addTo(t, p);
  const { periodEnd, dueDate } = cycle(ds);
  let amount = 0;
  for (const v of Object.values(t.amounts)) amount += v;
  return {
    total: amount,
    promoters_count: t.promoters.size,
    total_incl_tax: t.total,
    due_date: dueDate,
    period_end: periodEnd,
  };
}

export function payoutsDueStats(ds: Dataset): Row {
  const today = dateOnly(anchorOf(ds));
  const next = totals();
  const overdue = totals();
  const custom = totals();
  let overdueDue: string | null = null;
  let overdueEnd: string | null = null;
  for (const p of ds.payouts) {
    if (p.status !== "pending") continue;
    if (isCustom(p)) {
      addTo(custom, p);
      continue;
    }
    const end = Date.parse(String(p.period_end));
    const due = dateOnly(end + NET_PAYOUT_DAYS * DAY);
    if (due >= today) addTo(next, p);
    else {
      addTo(overdue, p);
      if (overdueDue === null || due > overdueDue) {
        overdueDue = due;
        overdueEnd = dateOnly(end);
      }
    }
  }
  const { periodEnd, dueDate } = cycle(ds);
  return {
    meta: settings(),
    data: {
      next: { ...summary(next), due_date: dueDate, period_end: periodEnd },
      overdue: { ...summary(overdue), due_date: overdueDue, period_end: overdueEnd },
      custom: summary(custom),
    },
  };
}

export function payoutsStats(ds: Dataset): Row {
  const byPeriod = new Map<string, Totals>();
  const byStatus = new Map<string, Totals>(STATUSES.map((s) => [s, totals()]));
  const byMethod = new Map<string, Totals>();
  for (const p of ds.payouts) {
    const status = String(p.status);
    if (!byStatus.has(status)) byStatus.set(status, totals());
    addTo(byStatus.get(status)!, p);
    const method = String((p.payout_method as Row | null)?.method ?? "not_set");
    if (!byMethod.has(method)) byMethod.set(method, totals());
    addTo(byMethod.get(method)!, p);
    if (status !== "completed") continue;
    const key = `${p.period_start}|${p.period_end}`;
    if (!byPeriod.has(key)) byPeriod.set(key, totals());
    addTo(byPeriod.get(key)!, p);
  }
  const withCount = (t: Totals) => ({ payouts_count: t.count, ...summary(t) });
  return {
    meta: settings(),
    data: {
      by_paid_period: [...byPeriod.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([key, t]) => {
          const [start, end] = key.split("|");
          return { period_start: start, period_end: end, ...summary(t) };
        }),
      by_status: Object.fromEntries([...byStatus.entries()].map(([k, t]) => [k, withCount(t)])),
      by_payout_method: Object.fromEntries(
        [...byMethod.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, t]) => [k, withCount(t)]),
      ),
    },
  };
}

import type { Dataset, Row } from "./model.js";

/**
 * Drift as the live API shows it, on some rows: fields today's schema does not declare, and values of another
 * type than the spec's. The first row of each list stays clean, so a tap sees a clean row before a drifted one.
 * - campaigns: every second row gains `loyalty_tier` (a string) and `sort_order` (an integer)
 * - commissions: every third row sends `sale_amount` as a decimal string in major units (`"454.93"` for
 *   45493), as some live commissions do, and the row after it gains `is_fraud_review` (a boolean)
 * - promoters: every third row carries `legacy_ref` (a string)
 */
export function applyDrift(dataset: Dataset): void {
  everyNth(dataset.campaigns, 2, (row, i) => {
    row.loyalty_tier = i % 4 === 1 ? "gold" : "silver";
    row.sort_order = i;
  });
  everyNth(dataset.commissions, 3, (row, i) => {
    if (typeof row.sale_amount === "number") row.sale_amount = (row.sale_amount / 100).toFixed(2);
    const next = dataset.commissions[i + 1];
    if (next) next.is_fraud_review = false;
  });
  everyNth(dataset.promoters, 3, (row) => {
    row.legacy_ref = `ref-${String(row.id)}`;
  });
}

function everyNth(rows: Row[], n: number, change: (row: Row, index: number) => void): void {
  for (let i = 1; i < rows.length; i += n) change(rows[i]!, i);
}

/** Removes rows by id from one resource, as deleting them in FirstPromoter does; returns how many went. */
export function deleteRows(dataset: Dataset, resource: keyof Dataset, ids: ReadonlySet<string>): number {
  const rows = dataset[resource] as Row[];
  const kept = rows.filter((row) => !ids.has(String(row.id)));
  const removed = rows.length - kept.length;
  rows.splice(0, rows.length, ...kept);
  return removed;
}

/**
 * Fault injection for the sandbox: each rule answers matching requests with a failure instead of data.
 * A rule matches requests whose path contains `path` (any path if absent), skips the first `after` of them,
 * then fires `count` times (default 1). With `every`, it fires on every `every`-th matching request only
 * (the `every`-th, the `2 * every`-th, ...; `count` then defaults to unlimited): sporadic faults, such as
 * the 429s another client spending the same account causes. `retryAfter` replaces the Retry-After header
 * of the 429 kinds (seconds or an HTTP date, served as given: "86400", "0", "-5", "soon").
 */
export const FAULT_KINDS = [
  "429",
  "429-seconds",
  "429-date",
  "500",
  "502",
  "503",
  "504",
  "html",
  "reset",
  "truncate",
  "slow",
  "401",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  kind: FaultKind;
  path?: string;
  after?: number;
  count?: number;
  every?: number;
  retryAfter?: string;
}

export class FaultPlan {
  private readonly rules: Array<FaultRule & { seen: number; fired: number }>;

  constructor(rules: FaultRule[] = []) {
    this.rules = rules.map((r) => ({ ...r, seen: 0, fired: 0 }));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  /** The fault to serve for this request, if a rule fires. */
  take(path: string): FaultKind | undefined {
    return this.takeRule(path)?.kind;
  }

  /** The rule that fires for this request, if one does. */
  takeRule(path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.path && !path.includes(rule.path)) continue;
      rule.seen++;
      const after = rule.after ?? 0;
      if (rule.seen <= after) continue;
      if (rule.every && (rule.seen - after) % rule.every !== 0) continue;
      if (rule.fired >= (rule.count ?? (rule.every ? Number.POSITIVE_INFINITY : 1))) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  }

  clear(): void {
    this.rules.length = 0;
  }

  get fired(): number {
    return this.rules.reduce((n, r) => n + r.fired, 0);
  }
}

/**
 * `kind[:count[:path[:options]]]`, e.g. `503:2:company/commissions`, `reset`, or with comma-separated
 * options `every=N`, `after=N`, `retry_after=S`: `429-seconds:*::every=10` (a 429 every 10th request),
 * `429-seconds:*:company/referrals:retry_after=86400` (Retry-After on one path only).
 */
export function parseFaultSpec(spec: string): FaultRule {
  const [kind, count, path, options] = spec.split(":");
  if (!FAULT_KINDS.includes(kind as FaultKind)) {
    throw new Error(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(", ")})`);
  }
  const rule: FaultRule = { kind: kind as FaultKind };
  if (count) rule.count = count === "*" ? Number.POSITIVE_INFINITY : Number(count);
  if (path) rule.path = path;
  for (const option of options ? options.split(",") : []) {
    const [key, value = ""] = option.split("=");
    const n = Number(value);
    if (key === "retry_after" && value) rule.retryAfter = value;
    else if ((key === "every" || key === "after") && Number.isInteger(n) && n >= (key === "every" ? 1 : 0))
      rule[key] = n;
    else throw new Error(`bad fault option "${option}" (known: every=N, after=N, retry_after=S)`);
  }
  return rule;
}

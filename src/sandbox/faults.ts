/**
 * Fault injection for the sandbox: each rule answers matching requests with a failure instead of data.
 * A rule matches requests whose path contains `path` (any path if absent), skips the first `after` of them,
 * then fires `count` times (default 1).
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
    for (const rule of this.rules) {
      if (rule.path && !path.includes(rule.path)) continue;
      rule.seen++;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.fired >= (rule.count ?? 1)) continue;
      rule.fired++;
      return rule.kind;
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

/** `kind[:count[:path]]`, e.g. `503:2:company/commissions` or `reset`. */
export function parseFaultSpec(spec: string): FaultRule {
  const [kind, count, path] = spec.split(":");
  if (!FAULT_KINDS.includes(kind as FaultKind)) {
    throw new Error(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(", ")})`);
  }
  const rule: FaultRule = { kind: kind as FaultKind };
  if (count) rule.count = count === "*" ? Number.POSITIVE_INFINITY : Number(count);
  if (path) rule.path = path;
  return rule;
}

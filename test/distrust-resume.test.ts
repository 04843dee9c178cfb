import { describe, expect, it } from "vitest";
import type { Row } from "../src/engine/paginator.js";
import { pagedList, runStream } from "./helpers/engine.js";

const day = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString();

function referrals(n: number): Row[] {
  // newest first, like an unsorted API
  return Array.from({ length: n }, (_, i) => ({ id: n - i, created_at: day(n - i) })).map((r) => ({
    ...r,
    customer_since: null,
    cancelled_at: null,
  }));
}

describe("resume never skips rows (issue 14)", () => {
  it("referrals: rows deleted between kill and resume do not make later rows vanish for good", async () => {
    let data = referrals(200);
    const handler = pagedList(() => data);
    const config = { page_size: 10, start_date: "2025-01-01" };
    const first = await runStream({ stream: "referrals", handler, config, killAfterPages: 18 });
    expect(first.killed).toBe(true);
    const deleted = new Set([200, 199, 198, 197, 196]);
    data = data.filter((r) => !deleted.has(r.id as number));
    const second = await runStream({ stream: "referrals", handler, config, state: first.last });
    // the resumed run may miss rows shifted onto pages already read, but its bookmark must not pass them
    const seen = new Set([...first.rows, ...second.rows].map((r) => r.id));
    const third = await runStream({ stream: "referrals", handler, config, state: second.last });
    for (const r of third.rows) seen.add(r.id);
    for (const r of data) expect(seen.has(r.id), `referral ${r.id} lost`).toBe(true);
  });

  it("referrals: a resume with a different page_size restarts the pass", async () => {
    const data = referrals(90);
    const handler = pagedList(() => data);
    const first = await runStream({
      stream: "referrals",
      handler,
      config: { page_size: 10, start_date: "2025-01-01" },
      killAfterPages: 5,
    });
    const second = await runStream({
      stream: "referrals",
      handler,
      config: { page_size: 30, start_date: "2025-01-01" },
      state: first.last,
    });
    const seen = new Set([...first.rows, ...second.rows].map((r) => r.id));
    expect(seen.size).toBe(90);
  });

  it("commissions: a server that ignores the sort (newest first) loses nothing on kill/resume", async () => {
    const data: Row[] = Array.from({ length: 200 }, (_, i) => ({ id: 200 - i, created_at: day(200 - i) }));
    const handler = pagedList(() => data);
    const config = { page_size: 10, start_date: "2025-01-01" };
    const first = await runStream({ stream: "commissions", handler, config, killAfterPages: 6 });
    expect(first.killed).toBe(true);
    expect(first.lines.filter((l) => l.startsWith("warn") && /not sorted/.test(l))).toHaveLength(1);
    const second = await runStream({ stream: "commissions", handler, config, state: first.last });
    const seen = new Set([...first.rows, ...second.rows].map((r) => r.id));
    expect(seen.size).toBe(200);
  });

  it("commissions: a correctly sorted server still advances the bookmark per page", async () => {
    const data: Row[] = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, created_at: day(i + 1) }));
    const run = await runStream({
      stream: "commissions",
      handler: pagedList(() => data),
      config: { page_size: 10, start_date: "2025-01-01" },
      killAfterPages: 2,
    });
    expect(run.last.replication_key_value).toBe(day(20));
    expect(run.lines.some((l) => /not sorted/.test(l))).toBe(false);
  });
});

describe("full-table resume (issue 14)", () => {
  it("promoters: a resume with a different page_size starts over", async () => {
    const data: Row[] = Array.from({ length: 90 }, (_, i) => ({ id: i + 1, joined_at: day(i) }));
    const handler = (_p: string, q: URLSearchParams) => ({ data: pagedList(() => data)(_p, q) });
    const first = await runStream({
      stream: "promoters",
      method: "FULL_TABLE",
      handler,
      config: { page_size: 10 },
      killAfterPages: 5,
    });
    const second = await runStream({
      stream: "promoters",
      method: "FULL_TABLE",
      handler,
      config: { page_size: 30 },
      state: first.last,
    });
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(90);
  });
});

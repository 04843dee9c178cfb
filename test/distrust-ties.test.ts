import { afterEach, describe, expect, it } from "vitest";
import { catalogOf, logLines, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";
import { type HostileServer, hostileServer, json } from "./helpers/hostile-server.js";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Payout {
  id: number;
  period_start: string;
  amount: number;
}

// 300 payouts over 30 period starts, 10 rows each: ties straddle most page boundaries of 25
const PAYOUTS: Payout[] = Array.from({ length: 300 }, (_, i) => ({
  id: i + 1,
  period_start: `2024-01-${String(Math.floor(i / 10) + 1).padStart(2, "0")}T00:00:00Z`,
  amount: 100 + i,
}));

/**
 * GET company/payouts sorted by period_start as asked, with the day filters; within a tie, `tieOrder` decides
 * (per page: a server whose tie order depends on the offset, as a database without a unique sort key may).
 */
async function payoutsApi(tieOrder: (page: number) => "asc" | "desc", payouts: Payout[] = PAYOUTS) {
  server = await hostileServer((req, res) => {
    if (req.path !== "company/payouts") return json(res, 404, { message: "no" });
    const page = Number(req.query.get("page") ?? 1);
    const perPage = Number(req.query.get("per_page") ?? 20);
    const from = req.query.get("filters[period_start][from]");
    const to = req.query.get("filters[period_start][to]");
    const dir = tieOrder(page) === "asc" ? 1 : -1;
    // day filters, inclusive at both ends, as the API's
    const day = (p: Payout) => p.period_start.slice(0, 10);
    const rows = payouts
      .filter((p) => (!from || day(p) >= from) && (!to || day(p) <= to))
      .sort((a, b) => a.period_start.localeCompare(b.period_start) || dir * (a.id - b.id));
    json(res, 200, rows.slice((page - 1) * perPage, page * perPage));
  });
  return server;
}

async function sync(base: string) {
  const dir = tempDir();
  const config = writeJson(dir, "config.json", {
    api_key: "k-123456",
    account_id: "acc",
    base_url: base,
    page_size: 25,
    schema_evolution: "warn",
  });
  const catalog = writeJson(dir, "catalog.json", catalogOf(["payouts"]));
  return runCli(["--config", config, "--catalog", catalog], { timeoutMs: 30_000 });
}

describe("full-table reads sorted on a shared value (issue 14, case 3)", () => {
  it("a server that orders ties differently per page loses no payout, and none comes twice", async () => {
    const { base } = await payoutsApi((page) => (page % 2 ? "asc" : "desc"));
    const run = await sync(base);
    expect(run.code).toBe(0);
    const ids = (singerRecords(run.messages).get("payouts") ?? []).map((r) => r.id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(PAYOUTS.map((p) => p.id));
    expect(
      logLines(run.stderr).some((l) => /^WARNING payouts: re-reading the rows with period_start/.test(l)),
    ).toBe(true);
  }, 40_000);

  it("a stable server: the same rows in the server's order, no warning, one request per straddling group", async () => {
    const { base } = await payoutsApi(() => "asc");
    const run = await sync(base);
    expect(run.code).toBe(0);
    const ids = (singerRecords(run.messages).get("payouts") ?? []).map((r) => r.id as number);
    expect(ids).toEqual(PAYOUTS.map((p) => p.id));
    expect(run.stderr).not.toMatch(/WARNING payouts/);
    const lists = server!.requests.filter((r) => !r.query.has("filters[period_start][from]"));
    const rereads = server!.requests.filter((r) => r.query.has("filters[period_start][from]"));
    // 12 full pages and the short 13th; a group straddles every boundary not at a multiple of 50
    expect(lists).toHaveLength(13);
    expect(rereads.map((r) => r.query.get("filters[period_start][from]"))).toEqual(
      [25, 75, 125, 175, 225, 275].map((offset) => PAYOUTS[offset]!.period_start.slice(0, 10)),
    );
  }, 40_000);

  it("a group of a page or more is not re-read: the request could not see it whole either", async () => {
    // 300 payouts in two months of 150: the way a real account's payouts share period_start
    const monthly = PAYOUTS.map((p, i) => ({ ...p, period_start: `2024-0${i < 150 ? 1 : 2}-01T00:00:00Z` }));
    const { base } = await payoutsApi(() => "asc", monthly);
    const run = await sync(base);
    expect(run.code).toBe(0);
    expect(singerRecords(run.messages).get("payouts")).toHaveLength(300);
    expect(server!.requests.filter((r) => r.query.has("filters[period_start][from]"))).toEqual([]);
    expect(server!.requests).toHaveLength(13);
  }, 40_000);
});

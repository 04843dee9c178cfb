import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { catalogOf, lastSingerState, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

type Row = Record<string, unknown>;

const LOOKBACK = 7;
const day = (value: unknown) => (typeof value === "string" ? value.slice(0, 10) : undefined);
const ids = (rows: Row[] | undefined) => new Set((rows ?? []).map((r) => r.id as number));

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("incremental syncs", () => {
  it("a second sync with the last STATE emits every new and changed row and nothing outside the lookback", async () => {
    const anchor = new Date(Date.now() - 3_600_000);
    sandbox = await startSandbox({ size: 30, seed: 3, anchor });
    const dir = tempDir();
    const config = writeJson(
      dir,
      "config.json",
      sandbox.tapConfig({ requests_per_minute: 100_000, lookback_days: LOOKBACK }),
    );
    const catalog = writeJson(
      dir,
      "catalog.json",
      catalogOf(["commissions", "referrals", "reports_overview"]),
    );

    const first = await runCli(["--config", config, "--catalog", catalog]);
    expect(first.code).toBe(0);
    const firstRecords = singerRecords(first.messages);
    expect(firstRecords.get("commissions")!.length).toBe(sandbox.dataset.commissions.length);
    const state = lastSingerState(first.messages) as { bookmarks: Record<string, Row> };
    const bookmark = state.bookmarks.commissions!.replication_key_value as string;
    expect(Date.parse(bookmark)).toBeLessThanOrEqual(Date.now());

    const activity = sandbox.simulateActivity(new Date());
    const statePath = writeJson(dir, "state.json", state);
    const second = await runCli(["--config", config, "--catalog", catalog, "--state", statePath]);
    expect(second.code).toBe(0);
    const records = singerRecords(second.messages);

    for (const stream of ["commissions", "referrals"] as const) {
      const got = ids(records.get(stream));
      const b = state.bookmarks[stream]!.replication_key_value as string;
      const from = new Date(Date.parse(b) - LOOKBACK * 86_400_000).toISOString().slice(0, 10);
      const fields =
        stream === "referrals" ? ["created_at", "customer_since", "cancelled_at"] : ["created_at"];
      const inWindow = (row: Row) => fields.some((f) => (day(row[f]) ?? "") >= from);
      const rowsById = new Map(sandbox.dataset[stream].map((r) => [r.id as number, r]));
      // every new row, and every change the API can reveal: rows whose dates fall inside the window
      const changed = (activity.changed[stream] ?? []).filter((id) => inWindow(rowsById.get(id)!));
      const expected = [...(activity.added[stream] ?? []), ...changed];
      expect(activity.added[stream]?.length, `${stream}: the sandbox added nothing`).toBeGreaterThan(0);
      expect(changed.length, `${stream}: the sandbox changed nothing inside the window`).toBeGreaterThan(0);
      for (const id of expected)
        expect(got.has(id), `${stream} ${id} missing from the second sync`).toBe(true);
      for (const row of records.get(stream)!) {
        expect(inWindow(row), `${stream} ${row.id} is outside the lookback window`).toBe(true);
      }
      expect(got.size).toBeLessThan(ids(firstRecords.get(stream)).size);
    }
    // reports re-read only the windows around the bookmark
    const reportWindows = new Set(records.get("reports_overview")!.map((r) => r.window_start));
    expect(reportWindows.size).toBeLessThanOrEqual(2);
  }, 60_000);

  it("a sync killed mid-stream resumes from the last STATE it printed and loses nothing", async () => {
    sandbox = await startSandbox({ size: 30, seed: 5, latencyMs: 15 });
    const dir = tempDir();
    const config = writeJson(
      dir,
      "config.json",
      sandbox.tapConfig({ requests_per_minute: 100_000, page_size: 5 }),
    );
    const streams = ["promoters", "commissions", "referrals", "payouts"];
    const catalog = writeJson(dir, "catalog.json", catalogOf(streams));

    let lastState: string | undefined;
    let recordLines = 0;
    const first = await runCli(["--config", config, "--catalog", catalog], {
      onLine: (line, child) => {
        const message = JSON.parse(line) as Row;
        if (message.type === "STATE") lastState = JSON.stringify(message.value);
        if (message.type === "RECORD" && ++recordLines === 120) child.kill("SIGKILL");
      },
    });
    expect(first.signal).toBe("SIGKILL");
    expect(lastState).toBeDefined();
    const statePath = writeJson(dir, "state.json", lastState!);
    const second = await runCli(["--config", config, "--catalog", catalog, "--state", statePath]);
    expect(second.code).toBe(0);

    const a = singerRecords(first.messages.length ? first.messages : parsePartial(first.stdout));
    const b = singerRecords(second.messages);
    for (const [stream, resource] of [
      ["promoters", "promoters"],
      ["commissions", "commissions"],
      ["referrals", "referrals"],
      ["payouts", "payouts"],
    ] as const) {
      const union = new Set([...ids(a.get(stream)), ...ids(b.get(stream))]);
      const expected = sandbox.dataset[resource].map((r) => r.id as number);
      expect([...union].sort(), stream).toEqual([...expected].sort());
    }
  }, 60_000);

  it("rows inserted while a sync pages through an unsorted list shift pages without losing any", async () => {
    let inserted = false;
    let s: Sandbox | undefined;
    s = await startSandbox({
      size: 30,
      seed: 9,
      anchor: new Date(Date.now() - 3_600_000),
      onRequest: (path, params) => {
        if (!inserted && path.endsWith("/company/referrals") && params.get("page") === "3") {
          inserted = true;
          s!.simulateActivity(new Date());
        }
      },
    });
    sandbox = s;
    const before = s.dataset.referrals.map((r) => r.id as number);
    const dir = tempDir();
    const config = writeJson(
      dir,
      "config.json",
      s.tapConfig({ requests_per_minute: 100_000, page_size: 10 }),
    );
    const catalog = writeJson(dir, "catalog.json", catalogOf(["referrals"]));
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code).toBe(0);
    expect(inserted).toBe(true);
    const got = singerRecords(run.messages).get("referrals")!;
    const gotIds = ids(got);
    for (const id of before) expect(gotIds.has(id), `referral ${id} skipped`).toBe(true);
    expect(gotIds.size).toBe(got.length);
    expect(run.stderr).toMatch(/repeated \d+ rows of the previous page/);
  }, 60_000);
});

/** stdout of a killed process may end mid-line: keep the complete lines. */
function parsePartial(stdout: string): Row[] {
  return stdout
    .split("\n")
    .slice(0, -1)
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Row);
}

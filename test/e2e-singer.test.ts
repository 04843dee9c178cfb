import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { createAjv } from "../src/ajv.js";
import { STREAMS } from "../src/streams/index.js";
import { lastSingerState, logLines, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

/** Streams whose rows are exactly one dataset resource (id for id). */
const RESOURCE_OF: Record<string, string> = {
  promoters: "promoters",
  referrals: "referrals",
  commissions: "commissions",
  payouts: "payouts",
  promo_codes: "promo_codes",
  promoter_campaigns: "promoter_campaigns",
  campaigns: "campaigns",
  rewards: "rewards",
  products: "products",
  assets: "assets",
  asset_categories: "asset_categories",
  custom_referral_statuses: "custom_referral_statuses",
  batch_processes: "batch_processes",
  webhooks: "webhooks",
  promoter_details: "promoters",
  promoter_payout_methods: "payout_methods",
  referral_links: "referral_links",
  webhook_deliveries: "webhook_deliveries",
};

const ANCHOR = new Date("2026-10-15T12:00:00Z");

describe("Singer mode, end to end against the sandbox", () => {
  let sandbox: Sandbox;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 12, seed: 7, anchor: ANCHOR });
    dir = tempDir();
    config = writeJson(
      dir,
      "config.json",
      sandbox.tapConfig({ start_date: "2024-01-01", page_size: 7, requests_per_minute: 100_000 }),
    );
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it("discovers every stream with schemas and metadata", async () => {
    const run = await runCli(["--config", config, "--discover"]);
    expect(run.code).toBe(0);
    const catalog = JSON.parse(run.stdout) as { streams: Array<Record<string, unknown>> };
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(STREAMS.map((s) => s.name));
    const commissions = catalog.streams.find((s) => s.stream === "commissions")!;
    expect((commissions.metadata as Array<{ metadata: Record<string, unknown> }>)[0]!.metadata).toMatchObject(
      {
        "table-key-properties": ["id"],
        "valid-replication-keys": ["created_at"],
        "replication-method": "INCREMENTAL",
      },
    );
  });

  it("syncs every record of every stream exactly once, valid, SCHEMA first, ending with STATE", async () => {
    const catalog = join(process.cwd(), "catalog.sample.json");
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.stderr).not.toMatch(/WARNING|ERROR|CRITICAL/);
    expect(run.code).toBe(0);
    const { messages } = run;
    expect(messages.at(-1)!.type).toBe("STATE");
    expect(new Set(messages.map((m) => m.type))).toEqual(
      new Set(["SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION"]),
    );

    const schemaAt = new Map<string, number>();
    messages.forEach((m, i) => {
      if (m.type === "SCHEMA") {
        schemaAt.set(m.stream as string, i);
        expect(m.key_properties).toBeInstanceOf(Array);
      }
      if (m.type === "RECORD") {
        expect(schemaAt.get(m.stream as string)).toBeLessThan(i);
        expect(m.time_extracted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
    });

    const records = singerRecords(messages);
    const ajv = createAjv();
    for (const stream of STREAMS) {
      const rows = records.get(stream.name) ?? [];
      const validate = ajv.compile(JSON.parse(readFileSync(`schemas/${stream.name}.json`, "utf8")));
      for (const row of rows)
        expect(validate(row), `${stream.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const keys = rows.map((r) => JSON.stringify(stream.primaryKey.map((k) => r[k])));
      expect(new Set(keys).size, `${stream.name} has duplicate keys`).toBe(keys.length);
      const resource = RESOURCE_OF[stream.name];
      if (resource) {
        const expected = (
          sandbox.dataset[resource as keyof typeof sandbox.dataset] as Array<{ id: number }>
        ).map((r) => r.id);
        expect(rows.map((r) => r.id).sort(), stream.name).toEqual([...expected].sort());
      } else {
        expect(rows.length, `${stream.name} is empty`).toBeGreaterThan(0);
      }
    }
    expect(run.stdout).not.toContain("password_setup_url");
    expect(run.stdout + run.stderr).not.toContain("sandbox-api-key");

    const state = lastSingerState(messages) as { bookmarks: Record<string, Record<string, unknown>> };
    expect(state.bookmarks.commissions).toMatchObject({ replication_key: "created_at" });
    expect(typeof state.bookmarks.commissions!.replication_key_value).toBe("string");
    expect(state.bookmarks.promoters).toEqual({});
  }, 60_000);

  it("syncs the default selection without --catalog", async () => {
    const run = await runCli(["--config", config]);
    expect(run.code).toBe(0);
    const streams = new Set(run.messages.filter((m) => m.type === "SCHEMA").map((m) => m.stream));
    expect(streams).toEqual(new Set(STREAMS.filter((s) => s.selectedByDefault).map((s) => s.name)));
  }, 60_000);

  it("logs METRIC lines and a per-stream summary on stderr, nothing but messages on stdout", async () => {
    process.env.TAP_FIRSTPROMOTER_METRICS_INTERVAL_S = "0.01";
    try {
      const run = await runCli(["--config", config]);
      expect(run.code).toBe(0);
      const metrics = logLines(run.stderr)
        .filter((l) => l.startsWith("INFO METRIC: "))
        .map(
          (l) =>
            JSON.parse(l.slice("INFO METRIC: ".length)) as {
              metric: string;
              value: number;
              tags: Record<string, unknown>;
            },
        );
      const counted = metrics.filter((m) => m.metric === "record_count" && m.tags.stream === "commissions");
      expect(counted.reduce((n, m) => n + m.value, 0)).toBe(sandbox.dataset.commissions.length);
      expect(
        metrics.some(
          (m) => m.metric === "http_request_duration" && m.tags.endpoint === "company/commissions",
        ),
      ).toBe(true);
      // singer-sdk's tags
      const timers = metrics.filter((m) => m.metric === "http_request_duration");
      for (const m of timers) {
        expect(typeof m.tags.http_status_code).toBe("number");
        expect(["succeeded", "failed"]).toContain(m.tags.status);
      }
      expect(run.stderr).toMatch(
        /INFO commissions: finished: \d+ records, \d+ pages, \d+ requests in [\d.]+ s/,
      );
      expect(run.stderr).toMatch(/INFO sync done in [\d.]+ s: \d+ requests, 0 retries, 0 rate-limited/);
    } finally {
      delete process.env.TAP_FIRSTPROMOTER_METRICS_INTERVAL_S;
    }
  }, 60_000);
});

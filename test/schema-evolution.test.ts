import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { airbyteProblems } from "./helpers/airbyte-protocol.js";
import { runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

type Msg = Record<string, unknown>;
type Schema = { properties: Record<string, { type: string[] }> };

/** streams selected with the tap's own schemas (a catalog's own schema would be the one evolved) */
function catalogOf(streams: string[]) {
  return {
    streams: streams.map((name) => ({
      tap_stream_id: name,
      metadata: [{ breadcrumb: [], metadata: { selected: true } }],
    })),
  };
}

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ size: 3, seed: 1, drift: true, anchor: new Date("2026-01-15T00:00:00Z") });
  dir = tempDir();
});
afterAll(async () => {
  await sandbox.close();
});

function config(extra: Record<string, unknown> = {}): string {
  return writeJson(
    dir,
    `config-${JSON.stringify(extra).replace(/\W/g, "")}.json`,
    sandbox.tapConfig({ page_size: 4, start_date: "2025-06-01", ...extra }),
  );
}

async function singer(streams: string[], extra: Record<string, unknown> = {}) {
  const catalog = writeJson(dir, `catalog-${streams.join("-")}.json`, catalogOf(streams));
  return runCli(["--config", config(extra), "--catalog", catalog]);
}

function normalize(stdout: string): string {
  return stdout
    .replace(/"time_extracted":"[^"]+"/g, '"time_extracted":"<time>"')
    .replace(/"version":\d+/g, '"version":1');
}

const kinds = (messages: Msg[]) => messages.map((m) => m.type).filter((t) => t !== "STATE");

describe("schema evolution, Singer mode", () => {
  it("campaigns: SCHEMA, RECORD, SCHEMA(updated), RECORD; new fields nullable with the inferred type", async () => {
    const run = await singer(["campaigns"]);
    expect(run.code).toBe(0);
    expect(kinds(run.messages)).toEqual([
      "SCHEMA",
      "RECORD",
      "SCHEMA",
      "RECORD",
      "RECORD",
      "ACTIVATE_VERSION",
    ]);
    const [first, updated] = run.messages.filter((m) => m.type === "SCHEMA") as Array<{ schema: Schema }>;
    expect(first!.schema.properties.loyalty_tier).toBeUndefined();
    expect(updated!.schema.properties.loyalty_tier!.type).toEqual(["string", "null"]);
    expect(updated!.schema.properties.sort_order!.type).toEqual(["integer", "null"]);
    // every declared property stays as it was
    for (const [key, prop] of Object.entries(first!.schema.properties))
      expect(updated!.schema.properties[key]).toEqual(prop);
    const warnings = run.stderr.split("\n").filter((l) => /^\S+ WARNING /.test(l) && l.includes("campaigns"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("loyalty_tier (new, string)");
    expect(warnings[0]).toContain("sort_order (new, integer)");
    // the data reaches the output
    expect(singerRecords(run.messages).get("campaigns")![1]!.loyalty_tier).toBe("gold");
    await expect(normalize(run.stdout)).toMatchFileSnapshot("golden/singer-campaigns-drift.jsonl");
  });

  it("commissions: a drifted type is widened to the union before the record, never narrowed", async () => {
    const run = await singer(["commissions"]);
    expect(run.code).toBe(0);
    const schemas = run.messages.filter((m) => m.type === "SCHEMA") as Array<{ schema: Schema }>;
    // one for the drifted type, one for the new field, each just before the first record that needs it
    expect(schemas).toHaveLength(3);
    expect(schemas[0]!.schema.properties.sale_amount!.type).toEqual(["integer", "null"]);
    expect(schemas[1]!.schema.properties.sale_amount!.type).toEqual(["integer", "null", "string"]);
    expect(schemas[1]!.schema.properties.is_fraud_review).toBeUndefined();
    expect(schemas[2]!.schema.properties.sale_amount!.type).toEqual(["integer", "null", "string"]);
    expect(schemas[2]!.schema.properties.is_fraud_review!.type).toEqual(["boolean", "null"]);
    const firstDrifted = run.messages.findIndex(
      (m) => m.type === "RECORD" && typeof (m.record as Msg).sale_amount === "string",
    );
    const firstNew = run.messages.findIndex(
      (m) => m.type === "RECORD" && (m.record as Msg).is_fraud_review !== undefined,
    );
    expect(run.messages.indexOf(schemas[1]!)).toBe(firstDrifted - 1);
    expect(run.messages.indexOf(schemas[2]!)).toBe(firstNew - 1);
    const warnings = run.stderr.split("\n").filter((l) => /^\S+ WARNING /.test(l));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("sale_amount (integer|null -> integer|null|string)");
    // rows after it, of either type, need no further SCHEMA
    const records = singerRecords(run.messages).get("commissions")!;
    expect(records.some((r) => typeof r.sale_amount === "number")).toBe(true);
    expect(records.some((r) => typeof r.sale_amount === "string" && /^\d+\.\d\d$/.test(r.sale_amount))).toBe(
      true,
    );
  });

  it("warn keeps the schema and the data, one warning per stream and field", async () => {
    const run = await singer(["campaigns"], { schema_evolution: "warn" });
    expect(run.code).toBe(0);
    expect(run.messages.filter((m) => m.type === "SCHEMA")).toHaveLength(1);
    expect(singerRecords(run.messages).get("campaigns")![1]!.loyalty_tier).toBe("gold");
    const warnings = run.stderr.split("\n").filter((l) => l.includes("is not in the schema"));
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).toContain('"loyalty_tier"');
  });

  it("strict fails the stream and names the field, without the final ACTIVATE_VERSION", async () => {
    const run = await singer(["campaigns"], { schema_evolution: "strict" });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /stream campaigns failed: record \d+ has field "loyalty_tier" that the schema does not declare/,
    );
    expect(run.messages.filter((m) => m.type === "ACTIVATE_VERSION")).toEqual([]);
    expect(run.messages.filter((m) => m.type === "SCHEMA")).toHaveLength(1);
  });

  it("strict names a drifted type too", async () => {
    const run = await singer(["commissions"], { schema_evolution: "strict" });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /stream commissions failed: record \d+ has field "sale_amount" of type string, the schema allows integer\|null/,
    );
  });
});

describe("schema evolution, Airbyte mode", () => {
  it("the catalog stays fixed: one warning per stream and field, data kept, every message valid", async () => {
    const cfg = config();
    const discover = await runCli(["discover", "--config", cfg]);
    const streams = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
    const catalog = writeJson(dir, "airbyte-drift.json", {
      streams: ["campaigns", "commissions"].map((name) => ({
        stream: streams.find((s) => s.name === name)!,
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
      })),
    });
    const run = await runCli(["read", "--config", cfg, "--catalog", catalog]);
    expect(run.code).toBe(0);
    for (const m of run.messages) expect(airbyteProblems(m), JSON.stringify(m)).toEqual([]);
    const logs = run.messages
      .filter((m) => m.type === "LOG" && (m.log as Msg).level === "WARN")
      .map((m) => (m.log as Msg).message as string);
    const fields = logs.filter((l) => l.includes("is not in the schema"));
    expect(fields.filter((l) => l.includes('"loyalty_tier"'))).toHaveLength(1);
    expect(fields.filter((l) => l.includes('"sort_order"'))).toHaveLength(1);
    expect(fields.filter((l) => l.includes('"is_fraud_review"'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes("/sale_amount"))).toHaveLength(1);
    const data = run.messages.filter((m) => m.type === "RECORD").map((m) => (m.record as Msg).data as Msg);
    expect(data.some((d) => d.loyalty_tier === "gold")).toBe(true);
    expect(data.some((d) => typeof d.sale_amount === "string")).toBe(true);
  });
});

describe("deletions, Singer ACTIVATE_VERSION", () => {
  it("a second full sync activates a newer version that no longer has the deleted row", async () => {
    const own = await startSandbox({ size: 3, seed: 2, anchor: new Date("2026-01-15T00:00:00Z") });
    try {
      const cfg = writeJson(dir, "config-delete.json", own.tapConfig({ page_size: 2 }));
      const catalog = writeJson(dir, "catalog-delete.json", catalogOf(["campaigns"]));
      const first = await runCli(["--config", cfg, "--catalog", catalog]);
      expect(first.code).toBe(0);
      const firstIds = singerRecords(first.messages)
        .get("campaigns")!
        .map((r) => r.id);
      expect(firstIds.length).toBeGreaterThan(1);
      const gone = firstIds[0]!;

      const res = await fetch(
        `${own.baseUrl.replace("/api/v2", "")}/__sandbox/delete?resource=campaigns&id=${gone}`,
        {
          method: "POST",
        },
      );
      expect(await res.json()).toEqual({ deleted: 1 });

      const second = await runCli(["--config", cfg, "--catalog", catalog]);
      expect(second.code).toBe(0);
      const versionOf = (run: typeof first) =>
        run.messages.filter((m) => m.type === "ACTIVATE_VERSION").map((m) => m.version as number);
      const [v1, ...moreOf1] = versionOf(first);
      const [v2, ...moreOf2] = versionOf(second);
      expect([moreOf1, moreOf2]).toEqual([[], []]);
      expect(v2).toBeGreaterThan(v1!);
      // every RECORD carries the version, and ACTIVATE_VERSION comes once, after them: none before the
      // records, which a target would act on at once (the table's rows gone while the sync runs)
      const seq = second.messages.filter((m) => m.type !== "STATE");
      expect(seq[0]!.type).toBe("SCHEMA");
      expect(seq.at(-1)).toEqual({ type: "ACTIVATE_VERSION", stream: "campaigns", version: v2 });
      const records = seq.slice(1, -1);
      const v2start = v2;
      expect(records.every((m) => m.type === "RECORD" && m.version === v2start)).toBe(true);
      const ids = records.map((m) => (m.record as Msg).id);
      expect(ids).not.toContain(gone);
      expect(ids).toEqual(firstIds.slice(1));
    } finally {
      await own.close();
    }
  });

  it("a sync resumed mid-stream sends no version: its rows are a part, the earlier pages came before", async () => {
    const own = await startSandbox({ size: 3, seed: 2, anchor: new Date("2026-01-15T00:00:00Z") });
    try {
      const cfg = writeJson(dir, "config-resume.json", own.tapConfig({ page_size: 1 }));
      const catalog = writeJson(dir, "catalog-resume.json", catalogOf(["campaigns"]));
      const state = writeJson(dir, "state-resume.json", {
        bookmarks: { campaigns: { offset: { page: 2, page_size: 1 } } },
      });
      const run = await runCli(["--config", cfg, "--catalog", catalog, "--state", state]);
      expect(run.code).toBe(0);
      expect(run.messages.some((m) => m.type === "RECORD")).toBe(true);
      expect(run.messages.filter((m) => m.type === "ACTIVATE_VERSION")).toEqual([]);
      expect(run.messages.filter((m) => m.type === "RECORD" && m.version !== undefined)).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it("report streams (a window of the history, not the whole table) send no version", async () => {
    const catalog = writeJson(dir, "catalog-report-full.json", {
      streams: [
        {
          tap_stream_id: "reports_campaigns",
          metadata: [{ breadcrumb: [], metadata: { selected: true, "replication-method": "FULL_TABLE" } }],
        },
      ],
    });
    const run = await runCli(["--config", config(), "--catalog", catalog]);
    expect(run.code).toBe(0);
    expect(run.messages.some((m) => m.type === "RECORD")).toBe(true);
    expect(run.messages.filter((m) => m.type === "ACTIVATE_VERSION")).toEqual([]);
  });

  it("a partial read never sends the final ACTIVATE_VERSION", async () => {
    const own = await startSandbox({
      size: 3,
      seed: 2,
      anchor: new Date("2026-01-15T00:00:00Z"),
      faults: [{ kind: "500", path: "/campaigns", after: 1, count: 100 }],
    });
    try {
      const cfg = writeJson(dir, "config-partial.json", own.tapConfig({ page_size: 1, max_retries: 0 }));
      const catalog = writeJson(dir, "catalog-partial.json", catalogOf(["campaigns"]));
      const run = await runCli(["--config", cfg, "--catalog", catalog]);
      expect(run.code).not.toBe(0);
      expect(run.messages.some((m) => m.type === "RECORD")).toBe(true);
      // nothing that would let a target drop the rows this read never reached
      expect(run.messages.filter((m) => m.type === "ACTIVATE_VERSION")).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

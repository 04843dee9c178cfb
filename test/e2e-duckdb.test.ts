import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { findStream } from "../src/streams/index.js";
import { runCli, singerRecords, spawnCli, tempDir, writeJson } from "./helpers/cli.js";
import { waitFor } from "./helpers/wait.js";

type Row = Record<string, unknown>;

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function query(path: string, sql: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(path);
  try {
    const db = await instance.connect();
    const rows = (await db.runAndReadAll(sql)).getRowObjectsJson() as Row[];
    db.closeSync();
    return rows;
  } finally {
    instance.closeSync();
  }
}

const keyOf = (stream: string, row: Row) =>
  JSON.stringify(findStream(stream)!.primaryKey.map((k) => String(row[k])));

/** Every table's primary keys, as the Singer run's records would give them. */
async function keysIn(path: string, streams: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const stream of streams) {
    const key = findStream(stream)!.primaryKey.map((k) => `"${k}"::VARCHAR AS "${k}"`);
    const rows = await query(path, `SELECT ${key.join(", ")} FROM "${stream}"`);
    out.set(stream, rows.map((r) => keyOf(stream, r)).sort());
  }
  return out;
}

/** What a Singer run of the same sandbox emits: the oracle for the tables (snapshot streams differ by time). */
async function singerKeys(config: string): Promise<Map<string, string[]>> {
  const run = await runCli(["--config", config]);
  expect(run.code).toBe(0);
  const out = new Map<string, string[]>();
  for (const [stream, rows] of singerRecords(run.messages)) {
    if (findStream(stream)!.envelope === "snapshot") continue;
    out.set(stream, [...new Set(rows.map((r) => keyOf(stream, r)))].sort());
  }
  return out;
}

function configFor(dir: string, s: Sandbox, extra: Row = {}): string {
  return writeJson(dir, "config.json", s.tapConfig({ requests_per_minute: 100_000, ...extra }));
}

describe("--to duckdb:", () => {
  it("loads every id of every stream, then a second run without a state file adds, updates and drops", async () => {
    sandbox = await startSandbox({ size: 20, seed: 4, anchor: new Date(Date.now() - 3_600_000) });
    const dir = tempDir();
    const config = configFor(dir, sandbox);
    const db = join(dir, "fp.duckdb");

    const first = await runCli(["--config", config, "--to", `duckdb:${db}`]);
    expect(first.code, first.stderr).toBe(0);
    const expected = await singerKeys(config);
    const streams = [...expected.keys()];
    expect(streams.length).toBeGreaterThan(15);
    const loaded = await keysIn(db, streams);
    for (const stream of streams) expect(loaded.get(stream), stream).toEqual(expected.get(stream));
    expect(first.stdout).toMatch(/^promoters\s+20\s+0\s+0$/m);

    const activity = sandbox.simulateActivity(new Date());
    const deletedCampaign = sandbox.dataset.campaigns.pop()!;
    const deletedProduct = sandbox.dataset.products.shift()!;
    const changedCommission = activity.changed.commissions?.[0];
    const second = await runCli(["--config", config, "--to", `duckdb:${db}`]);
    expect(second.code, second.stderr).toBe(0);

    const after = await keysIn(db, streams);
    const now = await singerKeys(config);
    for (const stream of ["promoters", "campaigns", "products", "promo_codes", "payouts"]) {
      expect(after.get(stream), stream).toEqual(now.get(stream));
    }
    for (const stream of ["promoters", "referrals", "commissions"]) {
      const ids = new Set(after.get(stream));
      for (const id of activity.added[stream] ?? [])
        expect(ids.has(JSON.stringify([String(id)])), stream).toBe(true);
    }
    expect(after.get("campaigns")).not.toContain(JSON.stringify([String(deletedCampaign.id)]));
    expect(after.get("products")).not.toContain(JSON.stringify([String(deletedProduct.id)]));
    expect(second.stdout).toMatch(/^campaigns\s+\d+\s+\d+\s+1$/m);
    expect(second.stdout).toMatch(/^products\s+0\s+0\s+1$/m);
    const newPromoters = activity.added.promoters?.length ?? 0;
    expect(newPromoters).toBeGreaterThan(0);
    expect(second.stdout).toMatch(new RegExp(`^promoters\\s+${newPromoters}\\s+[1-9]\\d*\\s+0$`, "m"));
    if (changedCommission !== undefined) {
      const row = sandbox.dataset.commissions.find((c) => c.id === changedCommission)!;
      const [stored] = await query(db, `SELECT status FROM commissions WHERE id = ${changedCommission}`);
      expect(stored?.status).toBe(row.status);
    }
  }, 120_000);

  it("kill -9 mid-load, then a rerun: no row lost, no primary key twice", async () => {
    // slow enough that the load is surely still running at the kill, on a loaded machine too
    sandbox = await startSandbox({ size: 100, seed: 5, latencyMs: 150 });
    const dir = tempDir();
    const config = configFor(dir, sandbox, { page_size: 10 });
    const db = join(dir, "fp.duckdb");
    const child = spawnCli(["--config", config, "--to", `duckdb:${db}`]);
    // a stream's "finished:" line follows the commit of its rows and checkpoint: progress is saved, and the
    // other streams (150 ms a page) are still loading
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    await waitFor(() => / finished: /.test(stderr) || child.exitCode !== null, "a stream's finished line", {
      timeoutMs: 120_000,
    });
    expect(child.exitCode, "the load ended before the kill").toBeNull();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("close", resolve));

    const saved = await query(db, "SELECT count(*) AS n FROM _tap_state");
    expect(Number(saved[0]?.n)).toBeGreaterThan(0);
    const rerun = await runCli(["--config", config, "--to", `duckdb:${db}`]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const expected = await singerKeys(config);
    const loaded = await keysIn(db, [...expected.keys()]);
    for (const [stream, keys] of expected) expect(loaded.get(stream), stream).toEqual(keys);
  }, 180_000);

  it("bad destinations end with one line, and leave nothing behind", async () => {
    sandbox = await startSandbox({ size: 3 });
    const dir = tempDir();
    const config = configFor(dir, sandbox);
    const notDb = writeJson(dir, "not.duckdb", { hello: 1 });
    const cases: Array<[string, RegExp, number]> = [
      [notDb, /is not a DuckDB database/, 2],
      [join(dir, "missing", "x.duckdb"), /cannot open .* as a DuckDB database/, 2],
    ];
    for (const [path, message, code] of cases) {
      const run = await runCli(["--config", config, "--to", `duckdb:${path}`]);
      expect(run.code).toBe(code);
      expect(run.stderr.trim().split("\n").at(-1)).toMatch(
        new RegExp(`^(\\S+ )?CRITICAL .*${message.source}`),
      );
    }

    const clash = join(dir, "clash.duckdb");
    const instance = await DuckDBInstance.create(clash);
    const conn = await instance.connect();
    await conn.run("CREATE TABLE campaigns (id VARCHAR)");
    const locked = await runCli(["--config", config, "--to", `duckdb:${clash}`]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^(\S+ )?CRITICAL .* is in use by another process/m);
    conn.closeSync();
    instance.closeSync();

    const incompatible = await runCli(["--config", config, "--to", `duckdb:${clash}`]);
    expect(incompatible.code).toBe(2);
    expect(incompatible.stderr).toMatch(
      /^(\S+ )?CRITICAL table campaigns column id is VARCHAR, .* needs BIGINT/m,
    );
    expect(await query(clash, "SELECT table_name FROM information_schema.tables")).toEqual([
      { table_name: "campaigns" },
    ]);
  }, 60_000);
});

describe("README's DuckDB quick start", () => {
  it("runs as written against the sandbox", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## DuckDB"), readme.indexOf("## Performance"));
    const commands = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split("\n");
    const sql = /```sql\n([\s\S]*?)```/.exec(section)![1]!;
    sandbox = await startSandbox({ size: 8 });
    const dir = tempDir();
    writeJson(dir, "config.json", sandbox.tapConfig());
    const outputs: string[] = [];
    for (const command of commands) {
      const [bin, ...args] = command.split(" ");
      expect(bin).toBe("tap-firstpromoter");
      const run = await runCli(args, { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      outputs.push(run.stdout);
    }
    expect(outputs[0]).toMatch(/^promoters\s+8\s+0\s+0$/m);
    expect(outputs[1]).toMatch(/^promoters\s+0\s+0\s+0$/m);
    const top = await query(join(dir, "firstpromoter.duckdb"), sql);
    expect(top.length).toBe(5);
    expect(Object.keys(top[0]!)).toEqual(["name", "email", "revenue"]);
  }, 60_000);
});

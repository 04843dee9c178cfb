import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { openDuckDb } from "../src/destination/duckdb/index.js";
import { misfit } from "../src/destination/duckdb/loader.js";
import type { EngineEvent } from "../src/engine/events.js";
import type { Row } from "../src/engine/paginator.js";
import { resolveSelections } from "../src/engine/selection.js";
import { createLogger, Redactor } from "../src/log.js";
import { tempDir } from "./helpers/cli.js";

const log = createLogger("warn", () => {}, new Redactor([]));
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    email: `r${from + i}@x`,
  }));

async function open() {
  const path = join(tempDir(), "fp.duckdb");
  const loader = await openDuckDb(path, resolveSelections([{ name: "referrals" }], "test"), log);
  // the loader's own connection: its buffer tables are temporary, seen by it alone
  const db = (loader as unknown as { db: DuckDBConnection }).db;
  const one = async (sql: string) => Number((await db.runAndReadAll(sql)).getRows()[0]?.[0]);
  return { loader, one };
}

/** One run of the loader on `path`: FULL_TABLE `streams`, each step an engine event (or a finish). */
async function run(path: string, streams: string[], events: EngineEvent[]) {
  const selections = resolveSelections(
    streams.map((name) => ({ name, method: "FULL_TABLE" as const })),
    "test",
  );
  const loader = await openDuckDb(path, selections, log);
  try {
    for (const event of events) await loader.emit(event);
    await loader.finish();
  } finally {
    await loader.close();
  }
}

async function ids(path: string, table: string): Promise<number[]> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(path);
  try {
    const db = await instance.connect();
    const result = await db.runAndReadAll(`SELECT id FROM "${table}" ORDER BY id`);
    db.closeSync();
    return result.getRows().map(([id]) => Number(id));
  } finally {
    instance.closeSync();
  }
}

const records = (stream: string, rows: Row[]): EngineEvent => ({
  type: "records",
  stream,
  rows,
  extractedAt: 0,
});
const begin = (stream: string, resumed = false): EngineEvent => ({
  type: "snapshot",
  stream,
  phase: "begin",
  resumed,
});
const complete = (stream: string, whole = true): EngineEvent => ({
  type: "snapshot",
  stream,
  phase: "complete",
  whole,
});
const status = (stream: string, s: "COMPLETE" | "INCOMPLETE"): EngineEvent => ({
  type: "status",
  stream,
  status: s,
});

describe("DuckDbLoader", () => {
  it("replaces a full table only on the engine's 'snapshot complete': a stream skipped on a 404 keeps its rows", async () => {
    const path = join(tempDir(), "fp.duckdb");
    const s = "custom_referral_statuses";
    await run(path, [s], [begin(s), records(s, rows(1, 3)), complete(s), status(s, "COMPLETE")]);
    expect(await ids(path, s)).toEqual([1, 2, 3]);
    // skipped: the read began, then the stream completed with nothing read and no snapshot 'complete'
    await run(path, [s], [begin(s), status(s, "COMPLETE")]);
    expect(await ids(path, s)).toEqual([1, 2, 3]);
    // a whole read without row 3: it goes
    await run(path, [s], [begin(s), records(s, rows(1, 2)), complete(s), status(s, "COMPLETE")]);
    expect(await ids(path, s)).toEqual([1, 2]);
  }, 60_000);

  it("a killed read's stage: kept when the next read goes on from its page, dropped when it starts over", async () => {
    const s = "promoters";
    const killed = (path: string) =>
      run(
        path,
        [s],
        [
          begin(s),
          records(s, rows(1, 3)),
          { type: "state", stream: s, state: { offset: { page: 2, page_size: 3 } } },
        ],
      );
    const resumed = join(tempDir(), "fp.duckdb");
    await killed(resumed);
    await run(resumed, [s], [begin(s, true), records(s, rows(4, 2)), complete(s)]);
    expect(await ids(resumed, s), "the stage's pages and the resumed ones").toEqual([1, 2, 3, 4, 5]);
    // the cursor set the saved page aside (another page size) and read the whole list, where row 3 is gone
    const restarted = join(tempDir(), "fp.duckdb");
    await killed(restarted);
    await run(restarted, [s], [begin(s, false), records(s, [...rows(1, 2), ...rows(4, 2)]), complete(s)]);
    expect(await ids(restarted, s)).toEqual([1, 2, 4, 5]);
  }, 60_000);

  it("a read that may have missed rows (whole: false) merges its rows in and deletes none", async () => {
    const path = join(tempDir(), "fp.duckdb");
    const s = "promoters";
    await run(path, [s], [begin(s), records(s, rows(1, 3)), complete(s)]);
    const changed = [{ id: 2, email: "new@x" }, ...rows(4, 1)];
    await run(path, [s], [begin(s), records(s, changed), complete(s, false)]);
    expect(await ids(path, s)).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it("a read that starts over drops the saved page with the stage: a later run of the old page size starts from page 1 too", async () => {
    const path = join(tempDir(), "fp.duckdb");
    const s = "promoters";
    await run(
      path,
      [s],
      [
        begin(s),
        records(s, rows(1, 3)),
        { type: "state", stream: s, state: { offset: { page: 2, page_size: 3 } } },
      ],
    );
    // started over (another page size), then failed before its first checkpoint
    await run(path, [s], [begin(s, false), status(s, "INCOMPLETE")]);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(path);
    try {
      const db = await instance.connect();
      const saved = await db.runAndReadAll(`SELECT count(*) FROM _tap_state WHERE stream = '${s}'`);
      db.closeSync();
      expect(Number(saved.getRows()[0]?.[0]), "no saved page left to go on from over an empty stage").toBe(0);
    } finally {
      instance.closeSync();
    }
  }, 60_000);

  it("a report read FULL_TABLE adds its windows to the table: one sync's window never removes an earlier one's rows", async () => {
    const path = join(tempDir(), "fp.duckdb");
    const s = "reports_campaigns";
    const window = (start: string, from: number) =>
      rows(from, 2).map((r) => ({
        id: r.id,
        window_start: start,
        window_end: start,
        group_by: "day",
        entity_id: 7,
      }));
    await run(path, [s], [records(s, window("2025-01-01", 1)), status(s, "COMPLETE")]);
    await run(path, [s], [records(s, window("2025-02-01", 3)), status(s, "COMPLETE")]);
    expect(await ids(path, s)).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it("commits a full batch in the background, holds the engine only when the next batch is full too", async () => {
    const { loader, one } = await open();
    try {
      const emit = (from: number) =>
        loader.emit({
          type: "records",
          stream: "referrals",
          rows: rows(from, 20_000),
          extractedAt: 0,
        });
      expect(emit(0), "the first full batch does not hold the engine").toBeUndefined();
      const held = emit(20_000);
      expect(held, "a second full batch waits for the commit in flight").toBeInstanceOf(Promise);
      await held;
      await loader.emit({
        type: "state",
        stream: "referrals",
        state: { offset: { page: 3 } },
      });
      await loader.finish();
      expect(await one("SELECT count(DISTINCT id) FROM referrals")).toBe(40_000);
      expect(await one("SELECT count(*) FROM _tap_state WHERE stream = 'referrals'")).toBe(1);
      expect(loader.counts()).toEqual([{ table: "referrals", inserted: 40_000, updated: 0, deleted: 0 }]);
    } finally {
      await loader.close();
    }
  }, 60_000);

  it("loads a drifted value of a JSON column, and a row's undeclared fields into _extra", async () => {
    const { loader, one } = await open();
    try {
      await loader.emit({
        type: "records",
        stream: "referrals",
        // metadata is an object in the schema; a plain string is kept as a JSON string. A field blanked out
        // (a dropped credential is set to undefined) leaves no `{}` in _extra
        rows: [
          { id: 1, metadata: "plain text", brand_new: { a: 1 }, gone: undefined },
          { id: 2, metadata: { plan: "pro" }, api_token: undefined },
        ],
        extractedAt: 0,
      });
      await loader.finish();
      expect(await one("SELECT count(*) FROM referrals WHERE metadata = '\"plain text\"'::JSON")).toBe(1);
      expect(await one("SELECT count(*) FROM referrals WHERE metadata->>'plan' = 'pro'")).toBe(1);
      expect(await one(`SELECT count(*) FROM referrals WHERE _extra = '{"brand_new":{"a":1}}'::JSON`)).toBe(
        1,
      );
      expect(await one("SELECT count(*) FROM referrals WHERE _extra IS NULL")).toBe(1);
    } finally {
      await loader.close();
    }
  });

  it("masks the api key in rows that echo it, in their columns and in _extra", async () => {
    const { loader, one } = await open();
    const secrets = new Redactor(["fp-live-key-4711"]);
    loader.maskWith((text) => secrets.mask(text));
    try {
      await loader.emit({
        type: "records",
        stream: "referrals",
        rows: [{ id: 1, email: "note fp-live-key-4711", pasted: "key=fp-live-key-4711" }],
        extractedAt: 0,
      });
      await loader.finish();
      expect(await one("SELECT count(*) FROM referrals WHERE email = 'note ****'")).toBe(1);
      expect(await one(`SELECT count(*) FROM referrals WHERE _extra = '{"pasted":"key=****"}'::JSON`)).toBe(
        1,
      );
      expect(await one("SELECT count(*) FROM referrals WHERE CAST(referrals AS VARCHAR) LIKE '%4711%'")).toBe(
        0,
      );
    } finally {
      await loader.close();
    }
  });

  it("caps DuckDB's memory (256 MB unless TAP_DUCKDB_MEMORY_LIMIT says otherwise) and rejects a limit that is not a size", async () => {
    const setting = async () => {
      const { loader } = await open();
      try {
        const db = (loader as unknown as { db: DuckDBConnection }).db;
        return String((await db.runAndReadAll("SELECT current_setting('memory_limit')")).getRows()[0]?.[0]);
      } finally {
        await loader.close();
      }
    };
    const before = process.env.TAP_DUCKDB_MEMORY_LIMIT;
    try {
      delete process.env.TAP_DUCKDB_MEMORY_LIMIT;
      expect(await setting()).toBe("244.1 MiB");
      process.env.TAP_DUCKDB_MEMORY_LIMIT = "1GB";
      expect(await setting()).toBe("953.6 MiB");
      process.env.TAP_DUCKDB_MEMORY_LIMIT = "lots";
      await expect(open()).rejects.toThrow(
        'TAP_DUCKDB_MEMORY_LIMIT must be a size such as 512MB or 2GB, got "lots"',
      );
    } finally {
      if (before === undefined) delete process.env.TAP_DUCKDB_MEMORY_LIMIT;
      else process.env.TAP_DUCKDB_MEMORY_LIMIT = before;
    }
  });

  it("a value its column cannot hold stops the load with one line naming the table and column", async () => {
    const { loader, one } = await open();
    try {
      await loader.emit({ type: "records", stream: "referrals", rows: rows(1, 3), extractedAt: 0 });
      await loader.emit({ type: "state", stream: "referrals", state: { offset: { page: 1 } } });
      await loader.finish();
      await loader.emit({
        type: "records",
        stream: "referrals",
        rows: [{ id: 10, created_at: "yesterday" }],
        extractedAt: 0,
      });
      await loader.emit({ type: "state", stream: "referrals", state: { offset: { page: 2 } } });
      const failed = await loader.finish().then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failed?.message).toMatch(
        /^table referrals\.created_at: invalid timestamp field format: "yesterday".*; nothing of this commit was written$/,
      );
      expect(failed?.message).not.toContain("\n");
      expect(await one("SELECT count(*) FROM referrals")).toBe(3);
      expect(await one("SELECT count(*) FROM _tap_state WHERE state->'offset'->>'page' = '1'")).toBe(1);
    } finally {
      await loader.close();
    }
  });

  it("names the table alone when DuckDB's message has no caret at a cast, and passes other errors through", () => {
    const bare = misfit("commissions", new Error("Conversion Error: Could not convert string 'x' to INT64"));
    expect(bare.message).toBe(
      "table commissions: Could not convert string 'x' to INT64; nothing of this commit was written",
    );
    const other = new Error("IO Error: disk full");
    expect(misfit("commissions", other)).toBe(other);
  });
});

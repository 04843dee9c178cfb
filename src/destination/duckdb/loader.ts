import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { EngineEvent, EventSink } from "../../engine/events.js";
import type { Row } from "../../engine/paginator.js";
import { isSnapshotRead, type Selection } from "../../engine/selection.js";
import { type Bookmarks, normalizeBookmarks, type StreamState } from "../../engine/state.js";
import { InputError, TapError } from "../../errors.js";
import type { Logger } from "../../log.js";
import { type Column, columnsOf, EXTRA_COLUMN, fromDocument, quote, sameType } from "./columns.js";

export interface TableCounts {
  table: string;
  inserted: number;
  updated: number;
  deleted: number;
}

const STATE_TABLE = "_tap_state";
const SEQ_COLUMN: Column = { name: "_seq", type: "BIGINT" };
/** A commit costs a WAL sync and a pass over each table's key index: group checkpoints into one every 2 s. */
const FLUSH_MS = 2000;
/**
 * Rows held in memory before a commit is due; while one commits, the engine keeps fetching into the next
 * batch, and waits only when that batch is full too (so at most ~2 batches of rows are held).
 */
const FLUSH_ROWS = 20_000;
/**
 * DuckDB checkpoints (rewrites the changed tables into the file) whenever its WAL passes 16 MB: in a load
 * that is every few commits, each rewriting the same growing tables. Rows committed to the WAL are as
 * durable. 256 MB: one checkpoint per ~250k rows instead of one per ~60k; measured at 530k rows, peak RSS
 * the same (617 vs 625 MB, the buffer pool is capped below) and 19% less time.
 */
const CHECKPOINT_THRESHOLD = "256MB";
/**
 * The load is one queue of statements on one connection, each over at most one batch (one row group): extra
 * worker threads find little to split and contend with the tap's own thread for the cores. One thread:
 * measured 13% less wall time at ~100k rows on 2 cores, and 20-30% less CPU.
 */
const THREADS = 1;
/**
 * DuckDB's buffer pool defaults to 80% of the machine's RAM, a cache that grows with the tables; capped, it
 * spills to `<file>.tmp/` instead, and peak memory stays flat as the account grows. A very large account
 * (its key indexes must fit) can raise it with TAP_DUCKDB_MEMORY_LIMIT.
 */
const DEFAULT_MEMORY_LIMIT = "256MB";

function memoryLimit(): string {
  const limit = process.env.TAP_DUCKDB_MEMORY_LIMIT?.trim();
  if (limit === undefined || limit === "") return DEFAULT_MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(limit)) {
    throw new InputError(
      `TAP_DUCKDB_MEMORY_LIMIT must be a size such as 512MB or 2GB, got ${JSON.stringify(limit)}`,
    );
  }
  return limit;
}

/** One stream's tables: the target, the durable stage of a full-table read, the in-memory buffer of a batch. */
interface Target {
  stream: string;
  columns: Column[];
  /** the buffer's rows as typed columns */
  typed: ReturnType<typeof fromDocument>;
  known: ReadonlySet<string>;
  key: string[];
  /** full-table: the table's content is replaced when a read completes */
  replace: boolean;
  buffer: string;
  appender: DuckDBAppender;
  /**
   * rows received since the last commit started, as JSON text (smaller than the row objects, and no reference
   * kept to the engine's), appended when it starts; `extras[i]` holds row i's undeclared fields
   */
  docs: string[];
  extras: Array<string | null>;
  /** the buffer's rows are in the table: it is replaced by an empty one after the commit */
  drained: boolean;
  /** rows appended by this run, and how many of them have left the buffer */
  seq: number;
  moved: number;
  counts: TableCounts;
}

/**
 * Engine events into a DuckDB file. Rows are appended to a temporary all-VARCHAR buffer; at a state
 * checkpoint (at most one every 2 s) one transaction casts the buffers into the streams' tables (upsert on the
 * primary key) and writes the checkpoints to `_tap_state`, so rows and the state that covers them commit together. A full-table
 * stream fills a durable `_stage_<stream>` table instead, swapped into its table when its read completes.
 * Every statement runs in one queue: a transaction never interleaves with another stream's appends.
 */
export class DuckDbLoader implements EventSink {
  private queue: Promise<unknown> = Promise.resolve();
  /** the latest checkpoint of each stream not committed yet */
  private readonly pending = new Map<string, StreamState>();
  /** rows in the targets' `docs` */
  private buffered = 0;
  private lastFlush = Date.now();
  /** the commit running in the background while the engine keeps fetching */
  private flushing: Promise<void> | undefined;
  /** a background commit's error, reported by the next event */
  private failure: Error | undefined;
  /** `_seq` of this run's staged rows starts here: later runs stage later versions (1e9 rows a run) */
  private readonly runSeq = Math.floor(Date.now() / 1000) * 1_000_000_000;

  /** masks the config's secrets in every staged row (a record that echoes the api key) */
  private mask: ((text: string) => string) | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    private readonly targets: Map<string, Target>,
    readonly bookmarks: Bookmarks,
  ) {}

  static async open(
    instance: DuckDBInstance,
    selections: Selection[],
    log: Logger,
    source: string,
  ): Promise<DuckDbLoader> {
    const db = await instance.connect();
    try {
      await db.run(`SET checkpoint_threshold = '${CHECKPOINT_THRESHOLD}'`);
      await db.run(`SET memory_limit = '${memoryLimit()}'`);
      await db.run(`SET threads = ${THREADS}`);
      const targets = new Map<string, Target>();
      let bookmarks: Bookmarks = {};
      // one transaction: a table that does not fit leaves the file as it was
      await db.run("BEGIN TRANSACTION");
      try {
        await db.run(
          `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (stream VARCHAR PRIMARY KEY, state JSON NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
        );
        const saved = await db.runAndReadAll(`SELECT stream, state::VARCHAR FROM ${STATE_TABLE}`);
        const raw: Record<string, unknown> = {};
        for (const [stream, state] of saved.getRows()) raw[String(stream)] = JSON.parse(String(state));
        bookmarks = normalizeBookmarks(raw, `${source} table ${STATE_TABLE}`, log);
        for (const selection of selections) {
          const target = await prepare(db, selection);
          targets.set(target.stream, target);
        }
        await db.run("COMMIT");
      } catch (error) {
        await db.run("ROLLBACK");
        throw error;
      }
      return new DuckDbLoader(instance, db, targets, bookmarks);
    } catch (error) {
      db.closeSync();
      throw error;
    }
  }

  /** From here on, every staged row goes through `mask` (a Redactor's), as stdout does in Singer and Airbyte runs. */
  maskWith(mask: (text: string) => string): void {
    this.mask = mask;
  }

  emit(event: EngineEvent): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    switch (event.type) {
      case "records":
        if (event.rows.length === 0) return undefined;
        stage(this.targets.get(event.stream)!, event.rows, this.mask);
        this.buffered += event.rows.length;
        if (this.buffered < FLUSH_ROWS) return undefined;
        // a full batch: commit it in the background, or wait for the commit in flight (bounded memory)
        return this.flushing ?? void this.flushInBackground();
      case "state":
        this.pending.set(event.stream, event.state);
        if (!this.flushing && Date.now() - this.lastFlush >= FLUSH_MS) this.flushInBackground();
        return undefined;
      case "snapshot": {
        // The engine's word, not a stream's status: a stream skipped (a 404 that means "not on this
        // account") or cut short completes without one, and its table stays as it was.
        const t = this.targets.get(event.stream)!;
        if (!t.replace) return undefined;
        // a read from page 1 stages afresh; one that goes on from a saved page adds to what its run staged
        if (event.phase === "begin") {
          if (event.resumed) return undefined;
          // the saved page the read set aside goes with the stage, in one transaction: a later run with that
          // page's size would otherwise go on from it over an empty stage, and its swap drop the pages before
          return this.serial(() =>
            this.transaction(async () => {
              await this.db.run(`DELETE FROM ${quote(stageName(t.stream))}`);
              await this.db.run(`DELETE FROM ${STATE_TABLE} WHERE stream = $stream`, { stream: t.stream });
            }),
          );
        }
        return this.serial(async () => {
          await this.flush();
          await this.swap(t, event.whole);
        });
      }
      case "status":
        // a stream's end commits what it read: its "finished" line means its rows and state are in the file
        if (event.status === "COMPLETE" || event.status === "INCOMPLETE")
          return this.serial(() => this.flush());
        return undefined;
      default:
        return undefined;
    }
  }

  /** Commits what is buffered with the checkpoints that cover it (an interrupted sync keeps its progress). */
  async finish(): Promise<void> {
    await this.serial(() => this.flush());
    if (this.failure) throw this.failure;
  }

  /** Rows per table so far. */
  counts(): TableCounts[] {
    return [...this.targets.values()].map((t) => t.counts);
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    for (const target of this.targets.values()) target.appender.closeSync();
    this.db.closeSync();
    this.instance.closeSync();
  }

  private flushInBackground(): void {
    const flushing: Promise<void> = this.serial(() => this.flush()).then(
      () => {
        if (this.flushing === flushing) this.flushing = undefined;
      },
      (error: Error) => {
        this.failure ??= error;
        if (this.flushing === flushing) this.flushing = undefined;
      },
    );
    this.flushing = flushing;
  }

  private serial(step: () => Promise<void> | void): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Into the target's buffer table: only between statements (the appender shares their connection). */
  private append(t: Target): void {
    const ap = t.appender;
    const { docs, extras } = t;
    for (let i = 0; i < docs.length; i++) {
      ap.appendVarchar(docs[i]!);
      const extra = extras[i];
      if (extra == null) ap.appendNull();
      else ap.appendVarchar(extra);
      ap.appendInteger(t.seq++);
      ap.endRow();
    }
    t.docs = [];
    t.extras = [];
  }

  /**
   * Every stream's buffered rows and latest checkpoints, in one transaction. Rows read after a checkpoint may
   * commit with it: they are read again on resume and replace themselves by key.
   */
  private async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.buffered === 0 && this.pending.size === 0) return;
    // the rows and checkpoints received so far, taken together: a checkpoint's rows all arrived before it;
    // what arrives while this commits goes into the next one
    const states = [...this.pending];
    this.pending.clear();
    for (const t of this.targets.values()) {
      this.append(t);
    }
    this.buffered = 0;
    await this.transaction(async () => {
      for (const t of this.targets.values()) await this.moveBuffer(t);
      // one statement for every checkpoint: each statement is a round trip to DuckDB's thread
      if (states.length === 0) return;
      const values = states.map((_, i) => `($s${i}, $j${i}::JSON, now())`).join(", ");
      const params: Record<string, string> = {};
      states.forEach(([stream, state], i) => {
        params[`s${i}`] = stream;
        params[`j${i}`] = JSON.stringify(state);
      });
      await this.db.run(`INSERT OR REPLACE INTO ${STATE_TABLE} VALUES ${values}`, params);
    });
    for (const t of this.targets.values()) {
      if (!t.drained) continue;
      t.appender.closeSync();
      t.appender = await createBuffer(this.db, t.buffer);
      t.drained = false;
    }
  }

  /**
   * A full-table read completed: its stage becomes the table's content (deleted rows go), or, when the read
   * may have missed rows (`whole` false), its rows are merged in and nothing is deleted.
   */
  private async swap(t: Target, whole: boolean): Promise<void> {
    const table = quote(t.stream);
    const stage = quote(stageName(t.stream));
    await this.transaction(async () => {
      if (!whole) {
        await this.db.run(`CREATE OR REPLACE TEMP TABLE _batch AS ${latest(t, stage)}`);
        await this.upsert(t, "_batch", table);
        await this.db.run("DROP TABLE _batch");
        await this.db.run(`DELETE FROM ${stage}`);
        return;
      }
      // a first load (the table is empty): each key's last version goes in as is, no joins against the table
      if ((await this.count(`SELECT count(*) FROM (SELECT 1 FROM ${table} LIMIT 1)`)) === 0) {
        const inserted = await this.db.run(
          `INSERT INTO ${table} ${columnList(t)} FROM (${latest(t, stage)})`,
        );
        await this.db.run(`DELETE FROM ${stage}`);
        t.counts.inserted += Number(inserted.rowsChanged);
        return;
      }
      const deleted = await this.count(
        `SELECT count(*) FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyJoin(t.key)})`,
      );
      await this.db.run(
        `DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyJoin(t.key)})`,
      );
      await this.db.run(`CREATE OR REPLACE TEMP TABLE _batch AS ${latest(t, stage)}`);
      await this.upsert(t, "_batch", table);
      await this.db.run("DROP TABLE _batch");
      await this.db.run(`DELETE FROM ${stage}`);
      t.counts.deleted += deleted;
    });
  }

  /**
   * Buffer -> typed rows -> the table (the last version of each key), or appended to the stage, which has no
   * key index (appending is several times cheaper); the swap keeps each key's row of the highest `_seq`.
   */
  private async moveBuffer(t: Target): Promise<void> {
    t.appender.flushSync();
    if (t.seq === t.moved) return;
    const { select, from } = t.typed;
    const typed = t.replace
      ? `INSERT INTO ${quote(stageName(t.stream))} SELECT ${select}, ${this.runSeq} + _seq FROM ${from(t.buffer)}`
      : `CREATE OR REPLACE TEMP TABLE _batch AS SELECT ${select} FROM ${from(t.buffer)} QUALIFY row_number() OVER (PARTITION BY ${t.key.map(quote).join(", ")} ORDER BY _seq DESC) = 1`;
    try {
      await this.db.run(typed);
    } catch (error) {
      throw misfit(t.stream, error as Error);
    }
    if (!t.replace) {
      await this.upsert(t, "_batch", quote(t.stream));
      await this.db.run("DROP TABLE _batch");
    }
    t.moved = t.seq;
    t.drained = true;
  }

  /** Upsert counting what is new and what changed (a re-read row equal to its stored version is neither). */
  private async upsert(t: Target, from: string, into: string): Promise<void> {
    // changed rows in place, then the new keys: two joins, no INSERT OR REPLACE (a delete and an insert in
    // the key index per row), and the statements' own row counts are the summary's
    const values = t.columns.filter((c) => !t.key.includes(c.name));
    const changed = values.map((c) => `s.${quote(c.name)} IS DISTINCT FROM t.${quote(c.name)}`).join(" OR ");
    const set = values.map((c) => `${quote(c.name)} = s.${quote(c.name)}`).join(", ");
    const updated = await this.db.run(
      `UPDATE ${into} t SET ${set} FROM ${from} s WHERE ${keyJoin(t.key)} AND (${changed})`,
    );
    const inserted = await this.db.run(
      `INSERT INTO ${into} ${columnList(t)} FROM ${from} s WHERE NOT EXISTS (SELECT 1 FROM ${into} t WHERE ${keyJoin(t.key)})`,
    );
    t.counts.inserted += Number(inserted.rowsChanged);
    t.counts.updated += Number(updated.rowsChanged);
  }

  private async count(sql: string): Promise<number> {
    const result = await this.db.runAndReadAll(sql);
    return Number(result.getRows()[0]?.[0] ?? 0);
  }

  private async transaction(body: () => Promise<void>): Promise<void> {
    await this.db.run("BEGIN TRANSACTION");
    try {
      await body();
      await this.db.run("COMMIT");
    } catch (error) {
      await this.db.run("ROLLBACK");
      throw error;
    }
  }
}

/**
 * A page's rows as JSON text: one string a row (V8's stringify here, one parse in DuckDB) costs far less than
 * an appender call per field; the fields the table has no column for go to `_extra` too.
 */
function stage(t: Target, rows: Row[], mask: ((text: string) => string) | undefined): void {
  const text = mask ?? ((json: string) => json);
  for (const row of rows) {
    t.docs.push(text(JSON.stringify(row)));
    let extra: Row | undefined;
    for (const k in row) {
      if (t.known.has(k) || row[k] === undefined) continue;
      extra ??= {};
      extra[k] = row[k];
    }
    t.extras.push(extra ? text(JSON.stringify(extra)) : null);
  }
}

/**
 * A value its column cannot hold, as one line naming the table and column: DuckDB's message names neither,
 * but points its caret at the failing cast (`CAST(_r."created_at" AS TIMESTAMPTZ)`).
 */
export function misfit(stream: string, error: Error): Error {
  const lines = error.message.split("\n");
  if (!/^Conversion Error/.test(lines[0] ?? "")) return error;
  const at = lines.findIndex((l) => l.startsWith("LINE "));
  const caret = lines.slice(at + 1).find((l) => l.includes("^"));
  const excerpt = at >= 0 && caret !== undefined ? lines[at]!.slice(caret.indexOf("^")) : "";
  const column = /^CAST\(_r\."((?:[^"]|"")+)" AS /.exec(excerpt)?.[1]?.replaceAll('""', '"');
  const where = column === undefined ? stream : `${stream}.${column}`;
  return new TapError(
    `table ${where}: ${lines[0]!.replace(/^Conversion Error: /, "")}; nothing of this commit was written`,
    "system_error",
  );
}

function stageName(stream: string): string {
  return `_stage_${stream}`;
}

/** `(a, b) SELECT a, b`: by name, whatever order an older table's columns are in */
function columnList(t: Target): string {
  const names = t.columns.map((c) => quote(c.name)).join(", ");
  return `(${names}) SELECT ${names}`;
}

/** Each key's last version: the row of the highest `_seq`. */
function latest(t: Target, from: string): string {
  const keys = t.key.map(quote).join(", ");
  const names = t.columns.map((c) => quote(c.name)).join(", ");
  return `SELECT ${names} FROM ${from} QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY _seq DESC) = 1`;
}

function keyJoin(key: string[]): string {
  return key.map((k) => `s.${quote(k)} = t.${quote(k)}`).join(" AND ");
}

/** Creates or checks the stream's table (and stage), and its buffer with an appender. */
async function prepare(db: DuckDBConnection, selection: Selection): Promise<Target> {
  const { def } = selection;
  const columns = columnsOf(selection.schema);
  // not a report (the windows of earlier syncs stay) nor a stats snapshot (one row per sync: a history)
  const replace = isSnapshotRead(selection);
  await ensureTable(db, def.name, columns, def.primaryKey);
  if (replace) await ensureTable(db, stageName(def.name), [...columns, SEQ_COLUMN], []);
  const buffer = `_buffer_${def.name}`;
  const appender = await createBuffer(db, buffer);
  return {
    stream: def.name,
    columns,
    typed: fromDocument(columns),
    known: new Set(columns.filter((c) => c.name !== EXTRA_COLUMN).map((c) => c.name)),
    key: def.primaryKey,
    replace,
    buffer,
    appender,
    docs: [],
    extras: [],
    drained: false,
    seq: 0,
    moved: 0,
    counts: { table: def.name, inserted: 0, updated: 0, deleted: 0 },
  };
}

/**
 * An empty buffer table and its appender. A DELETE would only mark the rows deleted: an in-memory temp
 * table keeps their storage, so every row of the run would stay in memory till the end.
 */
async function createBuffer(db: DuckDBConnection, buffer: string): Promise<DuckDBAppender> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quote(buffer)} (_doc VARCHAR, _extra VARCHAR, _seq INTEGER)`);
  return db.createAppender(buffer, "main", "temp");
}

async function ensureTable(db: DuckDBConnection, table: string, columns: Column[], key: string[]) {
  const existing = await db.runAndReadAll(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $table",
    { table },
  );
  const types = new Map(existing.getRows().map(([name, type]) => [String(name), String(type)]));
  if (types.size === 0) {
    const defs = columns.map((c) => `${quote(c.name)} ${c.type}`).join(", ");
    const primary = key.length ? `, PRIMARY KEY (${key.map(quote).join(", ")})` : "";
    await db.run(`CREATE TABLE ${quote(table)} (${defs}${primary})`);
    return;
  }
  for (const c of columns) {
    const type = types.get(c.name);
    if (type === undefined) await db.run(`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(c.name)} ${c.type}`);
    else if (!sameType(type, c.type)) {
      throw new InputError(
        `table ${table} column ${c.name} is ${type}, the stream's schema needs ${c.type}: rename or drop the column (nothing was written)`,
      );
    }
  }
}

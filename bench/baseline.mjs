#!/usr/bin/env node
// The floor the tap is measured against: the same pages the tap fetches (paths, fixed params, page size,
// report windows, envelopes from the stream table in dist/streams.js), fetched with global fetch and the
// auth headers, each record written as one `{"type":"RECORD","stream":..,"record":..}` line on stdout.
// No validation, no state, no retries, no rate budget. Report rows are flattened by `sub_data` like the
// tap does, so both emit the same number of records.
//
// usage: node bench/baseline.mjs --config tap-config.json [--catalog singer-catalog.json]
import { readFileSync } from "node:fs";
import { CONFIG_SCHEMA } from "../dist/config-schema.js";
import { STREAMS } from "../dist/streams/index.js";

const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = JSON.parse(readFileSync(argOf("--config"), "utf8"));
const catalogPath = argOf("--catalog");

const base = new URL(`${(config.base_url ?? "https://api.firstpromoter.com/api/v2").replace(/\/+$/, "")}/`);
const pageSize = config.page_size ?? 100;
// the tap's own default, read from its config schema: a copy of the number drifted (8 here, 16 in the tap)
const maxInFlight = config.max_concurrency ?? CONFIG_SCHEMA.properties.max_concurrency.default;
const headers = {
  authorization: `Bearer ${config.api_key}`,
  "account-id": config.account_id,
  accept: "application/json",
};

let selected;
if (catalogPath) {
  const catalog = JSON.parse(readFileSync(catalogPath, "utf8"));
  const names = new Set(
    catalog.streams
      .filter((s) => s.metadata?.find((m) => m.breadcrumb?.length === 0)?.metadata?.selected === true)
      .map((s) => s.tap_stream_id ?? s.stream),
  );
  selected = STREAMS.filter((s) => names.has(s.name));
} else {
  selected = STREAMS.filter((s) => s.selectedByDefault);
}
if (selected.some((s) => s.read.kind === "children"))
  throw new Error("baseline: per-parent streams are not supported");

// ---- the in-flight bound (the tap's max_concurrency) ----
let active = 0;
const waiters = [];
async function getJson(path, query) {
  if (active >= maxInFlight) await new Promise((resolve) => waiters.push(resolve));
  else active++;
  try {
    const url = new URL(path, base);
    for (const [k, v] of query) url.searchParams.append(k, v);
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`GET ${url.pathname}: HTTP ${res.status}`);
    return await res.json();
  } finally {
    const next = waiters.shift();
    if (next) next();
    else active--;
  }
}

// ---- stdout with backpressure ----
function write(text) {
  if (process.stdout.write(text)) return undefined;
  return new Promise((resolve) => process.stdout.once("drain", resolve));
}

let records = 0;
async function emit(stream, rows) {
  if (rows.length === 0) return;
  const head = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  let chunk = "";
  for (const row of rows) chunk += `${head}${JSON.stringify(row)}}\n`;
  records += rows.length;
  await write(chunk);
}

function rowsOf(body, envelope) {
  if (envelope === "array") return body;
  if (envelope === "data") return body.data;
  return [body];
}

// page/per_page loop, stop on an empty or short page
async function* pages(def, extra = []) {
  const fixed = [...Object.entries(def.params ?? {}), ...extra];
  if (def.read.kind === "snapshot") {
    yield rowsOf(await getJson(def.path, fixed), def.envelope);
    return;
  }
  for (let page = 1; page < 1_000_000; page++) {
    const rows = rowsOf(
      await getJson(def.path, [...fixed, ["page", String(page)], ["per_page", String(pageSize)]]),
      def.envelope,
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
  }
}

const isoDay = (d) => d.toISOString().slice(0, 10);
const signpost = new Date();

// calendar months from start_date (default: 365 days back) to now, as the tap's reports_group_by "day"
function monthWindows() {
  const from = config.start_date
    ? new Date(config.start_date.length === 10 ? `${config.start_date}T00:00:00Z` : config.start_date)
    : new Date(signpost.getTime() - 365 * 86_400_000);
  const windows = [];
  let cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= signpost && windows.length < 1000) {
    const next = new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1));
    const last = new Date(Math.min(next.getTime() - 1, signpost.getTime()));
    windows.push({ start: isoDay(cursor), end: isoDay(last) });
    cursor = next;
  }
  return windows;
}

function flatten(rows, entityField, window) {
  const out = [];
  for (const row of rows) {
    const base = { window_start: window.start, window_end: window.end, group_by: "day" };
    if (entityField) base[entityField] = row[entityField] ?? null;
    if (entityField && Array.isArray(row.sub_data)) {
      for (const sub of row.sub_data) {
        out.push({
          ...base,
          entity_id: row.id,
          entity_data: row.data ?? null,
          id: sub.id,
          period: sub.period ?? null,
          data: sub.data ?? null,
        });
      }
    } else {
      out.push({
        ...base,
        entity_id: entityField ? row.id : "account",
        entity_data: entityField ? (row.data ?? null) : null,
        id: row.id,
        period: row.period ?? null,
        data: row.data ?? null,
      });
    }
  }
  return out;
}

async function readStream(def) {
  if (def.read.kind === "report") {
    const { report } = def.read;
    if ((config.reports_group_by ?? "day") !== "day") throw new Error("baseline: only reports_group_by day");
    for (const window of monthWindows()) {
      const query = [
        ...report.columns.map((c) => ["columns[]", c]),
        ["group_by", "day"],
        ["start_date", `${window.start}T00:00:00Z`],
        ["end_date", `${window.end}T23:59:59Z`],
      ];
      for await (const rows of pages(def, query))
        await emit(def.name, flatten(rows, report.entityField, window));
    }
    return;
  }
  // incremental streams without state: one pass from start_date (or everything)
  const extra =
    def.read.kind === "dated-list" && config.start_date
      ? [[`filters[${def.read.incremental.cursorField}][from]`, config.start_date.slice(0, 10)]]
      : [];
  for await (const rows of pages(def, extra)) await emit(def.name, rows);
}

const started = performance.now();
await Promise.all(selected.map(readStream));
process.stderr.write(
  `baseline: ${records} records from ${selected.length} streams in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
);

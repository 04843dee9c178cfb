import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { runCli, tempDir, writeJson } from "./helpers/cli.js";

/**
 * Golden output of both protocols for a tiny fixed sandbox, one stream per run so concurrency cannot reorder
 * lines. Only the clock is normalized. Update with `npx vitest run test/golden.test.ts -u` and review the diff.
 */
const STREAMS = ["promoters", "commissions", "campaigns"];

let sandbox: Sandbox;
let dir: string;
let config: string;

beforeAll(async () => {
  sandbox = await startSandbox({ size: 3, seed: 1, anchor: new Date("2026-01-15T00:00:00Z") });
  dir = tempDir();
  config = writeJson(dir, "config.json", sandbox.tapConfig({ page_size: 4, start_date: "2025-06-01" }));
});
afterAll(async () => {
  await sandbox.close();
});

function normalize(stdout: string): string {
  return stdout
    .replace(/"time_extracted":"[^"]+"/g, '"time_extracted":"<time>"')
    .replace(/"emitted_at":\d+/g, '"emitted_at":0')
    .replace(/"version":\d+/g, '"version":1');
}

describe("golden protocol output", () => {
  it.each(STREAMS)("Singer: %s", async (stream) => {
    const catalog = writeJson(dir, `singer-${stream}.json`, {
      streams: [{ tap_stream_id: stream, metadata: [{ breadcrumb: [], metadata: { selected: true } }] }],
    });
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code).toBe(0);
    await expect(normalize(run.stdout)).toMatchFileSnapshot(`golden/singer-${stream}.jsonl`);
  });

  it.each(STREAMS)("Airbyte: %s", async (stream) => {
    const discover = await runCli(["discover", "--config", config]);
    const entry = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams.find(
      (s) => s.name === stream,
    )!;
    const modes = entry.supported_sync_modes as string[];
    const catalog = writeJson(dir, `airbyte-${stream}.json`, {
      streams: [{ stream: entry, sync_mode: modes.at(-1), destination_sync_mode: "append" }],
    });
    const run = await runCli(["read", "--config", config, "--catalog", catalog, "--log-level", "warn"]);
    expect(run.code).toBe(0);
    await expect(normalize(run.stdout)).toMatchFileSnapshot(`golden/airbyte-${stream}.jsonl`);
  });
});

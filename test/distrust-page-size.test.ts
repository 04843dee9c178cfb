import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { catalogOf, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

const STREAMS = ["commissions", "promoters", "referrals", "promo_codes"] as const;

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/**
 * A server that ignores per_page (answers its default of 20 rows a page) ended every list after its first page,
 * with exit 0: 20 rows of each stream taken as the whole table. Only webhooks declare per_page in the OpenAPI.
 */
describe("a server that ignores per_page", () => {
  it("gets every record, paging by the server's size, and says so once per stream", async () => {
    sandbox = await startSandbox({ size: 60, seed: 3, ignorePerPage: true });
    const dir = tempDir();
    const config = writeJson(dir, "config.json", sandbox.tapConfig({ requests_per_minute: 100_000 }));
    const catalog = writeJson(dir, "catalog.json", catalogOf([...STREAMS]));
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code, run.stderr).toBe(0);
    const records = singerRecords(run.messages);
    for (const stream of STREAMS) {
      expect(sandbox.dataset[stream].length, stream).toBeGreaterThan(20);
      expect(new Set((records.get(stream) ?? []).map((r) => r.id)).size, stream).toBe(
        sandbox.dataset[stream].length,
      );
      const told = run.stderr.match(
        new RegExp(`WARNING ${stream}: the server answers 20 rows a page where per_page=100 was asked`, "g"),
      );
      expect(told, stream).toHaveLength(1);
    }
  }, 60_000);
});

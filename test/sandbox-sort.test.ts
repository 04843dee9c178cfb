import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { catalogOf, runCli, tempDir, writeJson } from "./helpers/cli.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("the sandbox sorts as a database does", () => {
  it("timestamps of mixed precision sort by instant, so a sorted stream's bookmark advances per page", async () => {
    sandbox = await startSandbox({ size: 200, seed: 1 });
    const dir = tempDir();
    const config = writeJson(
      dir,
      "config.json",
      sandbox.tapConfig({ requests_per_minute: 100_000, page_size: 25 }),
    );
    const catalog = writeJson(dir, "catalog.json", catalogOf(["commissions"]));
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code).toBe(0);
    // "…:35Z" after "…:35.125Z": a string sort put them the other way round and the tap (rightly) stopped
    // trusting the order
    expect(run.stderr).not.toMatch(/not sorted/);
    const times = run.messages
      .filter((m) => m.type === "RECORD")
      .map((m) => Date.parse((m.record as { created_at: string }).created_at));
    expect(times.length).toBe(sandbox.dataset.commissions.length);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    const bookmarks = new Set(
      run.messages
        .filter((m) => m.type === "STATE")
        .map((m) => JSON.stringify((m.value as { bookmarks: unknown }).bookmarks)),
    );
    expect(bookmarks.size).toBeGreaterThan(2);
  });
});

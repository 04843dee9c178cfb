import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLevel } from "../log.js";
import { airbyteCatalog } from "../protocol/airbyte-catalog.js";
import { airbyteMain } from "./airbyte-main.js";
import { withSandbox } from "./sandbox-program.js";
import { singerMain } from "./singer-main.js";

const DEMO_DB = "demo.duckdb";

/**
 * `tap-firstpromoter demo`: a full sync of every stream against an in-process sandbox, into `demo.duckdb`
 * (then a look at the tables), or as Singer / Airbyte messages on stdout.
 */
export async function demoMain(args: {
  size: number;
  airbyte: boolean;
  singer?: boolean | undefined;
  logLevel: LogLevel;
}): Promise<number> {
  return await withSandbox(async ({ startSandbox }) => {
    const sandbox = await startSandbox({ size: args.size });
    const dir = await mkdtemp(join(tmpdir(), "tap-firstpromoter-demo-"));
    // a write error on stdout ends the process with process.exit(), past this function's finally
    const removeDir = () => rmSync(dir, { recursive: true, force: true });
    process.once("exit", removeDir);
    try {
      const config = join(dir, "config.json");
      await writeFile(config, JSON.stringify(sandbox.tapConfig({ start_date: "2025-01-01" })));
      if (!args.airbyte && !args.singer) {
        const code = await singerMain({ config, to: `duckdb:${DEMO_DB}`, logLevel: args.logLevel });
        if (code !== 0) return code;
        const { demoReport } = await import("../destination/duckdb/demo-report.js");
        process.stdout.write(
          `${await demoReport(DEMO_DB)}\nloaded into ${DEMO_DB}; \`demo --singer\` prints the Singer messages instead\n`,
        );
        return 0;
      }
      if (!args.airbyte) return await singerMain({ config, logLevel: args.logLevel });
      const catalog = join(dir, "catalog.json");
      const streams = airbyteCatalog().streams.map((stream) => ({
        stream,
        sync_mode: stream.supported_sync_modes.includes("incremental") ? "incremental" : "full_refresh",
        destination_sync_mode: "append",
      }));
      await writeFile(catalog, JSON.stringify({ streams }));
      return await airbyteMain({ command: "read", config, catalog, logLevel: args.logLevel });
    } finally {
      await sandbox.close();
      process.off("exit", removeDir);
      removeDir();
    }
  });
}

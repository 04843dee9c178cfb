import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLevel } from "../log.js";
import { airbyteCatalog } from "../protocol/airbyte-catalog.js";
import { type FaultRule, parseFaultSpec } from "../sandbox/faults.js";
import { type RetryAfterStyle, startSandbox } from "../sandbox/server.js";
import { airbyteMain } from "./airbyte-main.js";
import { singerMain } from "./singer-main.js";

export interface SandboxArgs {
  port: number;
  host: string;
  size: number;
  seed: number;
  rateLimit?: number | undefined;
  retryAfter: RetryAfterStyle;
  latencyMs: number;
  drift?: boolean | undefined;
  fault?: string[] | undefined;
  faults?: string | undefined;
}

/** `tap-firstpromoter sandbox`: serve until SIGINT/SIGTERM, printing a ready-to-use tap config. */
export async function sandboxMain(args: SandboxArgs): Promise<number> {
  const faults: FaultRule[] = [
    ...(args.faults ? (JSON.parse(await readFile(args.faults, "utf8")) as FaultRule[]) : []),
    ...(args.fault ?? []).map(parseFaultSpec),
  ];
  const sandbox = await startSandbox({
    host: args.host,
    port: args.port,
    size: args.size,
    seed: args.seed,
    latencyMs: args.latencyMs,
    drift: args.drift ?? false,
    faults,
    ...(args.rateLimit ? { rateLimit: { requests: args.rateLimit, retryAfter: args.retryAfter } } : {}),
  });
  process.stderr.write(
    `INFO sandbox FirstPromoter API at ${sandbox.baseUrl}\nINFO tap config: ${JSON.stringify(sandbox.tapConfig())}\n`,
  );
  // the readiness line on stdout lets scripts wait for the port
  process.stdout.write(`${JSON.stringify({ base_url: sandbox.baseUrl, ...sandbox.tapConfig() })}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sandbox.close();
  return 0;
}

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
  const sandbox = await startSandbox({ size: args.size });
  const dir = await mkdtemp(join(tmpdir(), "tap-firstpromoter-demo-"));
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
    await rm(dir, { recursive: true, force: true });
  }
}

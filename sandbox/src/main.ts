import { readFile } from "node:fs/promises";
import { type FaultRule, parseFaultSpec } from "./faults.js";
import { type RetryAfterStyle, startSandbox } from "./server.js";

/**
 * The sandbox program's entry point: the fake FirstPromoter API, built to sandbox/dist/ and never shipped.
 * The tap reaches it only at run time (src/app/sandbox-program.ts resolves this file by path), so nothing of
 * the tap's own code depends on it.
 */
export { startSandbox } from "./server.js";

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

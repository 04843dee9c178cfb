#!/usr/bin/env node
import "./v8-flags.js";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { about } from "./app/about.js";
import type { AirbyteCommand } from "./app/airbyte-main.js";
import { LOG_LEVELS, type LogLevel } from "./log.js";
import { fatalWrite } from "./protocol/output.js";
import { VERSION } from "./version.js";

/**
 * One binary, two protocols: Singer flags (`--config`, `--discover`, `--catalog`, `--state`, `--about`)
 * and Airbyte commands (`spec`, `check`, `discover`, `read`), plus `sandbox` and `demo`.
 * Exit codes are set, never forced: process.exit() would truncate piped stdout.
 */
async function main(argv: string[]): Promise<void> {
  // each command loads only its own modules: start-up time is time before the first request
  const airbyte = (command: AirbyteCommand) => async (args: Record<string, unknown>) => {
    const { airbyteMain } = await import("./app/airbyte-main.js");
    process.exitCode = await airbyteMain({
      command,
      config: args.config as string | undefined,
      catalog: args.catalog as string | undefined,
      state: args.state as string | undefined,
      logLevel: args.debug ? "debug" : (args.logLevel as LogLevel),
    });
  };
  await yargs(argv)
    .scriptName("tap-firstpromoter")
    .usage("$0 --config config.json [--discover | --catalog catalog.json] [--state state.json]")
    .option("log-level", { choices: LOG_LEVELS, default: "info" as LogLevel, describe: "log verbosity" })
    .option("debug", { type: "boolean", hidden: true, describe: "Airbyte's --debug: log level debug" })
    .command(
      "$0",
      "Singer tap: discover a catalog or sync records to stdout",
      (y) =>
        y
          .option("config", { type: "string", describe: "config JSON file" })
          .option("discover", { type: "boolean", describe: "print the catalog and exit" })
          .option("catalog", { type: "string", describe: "catalog JSON file selecting streams and fields" })
          .option("properties", { type: "string", describe: "legacy name of --catalog" })
          .option("state", { type: "string", describe: "state JSON file from a previous sync" })
          .option("about", { type: "boolean", describe: "print name, version, capabilities and settings" })
          .option("format", { choices: ["json", "markdown", "text"] as const, default: "text" as const }),
      async (args) => {
        if (args.about) {
          process.stdout.write(about(args.format));
          return;
        }
        const { singerMain } = await import("./app/singer-main.js");
        process.exitCode = await singerMain({
          config: args.config,
          catalog: args.catalog,
          properties: args.properties,
          state: args.state,
          discover: args.discover,
          logLevel: args.logLevel,
        });
      },
    )
    .command("spec", "Airbyte: print the connector specification", {}, airbyte("spec"))
    .command(
      "check",
      "Airbyte: test the config with one API call",
      (y) => y.option("config", { type: "string", demandOption: true }),
      airbyte("check"),
    )
    .command(
      "discover",
      "Airbyte: print the catalog",
      (y) => y.option("config", { type: "string", demandOption: true }),
      airbyte("discover"),
    )
    .command(
      "read",
      "Airbyte: sync the configured catalog",
      (y) =>
        y
          .option("config", { type: "string", demandOption: true })
          .option("catalog", { type: "string", demandOption: true })
          .option("state", { type: "string" }),
      airbyte("read"),
    )
    .command(
      "sandbox",
      "Serve a local fake FirstPromoter API (for demos, tests and dry runs)",
      (y) =>
        y
          .option("port", { type: "number", default: 4010 })
          .option("host", { type: "string", default: "127.0.0.1" })
          .option("size", { type: "number", default: 20, describe: "number of promoters; the rest scales" })
          .option("seed", { type: "number", default: 1 })
          .option("rate-limit", { type: "number", describe: "requests per 60 s window before 429" })
          .option("retry-after", { choices: ["none", "seconds", "date"] as const, default: "none" as const })
          .option("latency-ms", { type: "number", default: 0 })
          .option("fault", { type: "string", array: true, describe: "kind[:count[:path]], repeatable" })
          .option("faults", { type: "string", describe: "JSON file with a list of fault rules" }),
      async (args) => {
        const { sandboxMain } = await import("./app/sandbox-main.js");
        process.exitCode = await sandboxMain(args);
      },
    )
    .command(
      "demo",
      "Sync the built-in sandbox to stdout (Singer), no credentials needed",
      (y) =>
        y
          .option("size", { type: "number", default: 5 })
          .option("airbyte", { type: "boolean", describe: "speak Airbyte instead of Singer" }),
      async (args) => {
        const { demoMain } = await import("./app/sandbox-main.js");
        process.exitCode = await demoMain({
          size: args.size,
          airbyte: args.airbyte ?? false,
          logLevel: args.logLevel,
        });
      },
    )
    .check((args) => {
      // `--state "$STATE"` with an unset variable must not silently mean "no state" (a full re-sync)
      for (const flag of ["config", "catalog", "properties", "state"]) {
        if (args[flag] === "")
          throw new UsageError(`--${flag} was given an empty file name (an unset variable?)`);
      }
      return true;
    })
    .strict()
    .version(VERSION)
    .help()
    .fail((message, error) => {
      // throwing stops yargs from running a command after a usage error
      throw error ?? new UsageError(message);
    })
    .parseAsync();
}

class UsageError extends Error {}

// a closed stderr (EPIPE) must not crash with a stack trace; there is nowhere left to say why
process.stderr.on("error", (error: NodeJS.ErrnoException) => fatalWrite("stderr", error));

main(hideBin(process.argv)).catch((error: Error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`CRITICAL ${error.message} (run with --help for usage)\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`CRITICAL unexpected error: ${error.message}\n`);
  process.exitCode = 1;
});

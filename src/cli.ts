#!/usr/bin/env node
import "./v8-flags.js";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { about } from "./app/about.js";
import type { AirbyteCommand } from "./app/airbyte-main.js";
import {
  LOG_FORMATS,
  LOG_LEVEL_NAMES,
  type LogFormat,
  type LogLevel,
  logFormatOf,
  logLevelOf,
  Redactor,
} from "./log.js";
import { fatalWrite } from "./protocol/output.js";
import { singerLogLine } from "./protocol/singer.js";
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
      config: args.config as string[] | undefined,
      catalog: args.catalog as string | undefined,
      state: args.state as string | undefined,
      logLevel: args.debug ? "debug" : (args.logLevel as LogLevel),
    });
  };
  const configOption = {
    type: "string",
    array: true,
    requiresArg: true,
    describe: "config JSON file; ENV reads TAP_FIRSTPROMOTER_* variables; repeat to merge (later wins)",
  } as const;
  await yargs(argv)
    .scriptName("tap-firstpromoter")
    .usage("$0 --config config.json [--discover | --catalog catalog.json] [--state state.json]")
    .option("log-level", {
      choices: LOG_LEVEL_NAMES,
      default: "info",
      coerce: logLevelOf,
      describe: "log verbosity on stderr (Airbyte: LOG messages); warning and critical are aliases",
    })
    .option("log-format", {
      choices: LOG_FORMATS,
      default: "text" as LogFormat,
      describe: "Singer log lines on stderr: text (time LEVEL message) or json (one object a line)",
    })
    .option("debug", { type: "boolean", describe: "same as --log-level debug (Airbyte's flag)" })
    .command(
      "$0",
      "Singer tap: discover a catalog or sync records to stdout",
      (y) =>
        y
          .option("config", configOption)
          .option("discover", { type: "boolean", describe: "print the catalog (every stream) and exit" })
          .option("catalog", {
            type: "string",
            describe:
              "catalog JSON file selecting streams and fields (default: the streams selected by default)",
          })
          .option("properties", { type: "string", describe: "legacy name of --catalog" })
          .option("state", {
            type: "string",
            describe: "state JSON file: the last STATE value of a previous sync (omit on the first run)",
          })
          .option("to", { type: "string", describe: "load into a database instead: duckdb:<file.duckdb>" })
          .option("about", { type: "boolean", describe: "print name, version, capabilities and settings" })
          .option("format", {
            choices: ["json", "markdown", "text"] as const,
            default: "text" as const,
            describe: "format of --about",
          })
          .example("$0 --config config.json --discover > catalog.json", "write the catalog of every stream")
          .example(
            "$0 --config config.json --catalog catalog.json --state state.json | target-postgres",
            "incremental sync into a Singer target",
          )
          .example(
            "$0 --config ENV --config overrides.json",
            "settings from TAP_FIRSTPROMOTER_*, then a file",
          ),
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
          to: args.to,
          logLevel: args.logLevel,
          logFormat: args.logFormat,
        });
      },
    )
    .command("spec", "Airbyte: print the connector specification (SPEC)", {}, airbyte("spec"))
    .command(
      "check",
      "Airbyte: test the config with one API call (CONNECTION_STATUS)",
      (y) => y.option("config", { ...configOption, demandOption: true }),
      airbyte("check"),
    )
    .command(
      "discover",
      "Airbyte: print the catalog (CATALOG)",
      (y) => y.option("config", { ...configOption, demandOption: true }),
      airbyte("discover"),
    )
    .command(
      "read",
      "Airbyte: sync the configured catalog (RECORD, STATE, TRACE)",
      (y) =>
        y
          .option("config", { ...configOption, demandOption: true })
          .option("catalog", { type: "string", demandOption: true, describe: "configured catalog JSON file" })
          .option("state", { type: "string", describe: "state JSON file (per-stream or legacy state)" })
          .example("$0 read --config config.json --catalog configured_catalog.json", "Airbyte read"),
      airbyte("read"),
    )
    .command(
      "sandbox",
      "Serve a local fake FirstPromoter API (for demos, tests and dry runs)",
      (y) =>
        y
          .option("port", { type: "number", default: 4010, describe: "TCP port (0: any free port)" })
          .option("host", { type: "string", default: "127.0.0.1", describe: "address to listen on" })
          .option("size", { type: "number", default: 20, describe: "number of promoters; the rest scales" })
          .option("seed", { type: "number", default: 1, describe: "random seed of the generated account" })
          .option("rate-limit", { type: "number", describe: "requests per 60 s window before 429" })
          .option("retry-after", {
            choices: ["none", "seconds", "date"] as const,
            default: "none" as const,
            describe: "Retry-After header on rate-limit 429s: none, delta seconds or an HTTP date",
          })
          .option("latency-ms", { type: "number", default: 0, describe: "delay before every answer" })
          .option("drift", { type: "boolean", describe: "undeclared fields and type drift on some rows" })
          .option("fault", {
            type: "string",
            array: true,
            describe:
              "inject failures: kind[:count[:path[:every=N,after=N,retry_after=S]]], repeatable; kinds: 429, 429-seconds, 429-date, 500, 502, 503, 504, html, reset, truncate, slow, 401",
          })
          .option("faults", { type: "string", describe: "JSON file with a list of fault rules" })
          .example("$0 sandbox --port 4010 > config.json", "serve; prints a tap config once listening"),
      async (args) => {
        // the sandbox is a separate program, found at run time (absent from the npm package and the image)
        const { withSandbox } = await import("./app/sandbox-program.js");
        process.exitCode = await withSandbox((sandbox) => sandbox.sandboxMain(args));
      },
    )
    .command(
      "demo",
      "Load the built-in sandbox into demo.duckdb and show it, no credentials needed",
      (y) =>
        y
          .option("size", { type: "number", default: 5, describe: "number of promoters in the sandbox" })
          .option("singer", { type: "boolean", describe: "print Singer messages instead" })
          .option("airbyte", { type: "boolean", describe: "print Airbyte messages instead" }),
      async (args) => {
        const { demoMain } = await import("./app/demo-main.js");
        process.exitCode = await demoMain({
          size: args.size,
          airbyte: args.airbyte ?? false,
          singer: args.singer,
          logLevel: args.logLevel,
        });
      },
    )
    .check((args) => {
      // `--state "$STATE"` with an unset variable must not silently mean "no state" (a full re-sync)
      for (const flag of ["config", "catalog", "properties", "state"]) {
        const value = args[flag];
        if (value === "" || (Array.isArray(value) && value.includes("")))
          throw new UsageError(`--${flag} was given an empty file name (an unset variable?)`);
      }
      return true;
    })
    .strict()
    .version(VERSION)
    .alias("v", "version")
    .help()
    .alias("h", "help")
    .epilogue("Docs, configuration and troubleshooting: README.md")
    .fail((message, error) => {
      // throwing stops yargs from running a command after a usage error; yargs' own errors (a flag without
      // its value) are usage errors too, not "unexpected"
      throw error && error.name !== "YError" ? error : new UsageError(message ?? error.message);
    })
    .parseAsync();
}

class UsageError extends Error {}

// a closed stderr (EPIPE) must not crash with a stack trace; there is nowhere left to say why
process.stderr.on("error", (error: NodeJS.ErrnoException) => fatalWrite("stderr", error));

/**
 * One CRITICAL line on stderr (yargs' multi-line messages joined), in the asked format; no config is loaded
 * yet, so only Bearer tokens are known to redact.
 */
function critical(message: string): void {
  const line = singerLogLine(
    "fatal",
    new Redactor([]).redact(message).replace(/\s*\n\s*/g, " "),
    {},
    logFormatOf(hideBin(process.argv)),
  );
  process.stderr.write(line);
}

/**
 * An Airbyte command ends every non-zero exit with a TRACE ERROR on stdout, a usage error included (the
 * platform reads the reason there, not on stderr).
 */
async function airbyteTrace(message: string, failureType: "config_error" | "system_error"): Promise<void> {
  const command = hideBin(process.argv).find((arg) => !arg.startsWith("-"));
  if (!command || !["spec", "check", "discover", "read"].includes(command)) return;
  const { traceError } = await import("./protocol/airbyte-messages.js");
  process.stdout.write(traceError(new Redactor([]).redact(message), failureType));
}

main(hideBin(process.argv)).catch(async (error: Error) => {
  const usage = error instanceof UsageError;
  const message = usage
    ? `${error.message} (run with --help for usage)`
    : `unexpected error: ${error.message}`;
  critical(message);
  process.exitCode = usage ? 2 : 1;
  await airbyteTrace(message.replace(/\s*\n\s*/g, " "), usage ? "config_error" : "system_error");
});

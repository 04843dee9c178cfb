import { describe, expect, it } from "vitest";
import { logLines, runCli, tempDir, writeJson } from "./helpers/cli.js";

/**
 * `--log-format json` holds for the lines that end a run before it starts: usage errors (yargs) and config,
 * catalog and state errors. One JSON object on stderr, the fields of every other JSON log line, and the exit
 * code of the text run.
 */
const dir = tempDir();
const config = writeJson(dir, "config.json", { api_key: "fp-key-9a8b7c", account_id: "acc" });
const cases: Array<[string, string[], RegExp, number]> = [
  ["unknown flag", ["--config", config, "--bogus"], /^Unknown argument: bogus/, 2],
  [
    "a flag without its value",
    ["--catalog", "x.json", "--config"],
    /^Not enough arguments following: config/,
    2,
  ],
  ["a bad --log-level", ["--config", config, "--log-level", "loud"], /^Invalid values:/, 2],
  ["Airbyte read without --catalog", ["read", "--config", config], /^Missing required argument: catalog/, 2],
  ["missing config file", ["--config", `${dir}/none.json`], /^config file .*: cannot read it/, 2],
  [
    "config that is not JSON",
    ["--config", writeJson(dir, "broken.json", '{"api_key": "fp-key-9a8b7c", ')],
    /^config file .*: not valid JSON/,
    2,
  ],
  ["config without a key", ["--config", writeJson(dir, "nokey.json", { account_id: "a" })], /api_key/, 2],
  [
    "a catalog that is not a catalog",
    ["--config", config, "--catalog", writeJson(dir, "cat.json", { streams: 3 })],
    /^catalog file .*: expected a JSON object/,
    2,
  ],
  [
    "a state that is not JSON",
    ["--config", config, "--state", writeJson(dir, "state.json", "{")],
    /^state file .*: not valid JSON/,
    2,
  ],
];

describe("errors before a run starts, in both log formats", () => {
  it.each(cases)(
    "%s",
    async (_name, args, message, code) => {
      const text = await runCli(args);
      expect(text.code, text.stderr).toBe(code);
      // an Airbyte command also says it on stdout, as a TRACE ERROR; a Singer run leaves stdout empty
      const airbyte = ["spec", "check", "discover", "read"].includes(args[0]!);
      const traces = text.stdout
        ? text.stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
        : [];
      expect(traces.map((m) => `${m.type} ${m.trace?.type}`)).toEqual(airbyte ? ["TRACE ERROR"] : []);
      const [line, ...rest] = logLines(text.stderr);
      expect(rest).toEqual([]);
      expect(line).toMatch(/^CRITICAL /);
      expect(line!.slice("CRITICAL ".length)).toMatch(message);

      const json = await runCli([...args, "--log-format", "json"]);
      expect(json.code, json.stderr).toBe(code);
      expect(json.stdout.trim() ? json.stdout.trim().split("\n").length : 0).toBe(traces.length);
      const lines = json.stderr.trim().split("\n");
      expect(lines, json.stderr).toHaveLength(1);
      const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(["time", "level", "message", "stream", "fields"]);
      expect(Number.isNaN(Date.parse(parsed.time as string))).toBe(false);
      expect(parsed).toMatchObject({ level: "CRITICAL", stream: null, fields: {} });
      expect(parsed.message).toMatch(message);
    },
    30_000,
  );

  it("reads --log-format=json written with an equals sign", async () => {
    const run = await runCli(["--bogus", "--log-format=json"]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toMatchObject({
      level: "CRITICAL",
      message: expect.stringMatching(/bogus/),
    });
  });
});

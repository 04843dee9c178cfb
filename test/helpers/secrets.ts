import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { SANDBOX_API_KEY } from "../../sandbox/src/server.js";

/**
 * The suite-wide secret scan (issue 14): no CLI output a test captures (stdout, stderr, so STATE too) may
 * hold the configured api_key or a promoter's `password_setup_url`. `runCli` and `spawnCli` scan every run;
 * tests capturing output another way call `expectNoSecrets` themselves.
 */

/**
 * The shape of a `password_setup_url` value (the sandbox's `…/password/setup?token=<32 alnum>`, and the live
 * API's): found by shape, so every sandbox's values are covered without the scan knowing the sandbox.
 */
const PASSWORD_SETUP = /password\/setup\?token=[A-Za-z0-9]{8,}/;

/** Shorter values are ordinary words (the logger only masks them as a whole Bearer token). */
const MIN_SECRET = 4;

/** Values tests plant on purpose (a hostile server's credential), registered for every later scan. */
const planted = new Set<string>();

export function registerSecret(value: string): void {
  planted.add(value);
}

/**
 * The api_key values a CLI run was given: each `--config` file's (parsed, or picked out of a file that is not
 * valid JSON), `TAP_FIRSTPROMOTER_API_KEY` for `--config ENV`, and the sandbox's default key.
 */
export function secretsOfRun(args: readonly string[], cwd?: string, env = process.env): string[] {
  const secrets = new Set<string>([SANDBOX_API_KEY, ...planted]);
  if (env.TAP_FIRSTPROMOTER_API_KEY) secrets.add(env.TAP_FIRSTPROMOTER_API_KEY);
  args.forEach((arg, i) => {
    const file = arg === "--config" ? args[i + 1] : arg.startsWith("--config=") ? arg.slice(9) : undefined;
    if (!file || file === "ENV") return;
    for (const key of apiKeysIn(isAbsolute(file) || !cwd ? file : resolve(cwd, file))) secrets.add(key);
  });
  return [...secrets].filter((s) => s.length >= MIN_SECRET);
}

function apiKeysIn(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  try {
    const value = (JSON.parse(text) as { api_key?: unknown }).api_key;
    return typeof value === "string" ? [value] : [];
  } catch {
    // a broken file still holds the key the tap must not echo
    return [...text.matchAll(/"api_key"\s*:\s*"?([^",}\s]+)/g)].map((m) => m[1]!);
  }
}

/** Where each secret shows up: `stderr: api_key "…"`; empty when the outputs are clean. */
export function secretLeaks(outputs: Record<string, string>, secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const [name, text] of Object.entries(outputs)) {
    for (const secret of secrets) {
      if (text.includes(secret))
        leaks.push(`${name}: secret ${JSON.stringify(secret)} ${around(text, secret)}`);
    }
    const url = PASSWORD_SETUP.exec(text);
    if (url) leaks.push(`${name}: a password_setup_url value ${around(text, url[0])}`);
  }
  return leaks;
}

function around(text: string, found: string): string {
  const at = text.indexOf(found);
  return `in …${text.slice(Math.max(0, at - 60), at + found.length + 20)}…`;
}

/** Throws when a run's outputs hold a secret of the run. */
export function expectNoSecrets(
  outputs: Record<string, string>,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; secrets?: readonly string[] } = {},
): void {
  const secrets = [...secretsOfRun(args, options.cwd, options.env), ...(options.secrets ?? [])];
  const leaks = secretLeaks(outputs, secrets);
  if (leaks.length) throw new SecretLeak(`tap-firstpromoter ${args.join(" ")} leaked:\n${leaks.join("\n")}`);
}

export class SecretLeak extends Error {
  override name = "SecretLeak";
}

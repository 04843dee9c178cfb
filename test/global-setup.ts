import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Newest modification time under a folder (0 when it does not exist). */
function newest(dir: string): number {
  let max = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
  } catch {}
  return max;
}

/**
 * End-to-end tests run the built CLI (dist/ and sandbox/dist/), as users do: when src/, sandbox/src/ or schemas/
 * changed since the last build (`npx vitest run` without `npm run build`), build first instead of testing stale
 * code.
 * One temporary root for the whole run: every `tempDir()` of every test file is made inside it (the workers
 * inherit the variable), and it is removed when the run ends, passed or failed.
 */
export default function setup(): () => void {
  // the older of the two programs' builds: the tap (dist/) and the sandbox (sandbox/dist/)
  let built = 0;
  try {
    built = Math.min(
      statSync(join(ROOT, "dist", "cli.js")).mtimeMs,
      statSync(join(ROOT, "sandbox", "dist", "main.js")).mtimeMs,
    );
  } catch {}
  const sources = ["src", "sandbox/src", "schemas"].map((dir) => newest(join(ROOT, dir)));
  if (Math.max(...sources) > built) {
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  }
  const root = mkdtempSync(join(tmpdir(), "tap-fp-tests-"));
  process.env.TAP_FP_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}

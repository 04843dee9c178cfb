import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * One temporary root for the whole run: every `tempDir()` of every test file is made inside it (the workers
 * inherit the variable), and it is removed when the run ends, passed or failed.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "tap-fp-tests-"));
  process.env.TAP_FP_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}

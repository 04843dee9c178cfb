import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layering rules of src/, checked over the real import graph (static imports, `export … from` and dynamic
 * `import()`): the HTTP core knows no stream, the engine knows no protocol, protocols know no command, and the
 * product never loads the sandbox except through its own command.
 */
const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Which layers each layer may import. `core` is src/*.ts (config, log, errors, stream table, …). */
const ALLOWED: Record<string, readonly string[]> = {
  core: ["core", "generated"],
  http: ["core", "http"],
  engine: ["core", "generated", "http", "engine"],
  protocol: ["core", "generated", "engine", "protocol"],
  destination: ["core", "generated", "engine", "protocol", "destination"],
  app: ["core", "generated", "http", "engine", "protocol", "destination", "app"],
  cli: ["core", "app", "protocol"],
  sandbox: ["generated", "sandbox"],
  generated: ["generated"],
};
/** The one file of the product that starts the sandbox (`tap-firstpromoter sandbox` and `demo`). */
const SANDBOX_GATE = "app/sandbox-main.ts";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  if (rel === "cli.ts") return "cli";
  return rel.includes("/") ? rel.split("/")[0]! : "core";
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.[^"]+)"/g)].map((m) => m[1]!);
  return specs.map((spec) => resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
}

const edges = sources(SRC).flatMap((file) => importsOf(file).map((target) => ({ file, target })));

describe("import boundaries", () => {
  it("reads the graph", () => {
    expect(edges.length).toBeGreaterThan(50);
  });

  it("each layer imports only the layers below it", () => {
    const violations = edges
      .filter(({ file, target }) => {
        const from = layerOf(file);
        const to = layerOf(target);
        if (to === "sandbox" && relative(SRC, file) === SANDBOX_GATE) return false;
        return !(ALLOWED[from] ?? []).includes(to);
      })
      .map(({ file, target }) => `${relative(SRC, file)} -> ${relative(SRC, target)}`);
    expect(violations).toEqual([]);
  });

  it("every layer in src/ has a rule", () => {
    const layers = new Set(sources(SRC).map(layerOf));
    for (const layer of layers) expect(Object.keys(ALLOWED), layer).toContain(layer);
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layering rules of src/ and sandbox/src/, checked over the real import graph (static imports,
 * `export … from` and dynamic `import()`): the HTTP core knows no stream, the engine knows no protocol,
 * protocols know no command, no file of the tap imports the sandbox (a separate program that
 * src/app/sandbox-program.ts finds by path at run time), and the sandbox uses nothing of the tap but its
 * generated record types.
 */
const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const SANDBOX = fileURLToPath(new URL("../sandbox/src/", import.meta.url));

/**
 * Which layers each layer may import. `core` is src/*.ts (config, log, errors, …); `streams` is the stream table
 * with the facts derived from it (replication keys, schemas), which the engine reads and protocols describe.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: ["core", "generated"],
  streams: ["core", "generated", "streams"],
  http: ["core", "http"],
  engine: ["core", "generated", "streams", "http", "engine"],
  protocol: ["core", "generated", "streams", "engine", "protocol"],
  destination: ["core", "generated", "streams", "engine", "protocol", "destination"],
  app: ["core", "generated", "streams", "http", "engine", "protocol", "destination", "app"],
  cli: ["core", "app", "protocol"],
  sandbox: ["generated", "sandbox"],
  generated: ["generated"],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function layerOf(file: string): string {
  if (!relative(SANDBOX, file).startsWith("..")) return "sandbox";
  const rel = relative(SRC, file);
  if (rel.startsWith("..")) return "outside";
  if (rel === "cli.ts") return "cli";
  return rel.includes("/") ? rel.split("/")[0]! : "core";
}

interface Edge {
  file: string;
  target: string;
  /** `import type` / `export type`: erased at build, no run-time dependency */
  typeOnly: boolean;
}

/** Relative imports of a file's text; `.js` specifiers name the `.ts` (or generated `.d.ts`) source. */
function importsOf(file: string, text = readFileSync(file, "utf8")): Edge[] {
  const pattern = /(?:(?:import|export)(\s+type)?\s[^;"]*?from\s+|import\s*\(\s*|import\s+)"(\.[^"]+)"/g;
  return [...text.matchAll(pattern)].map((m) => {
    const ts = resolve(dirname(file), m[2]!.replace(/\.js$/, ".ts"));
    const dts = ts.replace(/\.ts$/, ".d.ts");
    return { file, target: existsSync(ts) || !existsSync(dts) ? ts : dts, typeOnly: m[1] !== undefined };
  });
}

function violations(edges: readonly Edge[]): string[] {
  return edges
    .filter(({ file, target, typeOnly }) => {
      const from = layerOf(file);
      const to = layerOf(target);
      // the sandbox runs from sandbox/dist/ alone: what it takes from the tap must be erased at build
      if (from === "sandbox" && to !== "sandbox" && !typeOnly) return true;
      return !(ALLOWED[from] ?? []).includes(to);
    })
    .map(({ file, target }) => `${name(file)} -> ${name(target)}`);
}

const name = (file: string) => relative(join(SRC, ".."), file);
const edges = [...sources(SRC), ...sources(SANDBOX)].flatMap((file) => importsOf(file));

describe("import boundaries", () => {
  it("reads the graph", () => {
    expect(edges.length).toBeGreaterThan(50);
  });

  it("each layer imports only the layers below it", () => {
    expect(violations(edges)).toEqual([]);
  });

  it("reads the sandbox's files and their imports of the generated record types", () => {
    expect(edges.filter((e) => layerOf(e.file) === "sandbox").length).toBeGreaterThan(20);
    const typed = edges.filter((e) => layerOf(e.file) === "sandbox" && layerOf(e.target) === "generated");
    expect(typed.length).toBeGreaterThan(0);
    expect(typed.every((e) => e.typeOnly && e.target.endsWith("records.d.ts"))).toBe(true);
  });

  it("fails when any file of the tap imports the sandbox, statically or not", () => {
    const app = join(SRC, "app", "demo-main.ts");
    const engine = join(SRC, "engine", "sync.ts");
    const imports = [
      ...importsOf(app, 'import { startSandbox } from "../../sandbox/src/server.js";'),
      ...importsOf(engine, 'const m = await import("../../sandbox/src/faults.js");'),
      ...importsOf(app, 'export type { Sandbox } from "../../sandbox/src/server.js";'),
    ];
    expect(violations(imports)).toEqual([
      "src/app/demo-main.ts -> sandbox/src/server.ts",
      "src/engine/sync.ts -> sandbox/src/faults.ts",
      "src/app/demo-main.ts -> sandbox/src/server.ts",
    ]);
  });

  it("fails when the engine imports a protocol or a command, types included", () => {
    const state = join(SRC, "engine", "state.ts");
    const imports = [
      ...importsOf(state, 'import { parseSingerState } from "../protocol/singer-state.js";'),
      ...importsOf(state, 'import type { Bookmarks } from "../protocol/airbyte-state.js";'),
      ...importsOf(state, 'const { read } = await import("../app/read.js");'),
      ...importsOf(state, 'export { loadConfig } from "../config.js";'),
    ];
    expect(violations(imports)).toEqual([
      "src/engine/state.ts -> src/protocol/singer-state.ts",
      "src/engine/state.ts -> src/protocol/airbyte-state.ts",
      "src/engine/state.ts -> src/app/read.ts",
    ]);
  });

  it("no file of src/engine/ imports src/protocol/ or src/app/", () => {
    const engine = edges.filter((e) => layerOf(e.file) === "engine");
    expect(engine.length).toBeGreaterThan(10);
    expect(
      engine.filter((e) => ["protocol", "app"].includes(layerOf(e.target))).map((e) => name(e.target)),
    ).toEqual([]);
  });

  it("fails when the sandbox takes run-time code from the tap", () => {
    const builders = join(SANDBOX, "builders.ts");
    const imports = [
      ...importsOf(builders, 'import { isoDate } from "../../src/dates.js";'),
      ...importsOf(builders, 'import { STREAMS } from "../../src/generated/records.js";'),
      ...importsOf(builders, 'import type { PromotersRecord } from "../../src/generated/records.js";'),
    ];
    expect(violations(imports)).toEqual([
      "sandbox/src/builders.ts -> src/dates.ts",
      "sandbox/src/builders.ts -> src/generated/records.d.ts",
    ]);
  });

  it("every layer in src/ has a rule", () => {
    const layers = new Set([...sources(SRC), ...sources(SANDBOX)].map(layerOf));
    for (const layer of layers) expect(Object.keys(ALLOWED), layer).toContain(layer);
  });
});

#!/usr/bin/env node
// Prints the import graph between folders of src/ and sandbox/src/ (static imports, `export … from`,
// dynamic `import()`), one line per edge with the number of imports: `node scripts/import-graph.mjs`.
// src/*.ts files are the folder "core" (as in test/import-boundaries.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

function folderOf(file) {
  const rel = relative(ROOT, file);
  if (rel.startsWith("sandbox/")) return "sandbox";
  const inSrc = rel.slice("src/".length);
  if (inSrc === "cli.ts") return "cli";
  return inSrc.includes("/") ? inSrc.split("/")[0] : "core";
}

const counts = new Map();
for (const file of [...sources(join(ROOT, "src")), ...sources(join(ROOT, "sandbox", "src"))]) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.[^"]+)"/g)) {
    const from = folderOf(file);
    const to = folderOf(resolve(dirname(file), m[1]));
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}
for (const [edge, n] of [...counts].sort()) console.log(`${edge.padEnd(26)} ${n}`);

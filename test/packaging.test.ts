import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CAPABILITIES } from "../src/app/about.js";
import { CONFIG_SCHEMA } from "../src/config-schema.js";
import { tempDir } from "./helpers/cli.js";

/**
 * Packaging: the Docker image definition (checked as text: no Docker daemon here), the Airbyte entrypoint
 * script, the Airbyte metadata.yaml, the Meltano plugin definition and the npm tarball (packed, installed
 * without the registry into an empty project and run through its bin).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA.properties);
const exec = promisify(execFile);

type Yaml = Record<string, unknown>;

function readYaml(path: string): Yaml {
  return parseYaml(readFileSync(join(ROOT, path), "utf8")) as Yaml;
}

interface Instruction {
  keyword: string;
  args: string;
  /** WORKDIR in effect when the instruction runs */
  workdir: string;
}

/** Dockerfile stages: comments dropped, `\` continuations joined, WORKDIR tracked per instruction. */
function dockerStages(text: string): Instruction[][] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Instruction[][] = [];
  let workdir = "/";
  for (const line of lines) {
    const match = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === "FROM") {
      stages.push([]);
      workdir = "/";
    }
    if (keyword === "WORKDIR") workdir = posix.resolve(workdir, args);
    stages.at(-1)?.push({ keyword, args, workdir });
  }
  return stages;
}

/** `K=V K2="V 2"` pairs (ENV and LABEL), or the legacy `ENV K V` form. */
function keyValues(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[^\s=]+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    out[key!] = rest.join(" ");
    return out;
  }
  for (const m of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}

function all(stage: Instruction[], keyword: string): Instruction[] {
  return stage.filter((i) => i.keyword === keyword);
}

function merged(stage: Instruction[], keyword: string): Record<string, string> {
  return Object.assign({}, ...all(stage, keyword).map((i) => keyValues(i.args)));
}

/** The environment of npm subprocesses: drop npm_* variables of an enclosing `npm test` (prefix, call, …). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig"]);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith("npm_") && !keep.has(key.toLowerCase())) continue;
    if (key === "INIT_CWD") continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: "false" };
}

describe("Dockerfile", () => {
  const stages = dockerStages(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
  const runtime = stages.at(-1)!;

  it("builds in a node:20 bookworm-slim stage pinned by version and runs from the same image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const base = /^(node:20\.\d+\.\d+-bookworm-slim)\s+AS\s+\w+/i.exec(stages[0]![0]!.args);
    expect(base).not.toBeNull();
    const build = stages[0]!.map((i) => i.args).join("\n");
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build\b/);
    expect(build).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
    expect(runtime[0]!.args.split(/\s+/)[0]).toBe(base![1]);
  });

  it("copies only dist/, schemas/, package.json, production node_modules and the entrypoint", () => {
    const copied = all(runtime, "COPY").map((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      return posix.resolve(i.workdir, parts.at(-1)!).replace(/\/$/, "");
    });
    expect(copied.sort()).toEqual(
      [
        "/app/bin/airbyte-entrypoint.sh",
        "/app/dist",
        "/app/node_modules",
        "/app/package.json",
        "/app/schemas",
      ].sort(),
    );
    for (const i of all(runtime, "COPY").filter((c) => !c.args.includes("airbyte-entrypoint.sh"))) {
      expect(i.args).toMatch(/--from=/);
    }
  });

  it("runs as user airbyte in /airbyte with ENTRYPOINT equal to AIRBYTE_ENTRYPOINT (absolute)", () => {
    expect(all(runtime, "USER").at(-1)?.args).toBe("airbyte");
    expect(all(runtime, "WORKDIR").at(-1)?.workdir).toBe("/airbyte");
    const run = all(runtime, "RUN")
      .map((i) => i.args)
      .join("\n");
    expect(run).toMatch(/useradd\b[^\n]*--uid 1000 --gid 1000\b[^\n]*\bairbyte\b/);
    expect(run).toMatch(/chown\s+airbyte(:airbyte)?\s+\/airbyte\b/);

    const entrypoints = all(runtime, "ENTRYPOINT");
    expect(entrypoints).toHaveLength(1);
    const entrypoint = JSON.parse(entrypoints[0]!.args) as unknown;
    expect(Array.isArray(entrypoint)).toBe(true);
    const argv = entrypoint as string[];
    expect(argv.every((a) => typeof a === "string")).toBe(true);
    const env = merged(runtime, "ENV");
    expect(env.AIRBYTE_ENTRYPOINT).toBe(argv.join(" "));
    expect(argv[0]).toMatch(/^\//);
    expect(argv[0]).toBe("/app/bin/airbyte-entrypoint.sh");
  });

  it("labels the image with io.airbyte.name and io.airbyte.version = package.json version", () => {
    const labels = merged(runtime, "LABEL");
    expect(labels["io.airbyte.name"]).toBe("tap-firstpromoter/source-firstpromoter");
    expect(labels["io.airbyte.version"]).toBe(PKG.version);
  });

  it(".dockerignore keeps node_modules, dist and the sandbox out of the build context", () => {
    const patterns = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\//, "").replace(/\/$/, ""));
    expect(patterns).toContain("node_modules");
    expect(patterns).toContain("dist");
    expect(patterns).toContain("sandbox");
  });

  it("builds only the tap: no stage copies or builds the sandbox", () => {
    for (const stage of stages) {
      for (const i of stage.filter((x) => x.keyword === "COPY" || x.keyword === "RUN")) {
        expect(i.args, i.args).not.toMatch(/sandbox/);
        if (i.keyword === "RUN" && /npm run build/.test(i.args))
          expect(i.args).toMatch(/npm run build:tap\b/);
      }
    }
  });
});

describe("bin/airbyte-entrypoint.sh", () => {
  const script = join(ROOT, "bin", "airbyte-entrypoint.sh");

  it("is an executable POSIX sh script", () => {
    expect(statSync(script).mode & 0o111).not.toBe(0);
    expect(readFileSync(script, "utf8").split("\n")[0]).toBe("#!/bin/sh");
  });

  it("spec prints one SPEC message with api_key marked airbyte_secret, exit 0", async () => {
    // Run from another directory, as the platform may: the script must not depend on the cwd.
    const { stdout } = await exec(script, ["spec"], {
      cwd: tempDir(),
      env: { ...process.env, TAP_FIRSTPROMOTER_HOME: ROOT },
      timeout: 30_000,
    });
    const lines = stdout.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    const message = JSON.parse(lines[0]!) as {
      type: string;
      spec: { connectionSpecification: { properties: Record<string, { airbyte_secret?: boolean }> } };
    };
    expect(message.type).toBe("SPEC");
    expect(message.spec.connectionSpecification.properties.api_key!.airbyte_secret).toBe(true);
  });
});

describe("metadata.yaml", () => {
  const metadata = readYaml("metadata.yaml");
  const data = metadata.data as Yaml;

  it("has the required ConnectorMetadataDefinitionV0 keys", () => {
    expect(metadata.metadataSpecVersion).toBe("1.0");
    for (const key of [
      "name",
      "definitionId",
      "connectorType",
      "dockerRepository",
      "dockerImageTag",
      "license",
      "documentationUrl",
      "githubIssueLabel",
      "connectorSubtype",
      "releaseStage",
    ]) {
      expect(data[key], key).toBeTruthy();
    }
    expect(data.definitionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(data.connectorType).toBe("source");
    expect(data.connectorSubtype).toBe("api");
    expect(data.dockerRepository).toBe("tap-firstpromoter/source-firstpromoter");
    expect(data.supportLevel).toBe("community");
    expect(data.tags).toContain("language:typescript");
    expect(data.maxSecondsBetweenMessages).toBeTypeOf("number");
    expect((data.allowedHosts as { hosts: string[] }).hosts).toEqual(
      expect.arrayContaining(["api.firstpromoter.com", "v2.firstpromoter.com"]),
    );
  });

  it("dockerImageTag equals package.json's version", () => {
    expect(String(data.dockerImageTag)).toBe(PKG.version);
  });
});

describe("Meltano", () => {
  const KIND_OF_TYPE: Record<string, string> = { integer: "integer", number: "decimal", string: "string" };

  function expectedKind(key: string): string {
    const spec = CONFIG_SCHEMA.properties[key as keyof typeof CONFIG_SCHEMA.properties] as {
      type: string;
      enum?: readonly string[];
      airbyte_secret?: boolean;
    };
    if (spec.airbyte_secret) return "password";
    if (spec.enum) return "options";
    if (key === "start_date") return "date_iso8601";
    return KIND_OF_TYPE[spec.type]!;
  }

  type Setting = { name: string; kind: string; sensitive?: boolean; label?: string; description?: string };

  it("the Hub plugin definition mirrors the config schema", () => {
    const plugin = readYaml("meltano/tap-firstpromoter.yml");
    expect(plugin.name).toBe(PKG.name);
    expect(plugin.namespace).toBe("tap_firstpromoter");
    expect(plugin.executable).toBe("tap-firstpromoter");
    expect(plugin.quality).toBe("unknown");
    expect(plugin.capabilities).toEqual(CAPABILITIES);
    expect(plugin.settings_group_validation).toEqual([[...CONFIG_SCHEMA.required]]);
    const settings = plugin.settings as Setting[];
    expect(settings.map((s) => s.name)).toEqual(CONFIG_KEYS);
    for (const s of settings) {
      expect(s.kind, s.name).toBe(expectedKind(s.name));
      expect(s.label, s.name).toBeTruthy();
      expect(s.description, s.name).toBeTruthy();
    }
    const apiKey = settings.find((s) => s.name === "api_key")!;
    expect(apiKey.sensitive).toBe(true);
    const groupBy = settings.find((s) => s.name === "reports_group_by") as Setting & {
      options: Array<{ value: string }>;
    };
    expect(groupBy.options.map((o) => o.value)).toEqual([...CONFIG_SCHEMA.properties.reports_group_by.enum]);
  });

  it("the example project uses it as a custom extractor with env-var secrets and target-jsonl", () => {
    const project = readYaml("meltano/meltano.example.yml");
    const plugins = project.plugins as { extractors: Yaml[]; loaders: Yaml[] };
    const tap = plugins.extractors.find((e) => e.name === PKG.name)!;
    expect(tap.namespace).toBe("tap_firstpromoter");
    expect(tap.executable).toMatch(/tap-firstpromoter$/);
    expect(tap.capabilities).toEqual(CAPABILITIES);
    const settings = tap.settings as Setting[];
    expect(settings.map((s) => s.name)).toEqual(CONFIG_KEYS);
    expect(settings.find((s) => s.name === "api_key")!.sensitive).toBe(true);
    const config = tap.config as Record<string, unknown>;
    expect(config.api_key).toBe("$TAP_FIRSTPROMOTER_API_KEY");
    for (const key of Object.keys(config)) expect(CONFIG_KEYS).toContain(key);
    expect((tap.select as string[]).length).toBeGreaterThan(0);
    expect(plugins.loaders.map((l) => l.name)).toContain("target-jsonl");
  });
});

describe("npm tarball", () => {
  it("packs only what runs, installs beside its production dependencies and runs its bin", {
    timeout: 120_000,
  }, async () => {
    // `npm test` builds first. --ignore-scripts: `prepare` would rebuild dist/ while other test files run it.
    expect(existsSync(join(ROOT, "dist", "cli.js"))).toBe(true);
    const env = npmEnv();
    const dir = tempDir();
    const packed = await exec(
      "npm",
      ["pack", "--pack-destination", dir, "--ignore-scripts", "--json", "--loglevel=error"],
      { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 },
    );
    const [pack] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = pack!.files.map((f) => f.path);
    expect(files).toContain("dist/cli.js");
    expect(files).toContain("package.json");
    expect(files).toContain("LICENSE");
    const schemas = readdirSync(join(ROOT, "schemas")).filter((f) => f.endsWith(".json"));
    expect(schemas.length).toBeGreaterThan(0);
    for (const schema of schemas) expect(files).toContain(`schemas/${schema}`);
    expect(files.filter((f) => /^(src|test)\//.test(f) || f.endsWith(".d.ts"))).toEqual([]);
    expect(files).not.toContain("catalog.sample.json");
    // the sandbox is a separate program (sandbox/, for tests and demos): none of it, built or not, ships
    expect(files.filter((f) => /(^|\/)sandbox\//.test(f))).toEqual([]);
    // the generated record types are compile-time only
    expect(
      files.filter((f) => f.startsWith("dist/generated/") && f !== "dist/generated/validators.js"),
    ).toEqual([]);

    // Installed as npm lays a package out, without the registry: a fresh machine has no metadata in its npm
    // cache and tests have no network. The tarball is unpacked into node_modules/, its bin linked, and the
    // production dependency tree (`npm ls --omit=dev`: a missing `dependencies` entry fails here) linked in.
    const app = join(dir, "app");
    const modules = join(app, "node_modules");
    const installed = join(modules, PKG.name);
    mkdirSync(installed, { recursive: true });
    await exec("tar", ["-xzf", join(dir, pack!.filename), "-C", installed, "--strip-components=1"]);
    const { stdout: tree } = await exec("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
      cwd: ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    const top = join(ROOT, "node_modules");
    for (const path of tree.split("\n").filter((p) => p.startsWith(`${top}/`))) {
      const name = path.slice(top.length + 1);
      if (name.includes("/node_modules/")) continue; // nested: comes with its parent's link
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(path, join(modules, name), "dir");
    }
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    const bin = join(modules, ".bin", PKG.name);
    mkdirSync(dirname(bin), { recursive: true });
    symlinkSync(join(installed, manifest.bin[PKG.name]!), bin);

    const { stdout } = await exec(bin, ["--about", "--format", "json"], { cwd: app, env });
    const about = JSON.parse(stdout) as { name: string; version: string; capabilities: string[] };
    expect(about.name).toBe("tap-firstpromoter");
    expect(about.version).toBe(PKG.version);
    expect(about.capabilities).toContain("state");
    // a real sync from the installed copy: its schemas and validators resolve from inside the package
    const { stdout: catalog } = await exec(bin, ["spec"], { cwd: app, env });
    expect(JSON.parse(catalog).type).toBe("SPEC");
    // no sandbox code inside any shipped file, and `sandbox` says in one line that it is not installed
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      expect(readFileSync(join(installed, file), "utf8"), file).not.toMatch(
        /function startSandbox|generateDataset/,
      );
    }
    const missing = await exec(bin, ["sandbox", "--port", "0"], { cwd: app, env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect("code" in missing ? missing.code : 0).toBe(1);
    expect(missing.stdout).toBe("");
    const lines = missing.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/CRITICAL the sandbox is not part of this installation/);
  });
});

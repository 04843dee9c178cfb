import { CONFIG_SCHEMA } from "../config-schema.js";
import { NAME, VERSION } from "../version.js";

export const CAPABILITIES = ["about", "catalog", "discover", "properties", "state"];

const DESCRIPTION = "Singer tap and Airbyte source for FirstPromoter (REST API v2)";

/** `--about`: singer-sdk's JSON shape, or Markdown with a settings table. */
export function about(format: "json" | "markdown" | "text"): string {
  if (format === "json") {
    return `${JSON.stringify(
      {
        name: NAME,
        description: DESCRIPTION,
        version: VERSION,
        capabilities: CAPABILITIES,
        settings: CONFIG_SCHEMA,
      },
      null,
      2,
    )}\n`;
  }
  const required = new Set<string>(CONFIG_SCHEMA.required);
  const rows = Object.entries(CONFIG_SCHEMA.properties).map(([key, spec]) => {
    const fallback = "default" in spec ? `\`${String(spec.default)}\`` : "";
    return `| ${key} | ${required.has(key) ? "yes" : "no"} | ${fallback} | ${spec.description} |`;
  });
  if (format === "text") {
    return `${NAME} ${VERSION}: ${DESCRIPTION}\nCapabilities: ${CAPABILITIES.join(", ")}\nSettings: ${Object.keys(CONFIG_SCHEMA.properties).join(", ")}\n`;
  }
  return [
    `# \`${NAME}\``,
    "",
    DESCRIPTION,
    "",
    `Version: ${VERSION}`,
    "",
    "## Capabilities",
    "",
    ...CAPABILITIES.map((c) => `* \`${c}\``),
    "",
    "## Settings",
    "",
    "| Setting | Required | Default | Description |",
    "|:--------|:--------:|:-------:|:------------|",
    ...rows,
    "",
  ].join("\n");
}

import { createRequire } from "node:module";
import type { Ajv, CodeOptions, ErrorObject } from "ajv";
import type { FormatsPlugin } from "ajv-formats";

// ajv and ajv-formats are CommonJS and loaded on first use: a normal run validates with the code compiled at
// build time (src/generated/validators.js) and never needs the compiler.
const require = createRequire(import.meta.url);

/**
 * One ajv instance per purpose; schemas are compiled once and reused for every record. The shipped schemas
 * are compiled at build time (`scripts/generate.mjs` passes `code` to emit standalone modules); at run time
 * ajv compiles only a schema that a catalog changed.
 */
export function createAjv(code?: CodeOptions): Ajv {
  const { Ajv } = require("ajv") as typeof import("ajv");
  const addFormats = (require("ajv-formats") as { default: FormatsPlugin }).default;
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: true, ...(code ? { code } : {}) });
  // "fast" formats: the regex-only checks; full calendar validation cost ~1 us per timestamp per record
  addFormats(ajv, { mode: "fast", formats: ["date-time", "date", "uri", "email"] });
  return ajv;
}

/** "start_date must match pattern ..." style text for the first ajv error. */
export function describeAjvError(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replaceAll("/", ".") : "";
  switch (error.keyword) {
    case "required":
      return `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`;
    case "additionalProperties":
      return `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case "pattern":
      return `"${where}" has an invalid format`;
    default:
      return `"${where}" ${error.message ?? "is invalid"}`;
  }
}

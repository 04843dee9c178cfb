import { Ajv, type ErrorObject } from "ajv";
import addFormatsPlugin from "ajv-formats";

// ajv-formats is CommonJS: under NodeNext the default import is module.exports, whose `.default` is the plugin.
const addFormats = addFormatsPlugin.default;

/** One ajv instance per purpose; schemas are compiled once and reused for every record. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: true });
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

import { CONFIG_SCHEMA } from "../config-schema.js";

export const DOCS_URL = "https://github.com/tap-firstpromoter/tap-firstpromoter#readme";

/**
 * The SPEC's connectionSpecification: the config schema as it is. No `format: date` on start_date for the date
 * picker it would render: the platform (and the acceptance tests' config-versus-spec check) validates configs
 * against the SPEC, and a date-time start_date, which the tap accepts and the pattern allows, would fail it.
 */
export function airbyteSpec(): Record<string, unknown> {
  return { documentationUrl: DOCS_URL, connectionSpecification: CONFIG_SCHEMA };
}

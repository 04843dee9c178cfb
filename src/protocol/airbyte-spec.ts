import { CONFIG_SCHEMA } from "../config-schema.js";

export const DOCS_URL = "https://github.com/tap-firstpromoter/tap-firstpromoter#readme";

/**
 * The SPEC's connectionSpecification: the config schema plus Airbyte's UI hints. `format: date` is a hint
 * only here (it renders a date picker): the tap itself also accepts a date-time, which ajv's `date` would reject.
 */
export function airbyteSpec(): Record<string, unknown> {
  const properties = {
    ...CONFIG_SCHEMA.properties,
    start_date: { ...CONFIG_SCHEMA.properties.start_date, format: "date" },
  };
  return { documentationUrl: DOCS_URL, connectionSpecification: { ...CONFIG_SCHEMA, properties } };
}

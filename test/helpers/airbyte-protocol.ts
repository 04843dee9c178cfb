import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";

/** The official Airbyte protocol schema (copied from airbytehq/airbyte-protocol) compiled once. */
const root = parse(readFileSync(new URL("../fixtures/airbyte_protocol.yaml", import.meta.url), "utf8")) as {
  $id: string;
};
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(root);
const validateMessage = ajv.getSchema(`${root.$id}#/definitions/AirbyteMessage`)!;
const validateConfiguredCatalog = ajv.getSchema(`${root.$id}#/definitions/ConfiguredAirbyteCatalog`)!;

const PAYLOAD: Record<string, string> = {
  RECORD: "record",
  STATE: "state",
  LOG: "log",
  SPEC: "spec",
  CONNECTION_STATUS: "connectionStatus",
  CATALOG: "catalog",
  TRACE: "trace",
  CONTROL: "control",
};

/** Problems of one message: schema errors, and a `type` without its payload (the schema does not tie them). */
export function airbyteProblems(message: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!validateMessage(message)) {
    for (const e of validateMessage.errors ?? []) problems.push(`${e.instancePath} ${e.message}`);
  }
  const key = PAYLOAD[message.type as string];
  if (!key || message[key] === undefined) problems.push(`type ${String(message.type)} without its payload`);
  return problems;
}

export function configuredCatalogProblems(catalog: unknown): string[] {
  return validateConfiguredCatalog(catalog)
    ? []
    : (validateConfiguredCatalog.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

import { DuckDBInstance } from "@duckdb/node-api";

/** The demo's answer to "what is in there": rows per table and the top promoters by revenue. */
export const TOP_PROMOTERS_SQL = `SELECT name, email, (stats->>'revenue_amount')::BIGINT / 100 AS revenue
FROM promoters ORDER BY revenue DESC NULLS LAST LIMIT 5`;

export async function demoReport(path: string): Promise<string> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  try {
    const db = await instance.connect();
    const tables = await db.runAndReadAll(
      "SELECT table_name, estimated_size FROM duckdb_tables() WHERE NOT starts_with(table_name, '_') ORDER BY table_name",
    );
    let text = "\nrows per table\n";
    for (const [name, rows] of tables.getRows())
      text += `  ${String(name).padEnd(28)} ${String(rows).padStart(8)}\n`;
    text += `\ntop promoters by revenue:\n  ${TOP_PROMOTERS_SQL.replace(/\n/g, " ")}\n`;
    for (const [name, email, revenue] of (await db.runAndReadAll(TOP_PROMOTERS_SQL)).getRows()) {
      text += `  ${String(name).padEnd(24)} ${String(email).padEnd(36)} ${String(revenue).padStart(10)}\n`;
    }
    db.closeSync();
    return text;
  } finally {
    instance.closeSync();
  }
}

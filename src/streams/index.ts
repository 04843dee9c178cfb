/** The stream table and the facts derived from it (replication keys, record schemas). */
export * from "./replication.js";
export * from "./schemas.js";
export * from "./table.js";

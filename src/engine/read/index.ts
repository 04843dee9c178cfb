import { readChildren } from "./children.js";
import type { StreamContext } from "./context.js";
import { readDatedList } from "./dated-list.js";
import { readList } from "./list.js";
import { readReport } from "./report.js";

export type { Progress, ReadOutput, StreamContext } from "./context.js";

/** Reads one stream by its table row's read kind; the replication method picks the kind's cursor. */
export async function readStream(ctx: StreamContext): Promise<void> {
  const { read } = ctx.selection.def;
  switch (read.kind) {
    case "list":
      return readList(ctx, read.ties);
    case "snapshot":
      return readList(ctx);
    case "dated-list":
      return readDatedList(ctx, read.incremental);
    case "report":
      return readReport(ctx, read.report);
    case "children":
      return readChildren(ctx, read.parent);
    default: {
      const unknown: never = read;
      throw new Error(`unknown read kind ${JSON.stringify(unknown)}`);
    }
  }
}

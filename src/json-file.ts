import { readFile } from "node:fs/promises";
import { InputError } from "./errors.js";

/** Reads a JSON file given on the command line; every failure is one InputError line naming the file. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : code;
    throw new InputError(`${what} file ${path}: cannot read it (${reason ?? "unknown error"})`);
  }
  if (text.trim() === "") throw new InputError(`${what} file ${path}: the file is empty`);
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the error, which in a config file is the api_key: only a position
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new InputError(
      `${what} file ${path}: not valid JSON${at === undefined ? "" : ` (${where(text, Number(at))})`}`,
    );
  }
}

function where(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line}, column ${position - before.lastIndexOf("\n")}`;
}

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
    throw new InputError(`${what} file ${path}: not valid JSON (${(error as Error).message})`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

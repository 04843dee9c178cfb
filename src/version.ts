import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string; name: string };

export const VERSION: string = pkg.version;
export const NAME: string = pkg.name;

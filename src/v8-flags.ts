import { setFlagsFromString } from "node:v8";

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimizing compiler spends ~35 MB of RSS on
// that module at the first request, a third of a small sync's peak; the baseline compiler alone costs none
// of it and parses the API's responses no slower that a benchmark can tell. Imported first by cli.ts, so it
// runs before any module compiles WebAssembly.
setFlagsFromString("--liftoff-only");

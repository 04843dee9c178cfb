import { describe, expect, it } from "vitest";
import { decodeUtf8 } from "../src/http/utf8.js";

/** src/http/utf8.ts: must give exactly what Buffer#toString("utf8") gives, for any bytes. */
describe("decodeUtf8", () => {
  const same = (buffer: Buffer) => expect(decodeUtf8(buffer)).toBe(buffer.toString("utf8"));

  it("decodes ASCII, Latin-1 names, other scripts and emoji across a large page", () => {
    const row = (i: number) =>
      `{"id":${i},"name":"${["Zoë", "José", "Müller", "ŁÓDŹ", "東京", "😀", "plain"][i % 7]}"}`;
    const page = `[${Array.from({ length: 2000 }, (_, i) => row(i)).join(",")}]`;
    same(Buffer.from(page));
    same(Buffer.from(`\ufeff${page}`));
    same(Buffer.from("x".repeat(100_000)));
    same(Buffer.alloc(0));
  });

  it("replaces invalid bytes exactly as toString does, wherever the halving falls", () => {
    // a seeded generator: mostly ASCII, then lead bytes, stray continuation bytes, truncated and overlong forms
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const length = 1 + (next() % 5000);
      const bytes = Buffer.alloc(length);
      const density = [2, 20, 200][round % 3]!;
      for (let i = 0; i < length; i++)
        bytes[i] = next() % density === 0 ? 0x80 + (next() % 128) : 32 + (next() % 95);
      same(bytes);
    }
    // a long run of continuation bytes spanning the middle, and one at the very end
    same(
      Buffer.concat([Buffer.from("a".repeat(300)), Buffer.alloc(700, 0x80), Buffer.from("b".repeat(300))]),
    );
    same(Buffer.concat([Buffer.from("a".repeat(1000)), Buffer.from([0xe2, 0x82])]));
  });
});

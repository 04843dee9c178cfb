import { describe, expect, it } from "vitest";
import { Heartbeat } from "../src/app/heartbeat.js";
import type { HttpStats } from "../src/http/client.js";
import { captureLog } from "./helpers/log.js";

const stats = (): HttpStats => ({ requests: 0, retries: 0, rateLimited: 0, cancelled: 0, unusedAhead: 0 });

describe("the progress line's request budget", () => {
  it("counts the last minute's requests against requests_per_minute while nothing lowered it", () => {
    const { lines, log } = captureLog();
    const beat = new Heartbeat(log, stats(), 400, () => 400);
    const now = Date.now();
    for (let i = 0; i < 3; i++) beat.observeRequest(now - 70_000);
    for (let i = 0; i < 5; i++) beat.observeRequest(now - 1_000);
    beat.beat(now);
    expect(lines).toEqual([
      "info progress: 0 of 0 streams done; none running; 5/400 requests in the last minute, 0 rate-limited, 0 retries",
    ]);
  });

  it("shows the controller's limit, and what it was lowered from, after 429s", () => {
    const { lines, log } = captureLog();
    const s = { ...stats(), rateLimited: 7, retries: 7 };
    let limit = 291;
    const beat = new Heartbeat(log, s, 400, () => limit);
    beat.observeRequest();
    beat.beat();
    limit = 400;
    beat.beat();
    expect(lines).toEqual([
      "info progress: 0 of 0 streams done; none running; 1/291 requests in the last minute (lowered from 400 after 429s), 7 rate-limited, 7 retries",
      "info progress: 0 of 0 streams done; none running; 1/400 requests in the last minute, 7 rate-limited, 7 retries",
    ]);
  });

  it("says when the controller holds a full quota", () => {
    const { lines, log } = captureLog();
    let held = true;
    const beat = new Heartbeat(
      log,
      { ...stats(), rateLimited: 12, retries: 12 },
      400,
      () => 100,
      () => held,
    );
    beat.observeRequest();
    beat.beat();
    held = false;
    beat.beat();
    expect(lines).toEqual([
      "info progress: 0 of 0 streams done; none running; 1/100 requests in the last minute (the account's quota is full: held at what got through, lowered from 400; one probe at a time until the window has room), 12 rate-limited, 12 retries",
      "info progress: 0 of 0 streams done; none running; 1/100 requests in the last minute (lowered from 400 after 429s), 12 rate-limited, 12 retries",
    ]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const AUTH = { authorization: "Bearer sandbox-api-key", "account-id": "sandbox-account" };
const origin = (sb: Sandbox) => new URL(sb.baseUrl).origin;
const statuses = (sb: Sandbox, n: number) =>
  Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${sb.baseUrl}/company/campaigns`, { headers: AUTH }).then(async (r) => {
        await r.arrayBuffer();
        return [r.status, r.headers.get("retry-after")] as const;
      }),
    ),
  );

describe("sandbox rate limit and control endpoints", () => {
  it("enforces the policy per sliding window and says when to retry, or not", async () => {
    sandbox = await startSandbox({ size: 5, rateLimit: { requests: 3, retryAfter: "seconds" } });
    const answers = await statuses(sandbox, 5);
    expect(answers.filter(([s]) => s === 200)).toHaveLength(3);
    expect(answers.filter(([s, after]) => s === 429 && Number(after) > 0)).toHaveLength(2);
    expect(sandbox.stats).toMatchObject({ requests: 5, rateLimited: 2 });
  });

  it("reset starts counters and the window over, and can set a new policy", async () => {
    sandbox = await startSandbox({ size: 5 });
    expect((await statuses(sandbox, 4)).every(([s]) => s === 200)).toBe(true);
    const res = await fetch(`${origin(sandbox)}/__sandbox/reset?rate_limit=2&retry_after=none`, {
      method: "POST",
    });
    expect(await res.json()).toEqual({ requests: 0, rateLimited: 0, faults: 0, byPath: {} });
    const answers = await statuses(sandbox, 3);
    expect(answers.filter(([s]) => s === 200)).toHaveLength(2);
    expect(answers.filter(([s, after]) => s === 429 && after === null)).toHaveLength(1);
    // a reset without a policy keeps the policy, with an empty window
    await fetch(`${origin(sandbox)}/__sandbox/reset`, { method: "POST" });
    expect((await statuses(sandbox, 3)).filter(([s]) => s === 429)).toHaveLength(1);
    await fetch(`${origin(sandbox)}/__sandbox/reset?rate_limit=0`, { method: "POST" });
    expect((await statuses(sandbox, 3)).every(([s]) => s === 200)).toBe(true);
  });

  it("does not count a request that arrived before a reset in the window after it", async () => {
    // the request of an earlier client still in the sandbox's latency when the counters start over (a page
    // asked ahead that the last sync cancelled as it exited) took a slot of the new window: a 429 at the edge
    sandbox = await startSandbox({ size: 5, latencyMs: 100 });
    const early = fetch(`${sandbox.baseUrl}/company/campaigns`, { headers: AUTH }).then((r) =>
      r.arrayBuffer(),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    await fetch(`${origin(sandbox)}/__sandbox/reset?rate_limit=2&retry_after=none`, { method: "POST" });
    await early;
    expect((await statuses(sandbox, 2)).map(([s]) => s)).toEqual([200, 200]);
    expect(sandbox.stats).toMatchObject({ requests: 2, rateLimited: 0 });
  });
});

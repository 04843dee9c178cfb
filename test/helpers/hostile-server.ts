import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the hostile server saw it: path without `/api/v2/`, and its query. */
export interface SeenRequest {
  path: string;
  query: URLSearchParams;
}

export interface HostileServer {
  /** base_url for the tap's config */
  base: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A small purpose-built API on 127.0.0.1: `handle` answers each request (path relative to /api/v2/, e.g.
 * `company/promo_codes`) and may write anything, however badly behaved. Every request is recorded.
 */
export async function hostileServer(
  handle: (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void,
): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((raw, res) => {
    const url = new URL(raw.url ?? "/", "http://127.0.0.1");
    const seen = { path: url.pathname.replace(/^\/api\/v2\//, ""), query: url.searchParams };
    requests.push(seen);
    handle(seen, res, raw);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/api/v2`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

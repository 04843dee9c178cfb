import { subscribe } from "node:diagnostics_channel";

/**
 * Whether a request reached the server. One cancelled while it waited for a connection (a page asked ahead of
 * a list that ended) was never sent, and is no request of the sync: counting it made the summary say 128
 * requests where the server saw 127. undici says when it writes a request's headers to a socket
 * (`undici:client:sendHeaders`); a dispatcher that never does (a mock) has every request taken as sent.
 */
export interface SentWatch {
  /** the request's headers went out (or nothing here can tell) */
  readonly reachedServer: boolean;
  /** the attempt is over: stop watching it */
  done(): void;
}

const watching = new Map<string, Array<{ sent: boolean }>>();
let heard = false;
let subscribed = false;

export function watchSent(url: URL): SentWatch {
  if (!subscribed) {
    subscribed = true;
    subscribe("undici:client:sendHeaders", (message) => {
      heard = true;
      const { request } = message as { request: { origin?: unknown; path?: unknown } };
      const entry = watching.get(`${String(request.origin)}${String(request.path)}`)?.find((w) => !w.sent);
      if (entry) entry.sent = true;
    });
  }
  const key = `${url.origin}${url.pathname}${url.search}`;
  const entry = { sent: false };
  const list = watching.get(key);
  if (list) list.push(entry);
  else watching.set(key, [entry]);
  return {
    get reachedServer() {
      return entry.sent || !heard;
    },
    done() {
      const entries = watching.get(key);
      if (!entries) return;
      const i = entries.indexOf(entry);
      if (i >= 0) entries.splice(i, 1);
      if (entries.length === 0) watching.delete(key);
    },
  };
}

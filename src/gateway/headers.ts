/**
 * Which of a node's response headers reach the client: all of them (Retry-After and
 * x-ratelimit-* on a 429, Location on a 307, cache-control on a stream, …) except the hop-by-hop
 * fields of RFC 9110 §7.6.1 (Connection, the fields it names, Proxy-Connection, Keep-Alive, TE,
 * Transfer-Encoding, Upgrade), Set-Cookie (a node's cookies are for the node's origin, not the
 * router's) and any x-router-* (only the router sets those). Called by proxy.ts per answer.
 */

/** RFC 9110 §7.6.1's hop-by-hop fields, lower-case. */
export const HOP_BY_HOP = ["connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade"] as const;

const DROPPED = new Set<string>([...HOP_BY_HOP, "set-cookie"]);

/** The node's headers minus the dropped ones, then the router's own `x-router-*` headers on top. */
export function answerHeaders(upstream: Headers, router: Readonly<Record<string, string>>): Headers {
  const named = (upstream.get("connection") ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (DROPPED.has(name) || name.startsWith("x-router-") || named.includes(name)) continue;
    out.append(name, value);
  }
  for (const [name, value] of Object.entries(router)) out.set(name, value);
  return out;
}

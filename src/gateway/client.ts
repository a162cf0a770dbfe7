/**
 * Which client a proxied request came from, as the token counters label it: never the key itself
 * (metrics are read by more people than hold the keys) but the first 12 hex digits of its SHA-256
 * — `printf %s "$KEY" | sha256sum | cut -c1-12` finds a key's label. `admin` for the admin token,
 * `anonymous` when CLIENT_KEYS is not set. Called by outcome.ts after the response.
 */
import { bearer, timingSafeEqual } from "../auth";
import type { Env } from "../env";

export async function clientLabel(env: Env, authorization: string | undefined): Promise<string> {
  if (!(env.CLIENT_KEYS ?? "").trim()) return "anonymous";
  const token = bearer(authorization);
  if (token === null) return "anonymous";
  if (env.ADMIN_TOKEN && (await timingSafeEqual(token, env.ADMIN_TOKEN))) return "admin";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A value read from KV, shared by the isolates of one data center through the Cache API
 * (caches.default: local to the data center, no charge per operation), so that an expensive KV
 * read (a `list`: $5.00 per million beyond the Paid plan's inclusion, ten times a `get`) is made
 * per location rather than per isolate. Used for the fleet view (telemetry/fleet.ts) and the
 * experiments index (experiments/running.ts).
 *
 * A copy is used while it is younger than half the caller's TTL; the caller then counts its TTL
 * from the copy's `at`, so nothing is used longer than the TTL after it was read. The copy is
 * validated like anything else read back; an invalid or future-dated one is ignored. On
 * *.workers.dev and wherever the Cache API stores nothing, every isolate reads KV as before.
 */
import type { z } from "@hono/zod-openapi";

/** A shared copy: the value and when it was read from KV (ms since epoch). */
export interface ColoCopy<T> {
  at: number;
  value: T;
}

/**
 * The data center's cache when a TTL of `ttlMs` can use it, else null: Cache-Control counts whole
 * seconds, so a TTL under 2 s (tests use 0) always reads KV.
 */
export function coloCache(ttlMs: number): Cache | null {
  return ttlMs >= 2000 && typeof caches !== "undefined" ? caches.default : null;
}

/** The copy under `key` when it is younger than `maxAgeMs` at `now_ms` and `schema` accepts its value; null otherwise. */
export async function readColoCopy<T>(cache: Cache, key: string, schema: z.ZodType<T>, now_ms: number, maxAgeMs: number): Promise<ColoCopy<T> | null> {
  let raw: unknown;
  try {
    // The copy only saves a KV read: a cache that fails or holds garbage means reading KV, never an error.
    const response = await cache.match(key);
    if (!response) return null;
    raw = await response.json();
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const { at, value } = raw as { at?: unknown; value?: unknown };
  if (typeof at !== "number" || !(now_ms - at < maxAgeMs) || at > now_ms + 1000) return null;
  const parsed = schema.safeParse(value);
  return parsed.success ? { at, value: parsed.data } : null;
}

/**
 * Stores `value` read at `now_ms` under `key` for `maxAgeMs` (rounded down to whole seconds, at
 * least 1). A failed put is logged and otherwise ignored: the caller already has its value.
 */
export async function writeColoCopy(cache: Cache, key: string, value: unknown, now_ms: number, maxAgeMs: number): Promise<void> {
  const body = JSON.stringify({ at: now_ms, value });
  const maxAge = Math.max(1, Math.floor(maxAgeMs / 1000));
  try {
    await cache.put(key, new Response(body, { headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` } }));
  } catch (error) {
    console.error(`colo copy: could not store ${key}; isolates here read KV themselves until one can:`, error);
  }
}

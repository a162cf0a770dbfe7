/**
 * The request's ExecutionContext for waitUntil, or null: app.request() in tests runs without one,
 * and Hono throws when it is read then. Used by everything that defers work past the response
 * (experiment assignments, metrics flushes, gateway counters).
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";

export function executionContext(c: Context<AppEnv>): ExecutionContext | null {
  try {
    return c.executionCtx;
  } catch {
    return null;
  }
}

/**
 * Who may see the dashboard. Without ADMIN_TOKEN it is open (like every client endpoint without
 * keys). With it: a valid session cookie (session.ts) not logged out (session-object.ts) or `Authorization: Bearer <admin token>`
 * (for curl). Called by routes.tsx for GET /.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { bearer, timingSafeEqual } from "../../auth";
import type { AppEnv } from "../../env";
import { SESSION_COOKIE, sessionClaims } from "../session";

export type Viewer = "open" | "session" | "bearer";

/** How the request may see the dashboard, or null when it may not. */
export async function dashboardViewer(c: Context<AppEnv>, now_ms: number): Promise<Viewer | null> {
  const adminToken = c.env.ADMIN_TOKEN;
  if (!adminToken) return "open";
  const token = bearer(c.req.header("authorization"));
  if (token !== null) return (await timingSafeEqual(token, adminToken)) ? "bearer" : null;
  const claims = await sessionClaims(getCookie(c, SESSION_COOKIE), { adminToken, now_ms });
  if (claims === null) return null;
  return (await sessionRevocations(c.env).isRevoked(claims.nonce)) ? null : "session";
}

/** The one object that lists logged-out sessions (src/operator/session-object.ts). */
export const sessionRevocations = (env: AppEnv["Bindings"]) => env.SESSIONS.getByName("global");

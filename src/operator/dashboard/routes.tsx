/**
 * GET / (the dashboard, or the login form with 401), POST /login (admin token in a form →
 * signed session cookie, HttpOnly, SameSite=Strict, Secure over https) and POST /logout (revokes
 * the session server-side). Both posts refuse other origins (session-origin.ts). The
 * token travels only in a POST body, never in a URL, and is compared in constant time.
 * Mounted by src/app.ts; documented in /openapi.json like every other route.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "../../auth";
import { limitBody } from "../../body-limit";
import type { AppEnv } from "../../env";
import { pickProblems } from "../../problem-schema";
import type { RoutingContext } from "../../routing/context";
import { createRouter } from "../../validate";
import type { MetricsRecorder } from "../metrics/recorder";
import { issueSession, sessionClaims, SESSION_COOKIE, SESSION_TTL_S } from "../session";
import { crossOriginResponse, requireSameOrigin } from "../session-origin";
import { dashboardViewer, sessionRevocations } from "./access";
import { loadDashboard, TopModels } from "./data";
import { DashboardPage, LoginPage } from "./page";
import { CONTENT_SECURITY_POLICY } from "./style";

const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
const redirect = (description: string) => ({ description, headers: z.object({ location: z.string(), "set-cookie": z.string().optional() }) });

const dashboard = createRoute({
  method: "get",
  path: "/",
  tags: ["operator"],
  summary: "Dashboard: fleet, taxonomy with top models, experiments with intervals, recent decisions (HTML)",
  responses: { 200: html("The dashboard"), 401: html("The login form (ADMIN_TOKEN is set and there is no valid session)") },
});

/** A login form holds one token; anything longer is refused while it streams (it was unbounded: 200 MiB bodies took the worker to 2.7 GiB). */
export const MAX_LOGIN_BYTES = 4 * 1024;

const login = createRoute({
  method: "post",
  path: "/login",
  tags: ["operator"],
  summary: "Log in to the dashboard with the admin token (HTML form)",
  middleware: [requireSameOrigin, limitBody(MAX_LOGIN_BYTES)] as const,
  request: {
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: z.object({ token: z.string().max(1024) }) } },
    },
  },
  responses: {
    303: redirect("Logged in: a signed session cookie is set, back to the dashboard"),
    401: html("Wrong token: the login form again"),
    403: crossOriginResponse,
    ...pickProblems(400, 413),
  },
});

const logout = createRoute({
  method: "post",
  path: "/logout",
  tags: ["operator"],
  summary: "End the dashboard session: the cookie is cleared and the session revoked on the server, so a copy of it no longer opens the dashboard",
  middleware: [requireSameOrigin] as const,
  responses: { 303: redirect("The session cookie is cleared, back to the dashboard"), 403: crossOriginResponse },
});

function pageHeaders(c: Context<AppEnv>): void {
  c.header("cache-control", "no-store");
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  c.header("x-content-type-options", "nosniff");
}

const cookieOptions = (c: Context<AppEnv>) => ({ path: "/", httpOnly: true, sameSite: "Strict" as const, secure: new URL(c.req.url).protocol === "https:" });

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function dashboardRoutes(context: RoutingContext, recorder: MetricsRecorder) {
  const tops = new TopModels();
  return createRouter()
    .openapi(dashboard, async (c) => {
      const now = Date.now();
      pageHeaders(c);
      if ((await dashboardViewer(c, now)) === null) return c.html(<LoginPage />, 401);
      const data = await loadDashboard({ env: c.env, now_ms: now, context, recorder, tops });
      return c.html(<DashboardPage data={data} />, 200);
    })
    .openapi(login, async (c) => {
      const adminToken = c.env.ADMIN_TOKEN;
      if (!adminToken) return c.redirect("/", 303);
      pageHeaders(c);
      if (!(await timingSafeEqual(c.req.valid("form").token, adminToken))) {
        return c.html(<LoginPage error="That is not the admin token." />, 401);
      }
      const session = await issueSession({ adminToken, now_ms: Date.now(), nonce: randomHex(16) });
      setCookie(c, SESSION_COOKIE, session, { ...cookieOptions(c), maxAge: SESSION_TTL_S });
      return c.redirect("/", 303);
    })
    .openapi(logout, async (c) => {
      const adminToken = c.env.ADMIN_TOKEN;
      const now = Date.now();
      // Only a session we signed is revoked, so a forged cookie writes nothing.
      const claims = adminToken ? await sessionClaims(getCookie(c, SESSION_COOKIE), { adminToken, now_ms: now }) : null;
      if (claims !== null) await sessionRevocations(c.env).revoke(claims.nonce, claims.expires_ms, now);
      deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
      return c.redirect("/", 303);
    });
}

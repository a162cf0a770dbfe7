/**
 * Finding 9 (sessions): after POST /logout the same cookie no longer opens the dashboard (the
 * session is revoked on the server, not only cleared in the browser that logged out), and
 * POST /login and POST /logout refuse cross-origin posts (Origin or Sec-Fetch-Site) with 403.
 * The report: the cookie still opened the dashboard after logout, and a cross-origin logout was
 * accepted. Through the real worker and its session Durable Object.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../src/operator/session";
import { expectProblem } from "../support/http";

const ROUTER = "http://router";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** Logs in as a browser on the router's own page would, and returns the `name=value` cookie pair. */
async function logIn(): Promise<string> {
  const response = await SELF.fetch(`${ROUTER}/login`, {
    method: "POST",
    headers: { ...FORM, origin: ROUTER, "sec-fetch-site": "same-origin" },
    body: "token=test-admin-token",
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const pair = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  expect(pair.startsWith(`${SESSION_COOKIE}=v1.`)).toBe(true);
  return pair;
}

const dashboard = (cookie: string) => SELF.fetch(`${ROUTER}/`, { headers: { cookie } });
const logOut = (cookie: string, headers: Record<string, string> = { origin: ROUTER, "sec-fetch-site": "same-origin" }) =>
  SELF.fetch(`${ROUTER}/logout`, { method: "POST", headers: { ...FORM, cookie, ...headers }, body: "", redirect: "manual" });

describe("POST /logout revokes the session", () => {
  it("the same cookie opens the dashboard before logout and gets the login form (401) after", async () => {
    const cookie = await logIn();
    expect((await dashboard(cookie)).status).toBe(200);
    const out = await logOut(cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0`));
    // A copy of the cookie (another tab, a stolen value) is refused too.
    const after = await dashboard(cookie);
    expect(after.status).toBe(401);
    expect(await after.text()).toContain('action="/login"');
  });

  it("logging out one session leaves another open", async () => {
    const [first, second] = [await logIn(), await logIn()];
    expect((await logOut(first)).status).toBe(303);
    expect((await dashboard(first)).status).toBe(401);
    expect((await dashboard(second)).status).toBe(200);
  });

  it("a forged cookie on logout writes nothing", async () => {
    const sessions = env.SESSIONS.getByName("global");
    const before = await sessions.count(Date.now());
    const forged = `${SESSION_COOKIE}=v1.99999999999999.${"0".repeat(32)}.${"a".repeat(64)}`;
    expect((await logOut(forged)).status).toBe(303);
    expect(await sessions.count(Date.now())).toBe(before);
  });
});

describe("cross-origin form posts", () => {
  const crossOrigin: Array<[string, Record<string, string>, string]> = [
    ["another site's Origin", { origin: "https://evil.example" }, "header.origin"],
    ["Origin: null (a sandboxed page)", { origin: "null" }, "header.origin"],
    ["the router's host on another port", { origin: "http://router:8080" }, "header.origin"],
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }, "header.sec-fetch-site"],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site", origin: ROUTER }, "header.sec-fetch-site"],
  ];

  it.each(crossOrigin)("POST /logout with %s: 403 naming the header, and the session stays open", async (_name, headers, path) => {
    const cookie = await logIn();
    const problem = await expectProblem(await logOut(cookie, headers), 403);
    expect(problem.errors.map((e) => e.path)).toEqual([path]);
    expect((await dashboard(cookie)).status).toBe(200);
  });

  it.each(crossOrigin)("POST /login with %s and the right token: 403, no cookie", async (_name, headers, path) => {
    const response = await SELF.fetch(`${ROUTER}/login`, { method: "POST", headers: { ...FORM, ...headers }, body: "token=test-admin-token", redirect: "manual" });
    const problem = await expectProblem(response, 403);
    expect(problem.errors.map((e) => e.path)).toEqual([path]);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("Sec-Fetch-Site: same-origin decides over Origin: null (a page under a no-referrer policy)", async () => {
    const response = await SELF.fetch(`${ROUTER}/login`, {
      method: "POST",
      headers: { ...FORM, origin: "null", "sec-fetch-site": "same-origin" },
      body: "token=test-admin-token",
      redirect: "manual",
    });
    expect(response.status).toBe(303);
  });

  it("a post with neither header (curl, not a browser page) is let through", async () => {
    const response = await SELF.fetch(`${ROUTER}/login`, { method: "POST", headers: FORM, body: "token=test-admin-token", redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toContain(`${SESSION_COOKIE}=v1.`);
  });
});

/**
 * GET / through the real worker: the login flow (form → signed HttpOnly cookie → dashboard; wrong
 * token, tampered and foreign cookies refused), and the page itself with a pushed fleet, a running
 * experiment with outcome events and real decisions: fleet table, taxonomy tree with top models,
 * interval charts, SRM flag and winner reason, recent decisions — and no external resource.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import worker from "../../src/index";
import { createApp } from "../../src/app";
import { topModels } from "../../src/experiments/canary";
import { SCRAPED } from "../../src/operator/metrics/catalog";
import { SESSION_COOKIE } from "../../src/operator/session";
import type { Registry } from "../../src/registry/schema";
import type { Decision } from "../../src/routing/schema";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { ADMIN } from "../support/http";
import { clearFleet, gpu, pushOk, snapshot } from "../support/telemetry";
import { sample, scrape, type Fetcher } from "./support";

type AppLike = { fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Response | Promise<Response> };

function via(app: AppLike, bindings: Cloudflare.Env = env): Fetcher {
  return async (request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}
const viaWorker = via(worker);

const get = (path: string, headers: Record<string, string> = {}) => viaWorker(new Request(`http://router${path}`, { headers }));
const login = (token: string) =>
  viaWorker(new Request("http://router/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }) }));
const postJson = (path: string, body: unknown) =>
  viaWorker(new Request(`http://router${path}`, { method: "POST", headers: { "content-type": "application/json", ...ADMIN }, body: JSON.stringify(body) }));

/** The `name=value` of a Set-Cookie header, and its attributes. */
function sessionCookie(response: Response): { pair: string; value: string; attributes: string } {
  const header = response.headers.get("set-cookie") ?? "";
  const [pair, ...attributes] = header.split(";").map((p) => p.trim());
  expect(pair!.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
  return { pair: pair!, value: pair!.slice(SESSION_COOKIE.length + 1), attributes: attributes.join("; ") };
}

/** The part of the page from the element with `id` to the end of its section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("dashboard login", () => {
  it("answers 401 with the login form and no dashboard without a session", async () => {
    const response = await get("/");
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('<form class="login" method="post" action="/login">');
    expect(html).toContain('name="token" type="password"');
    expect(html).not.toContain('id="fleet"');
  });

  it("refuses a wrong token with the form again (401) and sets no cookie", async () => {
    const response = await login("not-the-admin-token");
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).toContain("That is not the admin token.");
  });

  it("turns the right token into a signed HttpOnly SameSite=Strict cookie that opens the dashboard", async () => {
    const response = await login("test-admin-token");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = sessionCookie(response);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Path=\//);
    expect(cookie.attributes).toMatch(/Max-Age=43200/);
    expect(cookie.attributes).not.toMatch(/Secure/); // plain http here; https gets Secure
    expect(cookie.value).not.toContain("test-admin-token");
    const page = await get("/", { cookie: cookie.pair });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="fleet"');
  });

  it("answers a form without the token field with a 400 naming it, and a JSON body with a 415", async () => {
    const form = await viaWorker(new Request("http://router/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "password=x" }));
    expect(form.status).toBe(400);
    expect(form.headers.get("set-cookie")).toBeNull();
    expect(((await form.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(["form.token"]);
    const json = await viaWorker(new Request("http://router/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "test-admin-token" }) }));
    expect(json.status).toBe(415);
    expect(json.headers.get("set-cookie")).toBeNull();
  });

  it("marks the cookie Secure over https", async () => {
    const response = await viaWorker(
      new Request("https://router/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "token=test-admin-token" }),
    );
    expect(sessionCookie(response).attributes).toMatch(/Secure/);
  });

  it("rejects a tampered cookie: a changed expiry, a changed signature, or one signed under another admin token", async () => {
    const { value } = sessionCookie(await login("test-admin-token"));
    const [v, expires, nonce, mac] = value.split(".");
    const later = `${v}.${Number(expires) + 86_400_000}.${nonce}.${mac}`;
    const flipped = `${v}.${expires}.${nonce}.${mac!.slice(0, -1)}${mac!.endsWith("0") ? "1" : "0"}`;
    for (const forged of [later, flipped, "v1.99999999999999.00000000000000000000000000000000.x", "test-admin-token"]) {
      expect((await get("/", { cookie: `${SESSION_COOKIE}=${forged}` })).status).toBe(401);
    }
    // Rotating ADMIN_TOKEN ends every session.
    const rotated = via(createApp({ kernelModule, fleetSource: new KvFleetSource() }), { ...env, ADMIN_TOKEN: "rotated-admin-token" });
    expect((await rotated(new Request("http://router/", { headers: { cookie: `${SESSION_COOKIE}=${value}` } }))).status).toBe(401);
  });

  it("logs out by clearing the cookie", async () => {
    const response = await viaWorker(new Request("http://router/logout", { method: "POST" }));
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0`));
  });

  it("takes the admin token as a bearer (for curl), refuses a wrong one, and is open without ADMIN_TOKEN", async () => {
    expect((await get("/", ADMIN)).status).toBe(200);
    expect((await get("/", { authorization: "Bearer wrong" })).status).toBe(401);
    const open = via(createApp({ kernelModule, fleetSource: new KvFleetSource() }), { ...env, ADMIN_TOKEN: undefined });
    const page = await open(new Request("http://router/"));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("ADMIN_TOKEN is not set: this page is open");
  });
});

describe("dashboard content", () => {
  const experimentId = `dash-exp-${Date.now().toString(36)}`;
  let html = "";
  let decision: Decision;
  let registry: Registry;
  let ledgerBefore: number | null;

  beforeAll(async () => {
    await clearFleet(env.ROUTER_KV);
    await pushOk(snapshot("dash-fresh", [gpu(0, 70_000), gpu(1, 30_000, { temperature_c: 91 })], { models: ["qwen2.5-7b-instruct"], schema_version: 2, agent_version: "0.2.0" }));
    await pushOk(snapshot("dash-stale", [gpu(0, 50_000)], { taken_at: new Date(Date.now() - 3_600_000).toISOString() }));
    registry = (await (await get("/v1/registry")).json()) as Registry;
    const [control, treatment] = registry.models.filter((m) => m.categories["math"]);
    const created = await postJson("/v1/experiments", {
      id: experimentId,
      scope: { category: "math" },
      variants: [{ name: "control", model: control!.id }, { name: "treatment", model: treatment!.id }],
      min_samples: 50,
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 12; i++) {
      for (const variant of ["control", "treatment"]) {
        const event = { event_id: `${variant}-${i}`, variant, latency_ms: 200 + 37 * i + (variant === "control" ? 0 : 50), error: i % 4 === 0, score: 0.5 + (i % 5) / 10 };
        expect((await postJson(`/v1/experiments/${experimentId}/events`, event)).status).toBe(200);
      }
    }
    const routed = await postJson("/v1/route", { category: "code" });
    expect(routed.status).toBe(200);
    decision = (await routed.json()) as Decision;
    ledgerBefore = sample(await scrape(viaWorker), SCRAPED.ledgerPlacements.name);
    const page = await get("/", ADMIN);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    html = await page.text();
  });

  afterAll(() => clearFleet(env.ROUTER_KV));

  it("shows the fleet table: every node and GPU, memory bars, health reasons, the stale node greyed", () => {
    const fleet = section(html, "fleet");
    expect(fleet).toContain('class="cards fleet-table"');
    expect(fleet).toContain('<tbody class="node" data-node="dash-fresh">');
    expect(fleet).toContain('<tbody class="node stale" data-node="dash-stale">');
    expect(fleet.match(/class="gpu-row"/g)).toHaveLength(3);
    expect(fleet).toContain("68.4 GiB free of 80.0 GiB");
    expect(fleet).toContain("91 °C, limit below");
    expect(fleet).toMatch(/class="bar" role="meter"/);
  });

  it("shows which agent release pushed each node, and says when an older agent did not tell", () => {
    const fleet = section(html, "fleet");
    const row = (node: string) => fleet.slice(fleet.indexOf(`data-node="${node}"`)).split("</tbody>")[0]!;
    expect(row("dash-fresh")).toMatch(/class="agent-version"[^>]*>agent 0\.2\.0</);
    expect(row("dash-stale")).toMatch(/class="agent-version"[^>]*>agent version unknown</);
  });

  it("shows the taxonomy as a tree with the top model of every category", () => {
    const taxonomy = section(html, "taxonomy");
    const tops = topModels(registry);
    for (const category of registry.categories) {
      expect(taxonomy).toContain(`data-category="${category.id}"`);
      const top = registry.models.find((m) => m.id === tops.get(category.id));
      const item = taxonomy.slice(taxonomy.indexOf(`data-category="${category.id}"`));
      expect(item.slice(0, item.indexOf("</strong>") + 9)).toContain(`<strong>${top!.name}</strong>`);
    }
    // Children are nested inside their parent's item.
    const child = registry.categories.find((c) => c.parent !== null)!;
    const parentItem = taxonomy.indexOf(`data-category="${child.parent}"`);
    expect(parentItem).toBeGreaterThan(-1);
    expect(taxonomy.indexOf(`data-category="${child.id}"`)).toBeGreaterThan(parentItem);
  });

  it("charts each experiment's error rate, latency and score with interval bars, with the SRM flag and why there is no winner", () => {
    const experiments = section(html, "experiments");
    const article = experiments.slice(experiments.indexOf(`id="experiment-${experimentId}"`));
    expect(article.match(/<svg class="ci-chart"/g)!.length).toBeGreaterThanOrEqual(3);
    expect(article.match(/class="ci-bar"/g)!.length).toBeGreaterThanOrEqual(6);
    // Always-valid intervals: per variant at 95 %, the differences from control at 97.5 % (0.05 / 2 metrics).
    expect(article).toContain("Error rate, always-valid 95 % CS");
    expect(article).toContain("Score − control, always-valid 97.5 % CS");
    expect(article).toContain("Error rate − control, always-valid 97.5 % CS");
    expect(article.match(/class="ci-reference"/g)!.length).toBeGreaterThanOrEqual(2);
    // The error-rate axis stays inside [0 %, 100 %]: its end labels are the chart's last two texts.
    const errorChart = article.slice(article.indexOf("Error rate, always-valid"), article.indexOf("</svg>", article.indexOf("Error rate, always-valid")));
    const ends = [...errorChart.matchAll(/<text[^>]*>(-?[\d.]+)%<\/text>/g)].slice(-2).map((m) => Number(m[1]));
    expect(ends).toHaveLength(2);
    expect(ends[0]).toBeGreaterThanOrEqual(0);
    expect(ends[1]).toBeLessThanOrEqual(100);
    expect(article).toContain('data-variant="control"');
    expect(article).toContain('data-variant="treatment"');
    expect(article).toMatch(/class="badge (ok|bad) srm-flag"/);
    expect(article).toContain("No winner yet: </strong>not enough samples: control has 12, treatment has 12 of the 50");
  });

  it("warns when several GPUs report one UUID, naming each, and marks their rows", () => {
    // The builders give GPU index 0 of every node the UUID GPU-test-0: one GPU counted twice.
    const fleet = section(html, "fleet");
    const warning = fleet.slice(fleet.indexOf('id="duplicate-uuids"'), fleet.indexOf("</div>", fleet.indexOf('id="duplicate-uuids"')));
    expect(fleet).toContain('<div class="warning" role="alert" id="duplicate-uuids">');
    expect(warning).toContain("<li><code>GPU-test-0</code>: dash-fresh #0, dash-stale #0 (stale)</li>");
    expect(warning).not.toContain("GPU-test-1");
    expect(fleet.match(/class="badge warn duplicate-uuid"/g)).toHaveLength(2);
  });

  it("gives the footer's settings as values: this test's CACHE_TTL_MS and METRICS_FLUSH_MS are 0", () => {
    const footer = html.slice(html.indexOf("<footer>"), html.indexOf("</footer>"));
    expect(footer).toContain("flushed after each request (METRICS_FLUSH_MS)");
    expect(footer).toContain("read afresh for every page (CACHE_TTL_MS)");
  });

  it("lists the last routing decisions", () => {
    const decisions = section(html, "decisions");
    expect(decisions).toContain(`data-decision="${decision.decision_id}"`);
    expect(decisions).toContain(decision.model.id);
  });

  it("loads nothing from elsewhere and leaves the live kernel's placement ledger alone", async () => {
    // The one linked resource is the icon, inline as a data: URL (else the browser asks for /favicon.ico: a 404).
    expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)="(?!data:)/);
    // Links stay on this router (node endpoints appear as text, never as links or sources).
    expect(html.match(/(href|src|action)="[^"]*"/g)!.every((attr) => /="(\/|data:)/.test(attr))).toBe(true);
    expect(html).toContain("<script>"); // the inline refresh script
    // The decision above was placed, so the ledger holds it; rendering the page (top models) added nothing.
    expect(decision.placement).not.toBeNull();
    expect(ledgerBefore).toBeGreaterThanOrEqual(1);
    expect(sample(await scrape(viaWorker), SCRAPED.ledgerPlacements.name)).toBe(ledgerBefore);
  });
});

/**
 * The dashboard in a real browser: headless Debian Chromium driven by playwright-core against
 * `wrangler dev` on free ports, with a demo fleet pushed by the real agent CLI (plus one stale
 * node), a running experiment created through the API with outcome events, and real decisions.
 * Logs in through the form, checks the fleet table, the experiment charts and the taxonomy are
 * visible, takes a full-page screenshot (to a temporary file; `npm run screenshot` makes it
 * docs/dashboard.png), and checks the page refreshes itself, works with JavaScript off and fits a
 * phone's width.
 *
 * Chromium is required, never skipped: without it the suite fails with how to install it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import type { Registry } from "../../src/registry/schema";
import type { Decision } from "../../src/routing/schema";
import { signatureHeaders } from "../../src/telemetry/signature";
import { DEMO_NODES, demoCapture } from "../../scripts/demo-fleet.js";
import { FIXTURE_DIR, REPO_ROOT, keyFile } from "./agent-support";

const exec = promisify(execFile);
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** The flags this machine needs (closed network: no background or component traffic). */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ADMIN_TOKEN = "browser-test-admin-token";
const DEMO_KEYS = readFileSync(join(REPO_ROOT, ".dev.vars.example"), "utf8").match(/^AGENT_KEYS='(.*)'$/m)![1]!;
const AGENT = "demo-agent";
const KEY = (JSON.parse(DEMO_KEYS) as Record<string, string[]>)[AGENT]![0]!;
const FLEET = [
  { node: "demo-h200", file: "h200-driver580/q_idle.xml", models: "llama-3.1-70b-instruct" },
  { node: "demo-h200-busy", file: "h200-driver580/csv/load-extended-header-units.csv", models: "" },
  { node: "demo-a10g", file: "public/telegraf/a10g.xml", models: "qwen2.5-7b-instruct" },
  { node: "demo-a5000x2", file: "public/telegraf/dual_a5000-v13.xml", models: "" },
];
/**
 * Where the full-page screenshot goes: a temporary file, so `npm test` changes nothing tracked.
 * `npm run screenshot` (scripts/screenshot.js) sets DASHBOARD_SCREENSHOT to docs/dashboard.png.
 */
const SCREENSHOT = process.env["DASHBOARD_SCREENSHOT"] ?? join(mkdtempSync(join(tmpdir(), "dashboard-shot-")), "dashboard.png");

let router: DevServer | null = null;
let persist = "";
let browser: Browser | null = null;
let registry: Registry;

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${router!.url}${path}`, { method: "POST", headers: admin, body: JSON.stringify(body) });
}

/** The busy H200 replays the idle one's GPU: like the demo fleet, give it its own UUID (scripts/demo-fleet.js). */
const CAPTURE_COPIES = mkdtempSync(join(tmpdir(), "dashboard-captures-"));
function capture(node: (typeof FLEET)[number]): string {
  const demo = DEMO_NODES.find((d) => d.name === node.node && d.file === node.file);
  return demo?.uuid ? demoCapture(demo, CAPTURE_COPIES) : join(FIXTURE_DIR, node.file);
}

/** One push by the agent CLI, as an operator would run it. */
async function agentOnce(node: (typeof FLEET)[number], key: string): Promise<void> {
  const args = ["--import", "tsx", "cli/agent/index.ts", "once", "--url", router!.url, "--agent-id", AGENT, "--key-file", key,
    "--from-file", capture(node), "--node-name", node.node, "--node-endpoint", `http://${node.node}.lan:8000`, "--no-engines"];
  const { stdout } = await exec(process.execPath, node.models ? [...args, "--models", node.models] : args, { cwd: REPO_ROOT, timeout: 60_000 });
  expect(stdout).toMatch(/-> 202 accepted/);
}

/** The demo fleet, one agent process per node (in parallel). */
async function pushFleet(): Promise<void> {
  const key = keyFile(KEY);
  await Promise.all(FLEET.map((node) => agentOnce(node, key)));
}

/** A node whose last snapshot is an hour old: signed like an agent's push, shown greyed as stale. */
async function pushStaleNode(): Promise<void> {
  const body = JSON.stringify({
    agent_id: AGENT, node: "demo-old-t4", endpoint: null, models: [], seq: Date.now(), taken_at: new Date(Date.now() - 3_600_000).toISOString(),
    gpus: [{ index: 0, uuid: "GPU-old-t4-0", name: "Tesla T4", memory_total_mb: 15360, memory_used_mb: 1200, memory_free_mb: 14160, memory_reserved_mb: null,
      utilization_gpu_pct: 3, utilization_memory_pct: 1, temperature_c: 41, power_draw_w: 27, power_limit_w: 70, pstate: "P8", throttle_reasons: [],
      ecc_errors_uncorrected: 0, mig_mode: null, mig_devices: [] }],
  });
  const signed = await signatureHeaders(AGENT, KEY, body, Date.now() / 1000);
  const response = await fetch(`${router!.url}/v1/telemetry`, { method: "POST", headers: { "content-type": "application/json", ...signed }, body });
  expect(response.status).toBe(202);
}

async function startExperiment(): Promise<void> {
  const coders = registry.models.filter((m) => m.categories["code"]).map((m) => m.id);
  expect((await post("/v1/experiments", {
    id: "coder-size", description: "32B coder against 7B coder on code requests",
    scope: { category: "code", include_descendants: true },
    variants: [{ name: "control", model: coders.includes("qwen2.5-coder-32b-instruct") ? "qwen2.5-coder-32b-instruct" : coders[0] },
      { name: "small", model: coders.includes("qwen2.5-coder-7b-instruct") ? "qwen2.5-coder-7b-instruct" : coders[1] }],
    min_samples: 200,
  })).status).toBe(201);
  // Outcome events with a spread, so the intervals have width; the small model is faster and errs more.
  const events = Array.from({ length: 40 }, (_, i) => [
    { event_id: `c-${i}`, variant: "control", latency_ms: 900 + ((i * 37) % 400), error: i % 10 === 0, score: 0.7 + ((i * 7) % 25) / 100 },
    { event_id: `s-${i}`, variant: "small", latency_ms: 350 + ((i * 53) % 300), error: i % 5 === 0, score: 0.6 + ((i * 11) % 25) / 100 },
  ]).flat();
  for (const event of events) expect((await post("/v1/experiments/coder-size/events", event)).status).toBe(200);
}

const MISSING_CHROMIUM =
  `Chromium is not installed (looked for ${CHROMIUM}). The dashboard browser test needs Debian's chromium package: ` +
  "run `apt-get update && apt-get install -y chromium` as root (.ci/run installs it when missing), or point CHROMIUM_PATH at a Chromium binary.";

/** Every test starts here, so a missing Chromium fails each of them with how to install it (never a skip, never a crash). */
function requireBrowser(): Browser {
  if (!browser) throw new Error(existsSync(CHROMIUM) ? "the browser did not start; see the beforeAll error" : MISSING_CHROMIUM);
  return browser;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  if (!existsSync(join(REPO_ROOT, "build/kernel.wasm"))) await exec("npm", ["run", "--silent", "build:kernel"], { cwd: REPO_ROOT, timeout: 120_000 });
  persist = mkdtempSync(join(tmpdir(), "dashboard-e2e-"));
  router = await startWrangler("wrangler.toml", ["--persist-to", persist, "--var", `AGENT_KEYS:${DEMO_KEYS}`, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`]);
  registry = (await (await fetch(`${router.url}/v1/registry`, { headers: admin })).json()) as Registry;
  await startExperiment();
  await pushFleet();
  await pushStaleNode();
  for (const [i, category] of ["code_python", "code_rust", "math", "general_chat", "reasoning"].entries()) {
    expect((await post("/v1/route", { category, unit_id: `user-${i}` })).status).toBe(200);
  }
  // Playwright gives every launch a fresh, temporary --user-data-dir of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await router?.stop();
  if (persist) rmSync(persist, { recursive: true, force: true });
  rmSync(CAPTURE_COPIES, { recursive: true, force: true });
  if (!process.env["DASHBOARD_SCREENSHOT"]) rmSync(dirname(SCREENSHOT), { recursive: true, force: true });
});

/**
 * Submits the admin token and waits for the dashboard. The login form is served at `/` too, so
 * waiting for the URL would not wait for the redirect; waiting for the fleet section does.
 */
async function logIn(page: Page): Promise<void> {
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("button[type=submit]");
  await page.locator("#fleet").waitFor();
  await page.waitForLoadState("load");
}

/** A context logged in through the form (wrong token first), at the given viewport. */
async function loggedIn(options: { width: number; height: number; javaScriptEnabled?: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await requireBrowser().newContext({ viewport: { width: options.width, height: options.height } });
  const page = await context.newPage();
  const first = await page.goto(`${router!.url}/`);
  expect(first?.status()).toBe(401);
  await logIn(page);
  if (options.javaScriptEnabled === false) {
    // Same session, new context with scripts off: the cookie is all the server needs.
    const jsOff = await requireBrowser().newContext({ viewport: { width: options.width, height: options.height }, javaScriptEnabled: false });
    await jsOff.addCookies(await context.cookies());
    await context.close();
    return { context: jsOff, page: await jsOff.newPage() };
  }
  return { context, page };
}

describe("without Chromium", () => {
  it("says how to install it, package lists first (a fresh machine has none)", () => {
    expect(MISSING_CHROMIUM).toContain("`apt-get update && apt-get install -y chromium`");
  });
});

describe("dashboard in Chromium", () => {
  it("logs in through the form and shows the fleet table, the experiment charts and the taxonomy", async () => {
    const chromiumBrowser = requireBrowser();
    // Fresh snapshots (stale after 15 s in the demo registry), so only demo-old-t4 is stale however slow the setup was.
    await pushFleet();
    const context = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Every answer of 400 or more and every console error, to check at the end that only the two
    // 401s asked for below happened (a missing favicon used to add a 404).
    const failures: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failures.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
    });
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 401/.test(m.text())) failures.push(`console: ${m.text()}`);
    });
    expect((await page.goto(`${router!.url}/`))?.status()).toBe(401);
    await page.fill("#token", "not-the-token");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator("[role=alert]").textContent()).toContain("not the admin token");

    await logIn(page);
    const session = (await context.cookies()).find((c) => c.name === "emr_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(session!.value).not.toContain(ADMIN_TOKEN);

    const table = page.locator("#fleet table.fleet-table");
    expect(await table.isVisible()).toBe(true);
    expect(await page.locator("#fleet tbody.node").count()).toBe(FLEET.length + 1);
    expect(await page.locator("#fleet tr.gpu-row").count()).toBe(6); // H200, H200, A10G, 2×A5000, T4
    expect(await page.locator('#fleet tbody[data-node="demo-h200-busy"]').textContent()).toContain("busy, limit below");
    // Page code is given as strings: this project compiles without the DOM library.
    const opacity = (node: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('#fleet tbody[data-node="${node}"] tr.gpu-row td')).opacity`);
    expect(Number(await opacity("demo-old-t4"))).toBeLessThan(1);
    expect(Number(await opacity("demo-h200"))).toBe(1);

    // Error rate, latency and score per variant; score and error rate against control.
    const charts = page.locator("#experiment-coder-size svg.ci-chart");
    expect(await charts.count()).toBe(5);
    for (let i = 0; i < 5; i++) {
      expect(await charts.nth(i).isVisible()).toBe(true);
      const box = (await charts.nth(i).boundingBox())!;
      expect(box.width).toBeGreaterThan(150);
    }
    expect(await page.locator("#experiment-coder-size .srm-flag").isVisible()).toBe(true);
    expect(await page.locator("#experiment-coder-size .winner").textContent()).toContain("not enough samples");

    expect(await page.locator("#taxonomy ul.tree").isVisible()).toBe(true);
    expect(await page.locator("#taxonomy li[data-category]").count()).toBe(registry.categories.length);
    expect(await page.locator('#taxonomy li[data-category="code"] > .top-model strong').isVisible()).toBe(true);
    expect(await page.locator("#decisions tbody tr").count()).toBeGreaterThanOrEqual(5);

    // The demo fleet reports each GPU once, so no duplicate-UUID warning (the workers test shows one).
    expect(await page.locator("#duplicate-uuids").count()).toBe(0);
    expect(await page.locator("footer").textContent()).toMatch(/flushed about every 1 s \(METRICS_FLUSH_MS\)\. The fleet is the routing view, at most 2 s old \(CACHE_TTL_MS\)\./);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe("PNG");
    expect(failures).toEqual(["GET / 401", "POST /login 401"]);
    await context.close();
  });

  it("keeps every section's content inside its card from a laptop to a wide screen", async () => {
    for (const width of [1024, 1400, 1920]) {
      const { context, page } = await loggedIn({ width, height: 900 });
      const overflowing = await page.evaluate<string[]>(
        "[...document.querySelectorAll('main > section')].filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.id + ' ' + s.scrollWidth + '>' + s.clientWidth)",
      );
      expect(overflowing, `at ${width} px`).toEqual([]);
      await context.close();
    }
  });

  it("refreshes itself with JavaScript on, without reloading the page", async () => {
    const { context, page } = await loggedIn({ width: 1280, height: 900 });
    await page.evaluate("window.notReloaded = true");
    const routed = (await (await post("/v1/route", { category: "math_algebra" })).json()) as Decision;
    // The page swaps in a fresh <main> every few seconds; the new decision shows up there.
    await page.locator(`#decisions tr[data-decision="${routed.decision_id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.evaluate<boolean>("window.notReloaded === true")).toBe(true);
    await context.close();
  });

  it("is complete with JavaScript off", async () => {
    const { context, page } = await loggedIn({ width: 1280, height: 900, javaScriptEnabled: false });
    expect((await page.goto(`${router!.url}/`))?.status()).toBe(200);
    expect(await page.locator("#fleet table.fleet-table").isVisible()).toBe(true);
    expect(await page.locator("#experiments svg.ci-chart").first().isVisible()).toBe(true);
    expect(await page.locator("#taxonomy ul.tree").isVisible()).toBe(true);
    await context.close();
  });

  it("fits a phone's width: no sideways scrolling, tables stacked as cards", async () => {
    const { context, page } = await loggedIn({ width: 390, height: 844 });
    const widths = await page.evaluate<{ scroll: number; inner: number }>("({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })");
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    expect(await page.locator("#fleet table.fleet-table thead").isVisible()).toBe(false);
    expect(await page.locator("#fleet tr.gpu-row").first().isVisible()).toBe(true);
    expect(await page.locator("#experiments svg.ci-chart").first().isVisible()).toBe(true);
    await context.close();
  });
});

/**
 * Finding 11 (information): what the router publishes and what it accepts as a link.
 * - GET /v1/fleet names each node's internal URL only to the admin, or to a client key's holder
 *   when CLIENT_KEYS is set; with CLIENT_KEYS unset (the default) anyone else gets null endpoints
 *   (the report: the default published every internal URL while the dashboard asked for a login).
 * - Exposition label values are escaped per the Prometheus text format (backslash, double quote,
 *   line feed), and a carriage return never reaches the output (it passed through raw).
 * - A benchmark `source` must be an http(s) URL (`javascript:` was accepted): 400 naming the field.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { MetricFamily } from "../../src/operator/metrics/catalog";
import { renderExposition } from "../../src/operator/metrics/exposition";
import type { FleetView } from "../../src/telemetry/schema";
import { ADMIN, clearKv, expectProblem, putJson } from "../support/http";
import { model, registry } from "../support/builders";
import { clearFleet, gpu, pushOk, snapshot } from "../support/telemetry";

const CLIENT_KEY = "disclosure-client-key";

/** The worker with other bindings (CLIENT_KEYS set), through the real runtime's KV. */
async function call(path: string, bindings: Cloudflare.Env, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(new Request(`http://router${path}`, { headers }) as Request<unknown, IncomingRequestCfProperties>, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function fleet(response: Response): Promise<FleetView> {
  expect(response.status).toBe(200);
  return (await response.json()) as FleetView;
}

describe("GET /v1/fleet and node endpoints", () => {
  beforeEach(async () => {
    await clearFleet(env.ROUTER_KV);
    await pushOk(snapshot("disclosed", [gpu(0, 50_000)], { endpoint: "http://10.1.2.3:8000" }));
  });

  it("CLIENT_KEYS unset: an anonymous caller sees no endpoint, the admin sees it", async () => {
    const anonymous = await fleet(await SELF.fetch("http://router/v1/fleet"));
    expect(anonymous.endpoints_hidden).toBe(true);
    expect(anonymous.nodes.find((n) => n.node === "disclosed")).toMatchObject({ endpoint: null, gpus: [expect.objectContaining({ index: 0 })] });
    expect(JSON.stringify(anonymous)).not.toContain("10.1.2.3");

    const wrongToken = await fleet(await SELF.fetch("http://router/v1/fleet", { headers: { authorization: "Bearer not-the-admin" } }));
    expect(wrongToken.nodes.every((n) => n.endpoint === null)).toBe(true);

    const admin = await fleet(await SELF.fetch("http://router/v1/fleet", { headers: ADMIN }));
    expect(admin.endpoints_hidden).toBeUndefined();
    expect(admin.nodes.find((n) => n.node === "disclosed")!.endpoint).toBe("http://10.1.2.3:8000");
  });

  it("CLIENT_KEYS set: a client key sees endpoints, no key gets 401", async () => {
    const bindings = { ...env, CLIENT_KEYS: CLIENT_KEY };
    await expectProblem(await call("/v1/fleet", bindings), 401);
    const client = await fleet(await call("/v1/fleet", bindings, { authorization: `Bearer ${CLIENT_KEY}` }));
    expect(client.endpoints_hidden).toBeUndefined();
    expect(client.nodes.find((n) => n.node === "disclosed")!.endpoint).toBe("http://10.1.2.3:8000");
  });
});

describe("exposition label values", () => {
  const family: MetricFamily = { name: "router_test_total", type: "counter", help: "A test family", labels: ["node"] };
  const hostile = ['back\\slash', 'double"quote', "line\nfeed", "carriage\rreturn", 'all\\"\n\r}{,= # HELP x', "\u2028sep\u0000nul"];

  it("backslash, double quote and line feed are escaped; \\r and other controls never reach the output", () => {
    const text = renderExposition([{ family, samples: hostile.map((node, i) => ({ name: family.name, labels: { node }, value: i })) }]);
    expect(text).not.toMatch(/[\r\u0000\u2028]/);
    const lines = text.split("\n").filter((l) => l !== "");
    // HELP, TYPE, then one line per sample: no value split a line.
    expect(lines).toHaveLength(2 + hostile.length);
    expect(lines[2 + 0]).toBe('router_test_total{node="back\\\\slash"} 0');
    expect(lines[2 + 1]).toBe('router_test_total{node="double\\"quote"} 1');
    expect(lines[2 + 2]).toBe('router_test_total{node="line\\nfeed"} 2');
    expect(lines[2 + 3]).toBe('router_test_total{node="carriage\uFFFDreturn"} 3');
    // A Prometheus text parser reads every value back (with \r and NUL replaced by U+FFFD).
    const [parsed] = parsePrometheusTextFormat(text);
    expect(parsed!.metrics.map((m) => (m as { labels: Record<string, string> }).labels["node"])).toEqual(
      hostile.map((v) => v.replace(/[\r\u0000\u2028]/g, "\uFFFD")),
    );
  });
});

describe("benchmark source URLs", () => {
  beforeEach(() => clearKv(env.ROUTER_KV));

  /** A registry citing `source`, without `version` (no compare-and-swap: each PUT is the next version). */
  const withSource = (source: string) => {
    const { version: _version, ...doc } = registry([model("m", { categories: { code: { base_score: 10, confidence: 0 } }, benchmarks: [{ name: "MBPP", score: 40, setting: "", source }] })]);
    return doc;
  };

  it.each(["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "ftp://example.com/x", "vbscript:msgbox(1)"])(
    "%s: 400 naming models.0.benchmarks.0.source, nothing stored",
    async (source) => {
      const problem = await expectProblem(await putJson("/v1/registry?canary=false", withSource(source), ADMIN), 400);
      expect(problem.errors).toContainEqual({ path: "models.0.benchmarks.0.source", message: expect.stringContaining("http") });
      expect(await env.ROUTER_KV.get("registry:v:2")).toBeNull();
    },
  );

  it("http and https sources are stored", async () => {
    for (const source of ["https://example.com/paper#table-2", "http://example.org/results"]) {
      expect((await putJson("/v1/registry?canary=false", withSource(source), ADMIN)).status).toBe(200);
    }
  });
});

/**
 * Finding 2 (SSRF carrying the node token): which node endpoints the router accepts and forwards
 * to. The policy as a pure function (every address form the report tried, the allowlist), then
 * through the worker: a push naming a refused endpoint gets 400 naming it, and a refused endpoint
 * already in KV (stored before the policy, or the policy tightened since) is never contacted.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { checkEndpoint, endpointPolicy, forwardUrl } from "../../src/telemetry/endpoint-policy";
import { nodeTokens } from "../../src/telemetry/node-tokens";
import { TelemetryStore } from "../../src/telemetry/store";
import { SnapshotSchema } from "../../src/telemetry/snapshot";
import { expectProblem } from "../support/http";
import { gpu, push, snapshot } from "../support/telemetry";

const PROD = endpointPolicy({}, "https://router.example.com/v1/telemetry");
const DEV = endpointPolicy({}, "http://127.0.0.1:8787/v1/telemetry");
const allowed = (raw: string, policy = PROD) => checkEndpoint(raw, policy);

describe("the default policy", () => {
  it("accepts http(s) hosts and private addresses, normalized (lowercase host, no trailing slash)", () => {
    expect(allowed("http://10.0.0.5:8000")).toEqual({ ok: true, endpoint: "http://10.0.0.5:8000" });
    expect(allowed("HTTPS://GPU-01.Example.com/")).toEqual({ ok: true, endpoint: "https://gpu-01.example.com" });
    expect(allowed("http://gpu.lan:8000/vllm/v2/")).toEqual({ ok: true, endpoint: "http://gpu.lan:8000/vllm/v2" });
    expect(allowed("http://[fd00::5]:8000")).toEqual({ ok: true, endpoint: "http://[fd00::5]:8000" });
    expect(allowed("http://192.168.1.20:443")).toEqual({ ok: true, endpoint: "http://192.168.1.20:443" });
  });

  const refused: Array<[string, RegExp]> = [
    // The report's SSRF: a path and query that turn /v1/chat/completions into a parameter.
    ["http://router.internal/internal/admin?x=", /query/],
    ["http://10.0.0.5:8000/#frag", /fragment/],
    ["http://user:pass@10.0.0.5:8000", /user info/],
    ["http://10.0.0.5:8000/a%2f..%2fadmin", /percent/],
    ["http://10.0.0.5:8000/a/../admin", /segments/],
    ["ftp://10.0.0.5/", /http/],
    ["javascript:alert(1)", /http/],
    ["http:///nohost", /host/],
    // Cloud metadata, by address and by name; link-local in every spelling.
    ["http://169.254.169.254/latest/meta-data", /linkLocal/],
    ["http://169.254.170.2", /linkLocal/],
    ["http://[fe80::1]:8000", /linkLocal/],
    ["http://[::ffff:169.254.169.254]", /linkLocal/],
    ["http://[64:ff9b::a9fe:a9fe]", /linkLocal.*rfc6052/],
    ["http://[2002:a9fe:a9fe::1]", /linkLocal.*6to4/],
    ["http://[fd00:ec2::254]", /metadata/],
    ["http://100.100.100.200", /metadata/],
    ["http://metadata.google.internal/computeMetadata/v1", /metadata/],
    // Loopback outside local development, in every spelling.
    ["http://127.0.0.1:8000", /loopback/],
    ["http://[::1]:8000", /loopback/],
    ["http://localhost:8000", /loopback/],
    ["http://api.localhost:8000", /loopback/],
    ["http://0x7f000001:8000", /four decimal/],
    ["http://2130706433:8000", /four decimal/],
    ["http://0177.0.0.1:8000", /four decimal/],
    ["http://127.1:8000", /four decimal/],
    ["http://0.0.0.0:8000", /unspecified/],
    ["http://255.255.255.255", /broadcast/],
    ["http://224.0.0.1", /multicast/],
    ["http://240.0.0.1", /reserved/],
    // The router itself.
    ["https://router.example.com/", /router's own/],
    ["http://router.example.com:8080", /router's own/],
    ["http://gpu.lan.:8000", /trailing dot/],
  ];
  for (const [raw, why] of refused) {
    it(`refuses ${raw}`, () => {
      const result = allowed(raw);
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.message).toMatch(why);
    });
  }

  it("allows loopback in local development (the router on loopback), except the router's own port", () => {
    expect(allowed("http://127.0.0.1:8001", DEV)).toEqual({ ok: true, endpoint: "http://127.0.0.1:8001" });
    expect(allowed("http://localhost:8001", DEV).ok).toBe(true);
    expect(allowed("http://[::1]:8001", DEV).ok).toBe(true);
    for (const own of ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"]) expect(allowed(own, DEV), own).toMatchObject({ ok: false, message: /router's own/ });
    expect(allowed("http://169.254.169.254", DEV).ok).toBe(false);
  });
});

describe("NODE_ENDPOINT_ALLOW", () => {
  const policy = endpointPolicy({ NODE_ENDPOINT_ALLOW: "10.0.0.0/8:8000, gpu.example.com:443 *.rack2.example.com:8000-8010 [fd00::/8] 127.0.0.1:9000" }, "https://router.example.com/");

  it("accepts only listed hosts, CIDRs and ports", () => {
    expect(allowed("http://10.1.2.3:8000", policy).ok).toBe(true);
    expect(allowed("http://[::ffff:10.1.2.3]:8000", policy).ok).toBe(true);
    expect(allowed("https://gpu.example.com", policy).ok).toBe(true);
    expect(allowed("http://a.rack2.example.com:8005", policy).ok).toBe(true);
    expect(allowed("http://[fd00::1]:1234", policy).ok).toBe(true);
    // Explicitly listed loopback is the operator's choice, even in production.
    expect(allowed("http://127.0.0.1:9000", policy).ok).toBe(true);
    for (const raw of ["http://10.1.2.3:8001", "http://11.0.0.1:8000", "http://gpu.example.com:8000", "http://rack2.example.com:8005", "http://a.rack2.example.com:8011", "http://evil.example.com", "http://127.0.0.1:9001"]) {
      expect(allowed(raw, policy), raw).toMatchObject({ ok: false, message: /NODE_ENDPOINT_ALLOW|loopback/ });
    }
  });

  it("never lets an allowlist open link-local, metadata or the router itself", () => {
    const wide = endpointPolicy({ NODE_ENDPOINT_ALLOW: "0.0.0.0/0 [::/0] router.example.com metadata.google.internal" }, "https://router.example.com/");
    for (const raw of ["http://169.254.169.254", "http://[fe80::1]", "https://router.example.com", "http://metadata.google.internal"]) expect(allowed(raw, wide).ok, raw).toBe(false);
    expect(allowed("http://8.8.8.8", wide).ok).toBe(true);
  });

  it("refuses every endpoint while the allowlist is malformed (fail closed)", () => {
    for (const bad of ["10.0.0.0/33", "gpu.example.com:99999", "fd00::1:8000", "not a host!", "10.0.0.0/8:80-70", "0x7f.1"]) {
      const broken = endpointPolicy({ NODE_ENDPOINT_ALLOW: bad }, "https://router.example.com/");
      expect(broken.misconfigured, bad).toMatch(/NODE_ENDPOINT_ALLOW/);
      expect(allowed("http://10.0.0.5:8000", broken).ok).toBe(false);
    }
  });
});

describe("forwarding", () => {
  it("appends only /v1/... to the normalized base", () => {
    expect(forwardUrl("http://gpu.lan:8000/vllm/", "/v1/chat/completions", PROD)).toEqual({ ok: true, url: "http://gpu.lan:8000/vllm/v1/chat/completions" });
    expect(forwardUrl("http://router.internal/internal/admin?x=", "/v1/chat/completions", PROD).ok).toBe(false);
  });

  it("sends each node its own token from NODE_TOKENS, NODE_TOKEN only as the fallback, nothing when NODE_TOKENS is malformed", () => {
    const lookup = nodeTokens({ NODE_TOKENS: JSON.stringify({ "gpu-a1": "token-for-a1-000000", "rack2-*": "token-for-rack2-0000", "rack2-special": "token-special-00000" }), NODE_TOKEN: "fleet-wide-fallback-token" });
    expect(lookup("gpu-a1")).toBe("token-for-a1-000000");
    expect(lookup("rack2-n7")).toBe("token-for-rack2-0000");
    expect(lookup("rack2-special")).toBe("token-special-00000");
    expect(lookup("other")).toBe("fleet-wide-fallback-token");
    expect(nodeTokens({ NODE_TOKENS: JSON.stringify({ "gpu-a1": "token-for-a1-000000" }) })("other")).toBeUndefined();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      expect(nodeTokens({ NODE_TOKENS: "{not json", NODE_TOKEN: "fleet-wide-fallback-token" })("gpu-a1")).toBeUndefined();
      expect(nodeTokens({ NODE_TOKENS: JSON.stringify({ "gpu-a1": "short" }) })("gpu-a1")).toBeUndefined();
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(2);
    expect(JSON.stringify(errors)).not.toContain("short\"");
  });
});

describe("through the worker", () => {
  it("400 naming the endpoint for a refused JSON or raw push; nothing stored", async () => {
    const json = await expectProblem(await push(snapshot("sec-ssrf-json", [gpu(0, 1000)], { endpoint: "http://169.254.169.254/latest" })), 400);
    expect(json.errors).toEqual([{ path: "endpoint", message: expect.stringMatching(/linkLocal/) }]);
    const raw = await expectProblem(await push("index, memory.free [MiB]\n0, 100\n", {
      contentType: "text/csv",
      headers: { "x-node-name": "sec-ssrf-raw", "x-node-endpoint": "http://router/internal/admin?x=" },
    }), 400);
    expect(raw.errors[0]!.path).toBe("header.x-node-endpoint");
    const store = new TelemetryStore(env.ROUTER_KV);
    expect(await store.read("sec-ssrf-json")).toBeNull();
    expect(await store.read("sec-ssrf-raw")).toBeNull();
  });

  it("stores the normalized endpoint", async () => {
    expect((await push(snapshot("sec-normal", [gpu(0, 1000)], { endpoint: "HTTP://GPU.Example.com:8000/Base/" }))).status).toBe(202);
    expect((await new TelemetryStore(env.ROUTER_KV).read("sec-normal"))!.endpoint).toBe("http://gpu.example.com:8000/Base");
  });

  it("never contacts a refused endpoint already in KV: 502 'Upstreams refused', no attempt", async () => {
    // As if stored before the policy existed: written straight to KV, with the router's own host and a query.
    const stale = SnapshotSchema.parse(snapshot("sec-stored-ssrf", [gpu(0, 140_000)], { endpoint: "http://router/internal/admin?x=", models: ["qwen2.5-7b-instruct"] }));
    await new TelemetryStore(env.ROUTER_KV).write(stale, new Date());
    const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request("http://router/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "qwen2.5-7b-instruct", messages: [{ role: "user", content: "secret prompt" }] }) }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const problem = await expectProblem(response, 502);
    expect(problem.title).toBe("Upstreams refused");
    expect(response.headers.get("x-router-attempts")).toBe("0");
    expect(problem.errors[0]!.message).toMatch(/^sec-stored-ssrf: endpoint refused: /);
    await env.ROUTER_KV.delete("telemetry:node:sec-stored-ssrf");
  });
});

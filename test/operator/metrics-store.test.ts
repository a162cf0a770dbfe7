/**
 * The metrics Durable Object on the real binding (batches counted once, the series guard, the
 * bounded recent-decision list, input validated), and the pure parts around it: the exposition
 * writer checked against an independent parser, and the outcome names.
 */
import { env } from "cloudflare:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { Problem } from "../../src/errors";
import { STORED, type MetricFamily } from "../../src/operator/metrics/catalog";
import { MetricDeltas } from "../../src/operator/metrics/deltas";
import { formatValue, renderExposition } from "../../src/operator/metrics/exposition";
import { MAX_SERIES, RECENT_DECISIONS } from "../../src/operator/metrics/object";
import { routeOutcome, telemetryRejection } from "../../src/operator/metrics/outcomes";
import type { Batch, RecentDecision } from "../../src/operator/metrics/series";
import { captureConsole } from "../support/console";

let n = 0;
/** Each test its own object instance, so counts start from zero. */
const fresh = () => env.METRICS.getByName(`metrics-test-${Date.now()}-${++n}`);

const decision = (i: number): RecentDecision => ({
  at: new Date(1_800_000_000_000 + i * 1000).toISOString(),
  outcome: "ok",
  status: 200,
  duration_ms: 0,
  decision_id: `d-${i}`,
  category: "code",
  resolved_category: "code",
  model: "m",
  node: null,
  gpu_index: null,
  experiment: null,
  variant: null,
});

const batch = (id: string, value: number, decisions: RecentDecision[] = []): Batch => ({
  id,
  counters: [{ name: STORED.routeDecisions.name, labels: { category: "code", resolved_category: "code", model: "m", outcome: "ok" }, value }],
  decisions,
});

describe("MetricsObject", () => {
  it("adds batches and counts a retried batch id once", async () => {
    const stub = fresh();
    expect(await stub.apply([batch("iso:0", 2)])).toEqual({ applied: 1, duplicates: 0, rejected: 0, dropped_series: 0 });
    expect(await stub.apply([batch("iso:0", 2), batch("iso:1", 3)])).toEqual({ applied: 1, duplicates: 1, rejected: 0, dropped_series: 0 });
    const { series } = await stub.read();
    expect(series.filter((s) => s.name === STORED.routeDecisions.name)).toEqual([
      { name: STORED.routeDecisions.name, labels: { category: "code", model: "m", outcome: "ok", resolved_category: "code" }, value: 5 },
    ]);
    expect(series.find((s) => s.name === STORED.batches.name)!.value).toBe(2);
  });

  it("keeps the most recent decisions only, newest first", async () => {
    const stub = fresh();
    const all = Array.from({ length: RECENT_DECISIONS + 7 }, (_, i) => decision(i));
    await stub.apply([batch("a", 1, all.slice(0, 50)), batch("b", 1, all.slice(50))]);
    const { decisions } = await stub.read();
    expect(decisions).toHaveLength(RECENT_DECISIONS);
    expect(decisions[0]!.decision_id).toBe(`d-${RECENT_DECISIONS + 6}`);
    expect(decisions.at(-1)!.decision_id).toBe("d-7");
  });

  it("stops adding series at MAX_SERIES and counts what it dropped", async () => {
    const stub = fresh();
    const counters = Array.from({ length: MAX_SERIES + 3 }, (_, i) => ({ name: "router_test_total", labels: { i: String(i) }, value: 1 }));
    expect(await stub.apply([{ id: "big", counters, decisions: [] }])).toEqual({ applied: 1, duplicates: 0, rejected: 0, dropped_series: 3 });
    // Existing series still count.
    expect((await stub.apply([{ id: "again", counters: counters.slice(0, 1), decisions: [] }])).dropped_series).toBe(0);
    const { series } = await stub.read();
    expect(series.find((s) => s.name === "router_test_total" && s.labels["i"] === "0")!.value).toBe(2);
    expect(series.find((s) => s.name === STORED.droppedSeries.name)!.value).toBe(3);
    expect(series.filter((s) => s.name === "router_test_total")).toHaveLength(MAX_SERIES);
  });

  it("refuses a malformed batch whole and still applies the good one beside it", async () => {
    const stub = fresh();
    const bad: Batch = { id: "bad", counters: [...batch("x", 1).counters, { name: "not a name", labels: {}, value: 1 }], decisions: [] };
    const { result, logged } = await captureConsole(() => stub.apply([bad, batch("good", 4)]));
    expect(result).toEqual({ applied: 1, duplicates: 0, rejected: 1, dropped_series: 0 });
    expect(logged).toEqual([expect.stringMatching(/^metrics: refusing an invalid batch: .*"path":\["counters",1,"name"\]/)]);
    expect((await stub.read()).series.filter((s) => s.name === STORED.routeDecisions.name).map((s) => s.value)).toEqual([4]);
  });
});

describe("MetricDeltas", () => {
  it("records a histogram observation as cumulative buckets, sum and count", () => {
    const family: MetricFamily = { name: "t_seconds", type: "histogram", help: "t", labels: [], buckets: [0.1, 1] };
    const deltas = new MetricDeltas();
    deltas.observe(family, {}, 0.5);
    deltas.observe(family, {}, 0.05);
    const byKey = Object.fromEntries(deltas.drain().map((s) => [`${s.name}${s.labels["le"] ?? ""}`, s.value]));
    expect(byKey).toEqual({ "t_seconds_bucket0.1": 1, t_seconds_bucket1: 2, "t_seconds_bucket+Inf": 2, t_seconds_sum: 0.55, t_seconds_count: 2 });
    expect(deltas.size).toBe(0);
  });
});

describe("renderExposition", () => {
  it("escapes label values so a parser reads back exactly what was written", () => {
    const family: MetricFamily = { name: "t_total", type: "counter", help: 'help with \\ and\nnewline', labels: ["v"] };
    const nasty = 'a "quoted" \\ back\nslash';
    const text = renderExposition([{ family, samples: [{ name: "t_total", labels: { v: nasty }, value: 3 }] }]);
    expect(text).toContain("# HELP t_total help with \\\\ and\\nnewline\n");
    const [parsed] = parsePrometheusTextFormat(text);
    expect(parsed!.metrics[0]!.labels!["v"]).toBe(nasty);
    expect(parsed!.metrics[0]!.value).toBe("3");
  });

  it("fills missing buckets of a histogram from the bucket below, and writes infinities as Prometheus does", () => {
    const family: MetricFamily = { name: "h_seconds", type: "histogram", help: "h", labels: [], buckets: [0.1, 0.5, 1] };
    const text = renderExposition([
      {
        family,
        samples: [
          { name: "h_seconds_bucket", labels: { le: "0.5" }, value: 2 },
          { name: "h_seconds_bucket", labels: { le: "+Inf" }, value: 3 },
          { name: "h_seconds_sum", labels: {}, value: 4.5 },
          { name: "h_seconds_count", labels: {}, value: 3 },
        ],
      },
    ]);
    const [parsed] = parsePrometheusTextFormat(text);
    expect(parsed!.metrics[0]!.buckets).toEqual({ "0.1": "0", "0.5": "2", "1": "2", "+Inf": "3" });
    expect([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(1e-7)]).toEqual(["+Inf", "-Inf", "NaN", "1e-7"]);
  });
});

describe("outcome names", () => {
  const problem = (status: number, path: string, message = "x", title = "T") => new Problem({ status, title, detail: message, errors: [{ path, message }] });

  it("name route outcomes from the status and the problem", () => {
    expect(routeOutcome(200, undefined)).toBe("ok");
    expect(routeOutcome(422, problem(422, "constraints"))).toBe("no_model");
    expect(routeOutcome(503, problem(503, "placement", "x", "No GPU available"))).toBe("no_gpu");
    expect(routeOutcome(503, problem(503, "x", "x", "Registry unavailable"))).toBe("unavailable");
    expect(routeOutcome(500, new Error("bug"))).toBe("error");
    expect(routeOutcome(418, undefined)).toBe("other");
  });

  it("name telemetry rejections from the field the problem points at", () => {
    expect(telemetryRejection(401, problem(401, "header.x-signature", "missing x-signature: sign it"))).toBe("missing_header");
    expect(telemetryRejection(401, problem(401, "header.x-signature", "signature does not match"))).toBe("bad_signature");
    expect(telemetryRejection(401, problem(401, "header.x-agent-id", "unknown agent 'z'"))).toBe("unknown_agent");
    expect(telemetryRejection(400, problem(400, "gpus.0.memory_free_mb"))).toBe("invalid_snapshot");
    expect(telemetryRejection(400, problem(400, "taken_at"))).toBe("future_snapshot");
    expect(telemetryRejection(409, problem(409, "node"))).toBe("node_owned_by_other_agent");
    expect(telemetryRejection(413, problem(413, "body"))).toBe("too_large");
    expect(telemetryRejection(403, problem(403, "header.x-agent-id"))).toBe("keys_unconfigured");
  });
});

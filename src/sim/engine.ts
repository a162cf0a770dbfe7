/**
 * One policy against one trace: a discrete-event simulation of the fleet. Arrivals come from the
 * trace in order; GPU events (loads, completions) and telemetry events (agent pushes, deliveries,
 * router re-reads) come from the event queue. Pure: time is simulated, randomness comes from the
 * Random it is handed, and the kernel module is passed in. Called by run.ts.
 */
import type { Registry } from "../registry/schema";
import type { SimConfig } from "./config";
import { EventQueue, type SimEvent } from "./events";
import { buildFleet, type SimFleet } from "./fleet";
import { UtilizationSeries, type PolicyResult } from "./metrics";
import { policyRegistry, type Placer, type Policy } from "./policies";
import type { QualityTable } from "./quality";
import type { Random } from "./random";
import { SimRouter } from "./router";
import { Serving, type ModelTable } from "./serving";
import { RouterView, sampleNode, simToMs } from "./telemetry";
import type { Trace } from "./trace";
import { summarize, type RunState } from "./summary";

export interface RunInput {
  config: SimConfig;
  /** The unedited registry; the policy applies its own edits. */
  registry: Registry;
  policy: Policy;
  trace: Trace;
  kernelModule: WebAssembly.Module;
  /** The run's root stream; the engine forks "fleet", "telemetry" and "placer" from it. */
  random: Random;
  quality: QualityTable;
  /** Called now and then with the share of the trace done. */
  onProgress?: (done: number) => void;
}

/** Per-model constants from the registry: footprint at default precision and decode speed. */
export function modelTable(registry: Registry, config: SimConfig): ModelTable {
  const { token_ms_fixed, token_ms_per_b } = config.physics;
  return {
    ids: registry.models.map((m) => m.id),
    served: registry.models.map((m) => m.hf_repo),
    memory_mb: Float64Array.from(registry.models, (m) => m.memory_mb[m.default_precision]!),
    s_per_token: Float64Array.from(registry.models, (m) => (token_ms_fixed + token_ms_per_b * (m.active_params_b ?? m.params_b)) / 1000),
  };
}

export function runPolicy(input: RunInput): { result: PolicyResult; fleet: SimFleet } {
  const { config, policy, trace } = input;
  const registry = policyRegistry(policy, input.registry);
  const fleet = buildFleet(config, input.random.fork("fleet"));
  const models = modelTable(input.registry, config);
  const modelIndex = new Map(models.ids.map((id, i) => [id, i]));
  const events = new EventQueue();
  const serving = new Serving(fleet, models, config.physics, events, input.registry.config.gpu.max_temperature_c);
  // Isolate 0 keeps the plain "sim-" ids, so a one-isolate run replays the earlier single-router runs.
  const isolates = policy.live_telemetry ? config.telemetry.isolates : 1;
  const routers = Array.from({ length: isolates }, (_, k) => new SimRouter(registry, input.kernelModule, k === 0 ? "sim-" : `sim${k}-`));
  const placer: Placer = policy.placer({ fleet, registry, random: input.random.fork("placer") });
  const series = new UtilizationSeries(fleet.gpus, config.fleet.slots);
  const telemetryRandom = input.random.fork("telemetry");
  const view = policy.live_telemetry ? new RouterView(fleet.nodes.length, isolates) : null;
  const { push_interval_s, push_delay_s, view_ttl_s } = config.telemetry;
  const degrade = config.degrade;
  const duration = config.trace.duration_s;
  const state: RunState = { arrived: 0, rejected_no_model: 0, rejected_no_gpu: 0, stale_placements: 0 };

  if (view) {
    // The agents were pushing before the run: the router starts with a fresh picture.
    fleet.nodes.forEach((_, n) => {
      view.deliver(n, sampleNode(fleet, n, 0, models, config.telemetry.engines));
      events.push(telemetryRandom.next() * push_interval_s, { kind: "push", node: n });
    });
    events.push(0, { kind: "refresh", isolate: 0 });
    // Further isolates start warm too, then re-read on their own phase of the TTL.
    for (let k = 1; k < isolates; k++) {
      const read = view.read(k)!;
      routers[k]!.setFleet(read.generation, read.nodes);
      events.push((k * view_ttl_s) / isolates, { kind: "refresh", isolate: k });
    }
  }
  if (degrade && degrade.from_s > 0) events.push(degrade.from_s, { kind: "degrade" });
  events.push(config.sample_s, { kind: "sample" });

  const handle = (t: number, e: SimEvent): void => {
    switch (e.kind) {
      case "complete":
        return serving.complete(fleet.gpus[e.gpu]!, e.resident, e.request, t);
      case "loaded":
        return serving.loaded(fleet.gpus[e.gpu]!, e.resident, t);
      case "push": {
        events.push(t + push_interval_s, e);
        const lost = degrade !== null && fleet.nodes[e.node]!.site === degrade.site && t >= degrade.from_s && telemetryRandom.next() < degrade.push_loss;
        if (!lost) events.push(t + push_delay_s, { kind: "deliver", node: e.node, snapshot: sampleNode(fleet, e.node, t, models, config.telemetry.engines) });
        return;
      }
      case "deliver":
        return view!.deliver(e.node, e.snapshot);
      case "refresh": {
        const read = view!.read(e.isolate);
        if (read) routers[e.isolate]!.setFleet(read.generation, read.nodes);
        events.push(t + view_ttl_s, e);
        return;
      }
      case "sample":
        series.sample(t);
        serving.sweep(t);
        events.push(t + config.sample_s, e);
        return;
      case "degrade":
        for (const gpu of fleet.gpus) if (gpu.site === degrade!.site) gpu.setAmbient(t, gpu.ambient_c + degrade!.ambient_offset_c);
        return;
    }
  };

  const arrive = (i: number, t: number): void => {
    state.arrived++;
    const category = trace.categories[trace.category[i]!]!;
    const outcome = routers[i % isolates]!.route(category, simToMs(t));
    if (outcome.status !== "ok") {
      if (outcome.status === "no_model") state.rejected_no_model++;
      else state.rejected_no_gpu++;
      return;
    }
    const m = modelIndex.get(outcome.model)!;
    const memory_mb = models.memory_mb[m]!;
    const g = placer.place({ outcome, memory_mb });
    if (g < 0) {
      state.rejected_no_gpu++;
      return;
    }
    if (outcome.stale) state.stale_placements++;
    const quality = input.quality.score(category, outcome.model);
    // With preallocation a request's KV cache lives inside its model's preallocated share.
    const kv_mb = config.physics.prealloc_share === null ? memory_mb * config.physics.kv_fraction_per_request : 0;
    const request = { id: i, arrival_s: t, category: trace.category[i]!, tokens: trace.tokens[i]!, model: m, quality, kv_mb };
    serving.dispatch(request, g, t);
  };

  const n = trace.arrival_s.length;
  const step = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i <= n; i++) {
    const next = i < n ? trace.arrival_s[i]! : duration;
    // Events at the same instant as an arrival run first (a completion frees its slot before).
    while (events.size > 0 && events.peekTime() <= next) {
      const { t, event } = events.pop();
      handle(t, event);
    }
    if (i < n) arrive(i, next);
    if (input.onProgress && i % step === 0) input.onProgress(i / n);
  }
  series.sample(duration);
  serving.sweep(duration);
  return { result: summarize({ policy, state, serving, fleet, series, config }), fleet };
}

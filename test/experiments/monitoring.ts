/**
 * The seeded monitoring simulation of issue 13: experiments whose report is read at every look,
 * as the dashboard (every 5 s) and clients of GET /v1/experiments/:id do. Events are counted with
 * the Durable Object's own countEvent and every look goes through buildReport itself, so what is
 * measured is what a user sees. Pure and deterministic for a seed.
 *
 * Set-up (the issue's): two arms, 5 % errors, score N(0.7, 0.1), log-normal latency (median
 * 400 ms, σ of the log 0.5), min_samples 200, significance 0.05, a look after every 50 events per
 * arm up to 5,000 per arm. The treatment's score mean is raised by `lift` standard deviations.
 */
import { countEvent, zeroCounters } from "../../src/experiments/counters";
import { buildReport } from "../../src/experiments/report";
import type { Experiment, VariantCounters } from "../../src/experiments/schema";
import { prng } from "../support/synthetic";

export interface MonitoringSetup {
  experiments: number;
  seed: number;
  /** Treatment's score lift in standard deviations of the score (0 for A/A). */
  lift: number;
  lookEvery?: number;
  maxPerArm?: number;
}

export interface MonitoringResult {
  experiments: number;
  /** Experiments in which any look named any winner. */
  everNamed: number;
  /** Experiments in which some look named the treatment. */
  treatmentNamed: number;
  /** Experiments in which some look named the control. */
  controlNamed: number;
  /** Looks taken in all (reports built). */
  looks: number;
}

const SCORE_MEAN = 0.7;
const SCORE_SD = 0.1;
const ERROR_RATE = 0.05;
const LATENCY_LOG_MEDIAN = Math.log(400);
const LATENCY_LOG_SD = 0.5;

export const MONITORED_EXPERIMENT: Experiment = {
  id: "monitoring-sim",
  description: null,
  scope: { category: "code", include_descendants: false },
  variants: [{ name: "control", model: "model-a" }, { name: "treatment", model: "model-b" }],
  split: [0.5, 0.5],
  min_samples: 200,
  significance: 0.05,
  status: "running",
  origin: "api",
  created_at: "2026-01-01T00:00:00.000Z",
  stopped_at: null,
};

/** Standard normal draws by Box–Muller, both values of each pair used. */
function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

export function simulateMonitoring(setup: MonitoringSetup): MonitoringResult {
  const rand = prng(setup.seed);
  const normal = gaussian(rand);
  const lookEvery = setup.lookEvery ?? 50;
  const maxPerArm = setup.maxPerArm ?? 5000;
  const means = [SCORE_MEAN, SCORE_MEAN + setup.lift * SCORE_SD];
  const result: MonitoringResult = { experiments: setup.experiments, everNamed: 0, treatmentNamed: 0, controlNamed: 0, looks: 0 };
  for (let e = 0; e < setup.experiments; e++) {
    let counters: VariantCounters[] = [zeroCounters("control"), zeroCounters("treatment")];
    const named = new Set<string>();
    for (let perArm = lookEvery; perArm <= maxPerArm; perArm += lookEvery) {
      counters = counters.map((c, arm) => {
        let next = c;
        for (let i = 0; i < lookEvery; i++) {
          next = countEvent(next, {
            error: rand() < ERROR_RATE,
            latency_ms: Math.exp(LATENCY_LOG_MEDIAN + LATENCY_LOG_SD * normal()),
            score: means[arm]! + SCORE_SD * normal(),
          });
        }
        return next;
      });
      const report = buildReport({ experiment: MONITORED_EXPERIMENT, counters });
      result.looks++;
      if (report.winner !== null) named.add(report.winner);
    }
    if (named.size > 0) result.everNamed++;
    if (named.has("treatment")) result.treatmentNamed++;
    if (named.has("control")) result.controlNamed++;
  }
  return result;
}

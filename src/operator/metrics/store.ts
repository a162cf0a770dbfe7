/**
 * The worker's side of the metrics Durable Object: the one instance by name, every answer
 * validated with zod before use. Called by recorder.ts (flushes) and by GET /metrics and the
 * dashboard (reads).
 */
import type { MetricsObject } from "./object";
import { ApplyResultSchema, MetricsStateSchema, type ApplyResult, type Batch, type MetricsState } from "./series";

/** The single instance's name: counters are global, and at most one flush per second per isolate reaches it. */
export const METRICS_OBJECT_NAME = "global";

export class MetricsStore {
  constructor(private readonly namespace: DurableObjectNamespace<MetricsObject>) {}

  private stub(): DurableObjectStub<MetricsObject> {
    return this.namespace.getByName(METRICS_OBJECT_NAME);
  }

  async apply(batches: Batch[]): Promise<ApplyResult> {
    return ApplyResultSchema.parse(await this.stub().apply(batches));
  }

  async read(): Promise<MetricsState> {
    return MetricsStateSchema.parse(await this.stub().read());
  }
}

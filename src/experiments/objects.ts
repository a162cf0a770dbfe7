/**
 * The worker's side of the experiment Durable Objects: one stub per experiment id, every answer
 * validated with zod before use (RPC results are input like any other). Called by service.ts,
 * the experiment routes and the routing integration.
 */
import { z } from "@hono/zod-openapi";
import type { ExperimentObject } from "./object";
import {
  EventOutcomeSchema,
  ExperimentSchema,
  ExperimentSnapshotSchema,
  type EventOutcome,
  type Experiment,
  type ExperimentSnapshot,
  type OutcomeEvent,
} from "./schema";

const CreatedSchema = z.object({ created: z.boolean(), experiment: ExperimentSchema });

export class ExperimentObjects {
  constructor(private readonly namespace: DurableObjectNamespace<ExperimentObject>) {}

  private stub(id: string): DurableObjectStub<ExperimentObject> {
    return this.namespace.getByName(id);
  }

  async create(experiment: Experiment): Promise<z.infer<typeof CreatedSchema>> {
    return CreatedSchema.parse(await this.stub(experiment.id).create(experiment));
  }

  async definition(id: string): Promise<Experiment | null> {
    return ExperimentSchema.nullable().parse(await this.stub(id).definition());
  }

  async stop(id: string, stoppedAt: Date): Promise<Experiment | null> {
    return ExperimentSchema.nullable().parse(await this.stub(id).stop(stoppedAt.toISOString()));
  }

  async recordAssignment(id: string, variant: string, fallback: boolean): Promise<boolean> {
    return z.boolean().parse(await this.stub(id).recordAssignment(variant, fallback));
  }

  async recordEvent(id: string, event: OutcomeEvent, receivedAtMs: number): Promise<EventOutcome> {
    return EventOutcomeSchema.parse(await this.stub(id).recordEvent(event, receivedAtMs));
  }

  async snapshot(id: string): Promise<ExperimentSnapshot | null> {
    return ExperimentSnapshotSchema.nullable().parse(await this.stub(id).snapshot());
  }
}

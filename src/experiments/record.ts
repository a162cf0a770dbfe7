/**
 * Counting a routing assignment without adding a Durable Object round-trip to the decision:
 * the RPC is handed to waitUntil and runs after the response is sent. Called by
 * src/routing/routes.ts after routeWithExperiment.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { executionContext } from "../execution-context";
import { ExperimentObjects } from "./objects";
import type { Assignment } from "./route-with-experiment";

export function recordAssignmentLater(c: Context<AppEnv>, assignment: Assignment): void {
  const task = new ExperimentObjects(c.env.EXPERIMENTS)
    .recordAssignment(assignment.experiment, assignment.variant, assignment.fallback)
    .then(() => undefined, (error: unknown) => console.error(`experiment ${assignment.experiment}: assignment not counted:`, error));
  // Without an execution context (app.request() in tests) the task still runs, just unattached.
  executionContext(c)?.waitUntil(task);
}

/**
 * The experiment endpoints (DESIGN §2): create, list, report, stop, and outcome events. The
 * Durable Object answers for one experiment; the KV index answers the list.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin, requireClient } from "../auth";
import type { Env } from "../env";
import { badRequest, conflict, notFound } from "../errors";
import { pickProblems, jsonResponse } from "../problem-schema";
import type { RoutingContext } from "../routing/context";
import { createRouter, jsonBody } from "../validate";
import { ExperimentObjects } from "./objects";
import { buildReport } from "./report";
import { ReportSchema } from "./report-schema";
import type { RunningExperiments } from "./running";
import {
  EventReceiptSchema,
  ExperimentIdSchema,
  ExperimentInputSchema,
  ExperimentListSchema,
  ExperimentSchema,
  ExperimentStatusSchema,
  OutcomeEventSchema,
} from "./schema";
import { createExperiment, stopExperiment } from "./service";
import { ExperimentStore } from "./store";

const IdParam = z.object({ id: ExperimentIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const unknownExperiment = (id: string) => notFound(`no experiment '${id}'`, [{ path: "id", message: "unknown experiment" }]);

/**
 * 404 for an id the KV index does not list, before any Durable Object is touched: reaching an
 * object creates its database, so a flood of unknown ids would otherwise leave one each behind.
 */
async function requireListed(env: Env, id: string): Promise<void> {
  if ((await new ExperimentStore(env.ROUTER_KV).tryGet(id)) === null) throw unknownExperiment(id);
}

const create = createRoute({
  method: "post",
  path: "/v1/experiments",
  tags: ["experiments"],
  summary: "Start an A/B experiment (admin)",
  middleware: [requireAdmin, jsonBody(64 * 1024)] as const,
  request: { body: { required: true, content: { "application/json": { schema: ExperimentInputSchema } } } },
  responses: { 201: jsonResponse("Created and running", ExperimentSchema), ...pickProblems(400, 401, 403, 409, 413, 415) },
});

const list = createRoute({
  method: "get",
  path: "/v1/experiments",
  tags: ["experiments"],
  summary: "List experiments",
  middleware: [requireClient] as const,
  request: { query: z.object({ status: ExperimentStatusSchema.optional() }) },
  responses: { 200: jsonResponse("Experiments by id", ExperimentListSchema), ...pickProblems(400, 401) },
});

const report = createRoute({
  method: "get",
  path: "/v1/experiments/{id}",
  tags: ["experiments"],
  summary: "Report: per-variant statistics, tests against control, SRM check, winner",
  middleware: [requireClient] as const,
  request: { params: IdParam },
  responses: { 200: jsonResponse("The report", ReportSchema), ...pickProblems(400, 401, 404) },
});

const stop = createRoute({
  method: "post",
  path: "/v1/experiments/{id}/stop",
  tags: ["experiments"],
  summary: "Stop an experiment (admin); routing stops assigning, events are refused, the report stays",
  middleware: [requireAdmin] as const,
  request: { params: IdParam },
  responses: { 200: jsonResponse("Stopped", ExperimentSchema), ...pickProblems(400, 401, 403, 404) },
});

const events = createRoute({
  method: "post",
  path: "/v1/experiments/{id}/events",
  tags: ["experiments"],
  summary: "Record the outcome of a routed request; idempotent by event_id",
  middleware: [requireClient, jsonBody(16 * 1024)] as const,
  request: { params: IdParam, body: { required: true, content: { "application/json": { schema: OutcomeEventSchema } } } },
  responses: { 200: jsonResponse("Counted, or recognised as a retry", EventReceiptSchema), ...pickProblems(400, 401, 404, 409, 413, 415) },
});

export function experimentRoutes(context: RoutingContext, running: RunningExperiments) {
  return createRouter()
    .openapi(create, async (c) => {
      const now = new Date();
      const { registry } = await context.get(c.env, now.getTime());
      const input = c.req.valid("json");
      const experiment = await createExperiment({
        env: c.env, registry, input, defaultId: `exp-${crypto.randomUUID()}`, now, origin: "api", running,
      });
      return c.json(experiment, 201);
    })
    .openapi(list, async (c) => {
      const experiments = await new ExperimentStore(c.env.ROUTER_KV).all(c.req.valid("query").status);
      return c.json({ experiments }, 200);
    })
    .openapi(report, async (c) => {
      const { id } = c.req.valid("param");
      await requireListed(c.env, id);
      const snapshot = await new ExperimentObjects(c.env.EXPERIMENTS).snapshot(id);
      if (!snapshot) throw unknownExperiment(id);
      return c.json(buildReport(snapshot), 200);
    })
    .openapi(stop, async (c) => {
      const experiment = await stopExperiment({ env: c.env, id: c.req.valid("param").id, now: new Date(), running });
      return c.json(experiment, 200);
    })
    .openapi(events, async (c) => {
      const { id } = c.req.valid("param");
      const event = c.req.valid("json");
      await requireListed(c.env, id);
      const outcome = await new ExperimentObjects(c.env.EXPERIMENTS).recordEvent(id, event, Date.now());
      switch (outcome.status) {
        case "not_found":
          throw unknownExperiment(id);
        case "stopped":
          throw conflict(`experiment '${id}' is stopped and takes no more events`, [{ path: "id", message: "experiment is stopped" }]);
        case "unknown_variant":
          throw badRequest(`experiment '${id}' has no variant '${event.variant}'`, [
            { path: "variant", message: `unknown variant '${event.variant}'; one of ${outcome.variants.join(", ")}` },
          ]);
        default:
          return c.json(
            { experiment: id, event_id: event.event_id, variant: event.variant, counted: outcome.status === "counted", duplicate: outcome.status === "duplicate" },
            200,
          );
      }
    });
}

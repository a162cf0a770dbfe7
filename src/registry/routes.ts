/**
 * GET/PUT /v1/registry, GET /v1/registry/versions and GET /v1/categories. PUT validates with the
 * same code as the `validate` CLI, then hands the document to the registry's single writer
 * (object.ts), which numbers it and compares `version`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin, requireClient } from "../auth";
import { badRequest, conflict } from "../errors";
import { pickProblems, jsonResponse } from "../problem-schema";
import { CanaryReportSchema, registryBefore, startCanaries } from "../experiments/canary";
import type { RunningExperiments } from "../experiments/running";
import { ExperimentSchema } from "../experiments/schema";
import type { RoutingContext } from "../routing/context";
import { createRouter, jsonBody } from "../validate";
import { ReplaceOutcomeSchema, VersionEntrySchema } from "./object";
import { CategorySchema, RegistrySchema, type Registry } from "./schema";
import { validateRegistry } from "./validation";

/** Registries of 10,000+ models are several MiB; KV takes values up to 25 MiB. */
export const MAX_REGISTRY_BYTES = 16 * 1024 * 1024;

const RegistryInputSchema = RegistrySchema.extend({
  version: z.number().int().min(1).optional().openapi({
    description: "The version this edit was based on; a mismatch answers 409 instead of overwriting a newer registry",
  }),
}).openapi("RegistryInput");

const RegistryReplacedSchema = z
  .object({
    version: z.number().int(),
    updated_at: z.string(),
    models: z.number().int(),
    categories: z.number().int(),
    experiments: z.array(ExperimentSchema).openapi({ description: "Canary experiments this update started (one per category whose top model changed)" }),
    canary: CanaryReportSchema,
  })
  .openapi("RegistryReplaced");

const CategoriesSchema = z
  .object({ version: z.number().int(), categories: z.array(CategorySchema.extend({ benchmarks: z.array(z.string()) })) })
  .openapi("Categories");

const getRegistry = createRoute({
  method: "get",
  path: "/v1/registry",
  tags: ["registry"],
  summary: "The whole registry with its version",
  middleware: [requireClient] as const,
  responses: { 200: jsonResponse("The live registry", RegistrySchema), ...pickProblems(401) },
});

const putRegistry = createRoute({
  method: "put",
  path: "/v1/registry",
  tags: ["registry"],
  summary: "Replace the registry (admin): validated whole, swapped atomically, version bumped",
  middleware: [requireAdmin, jsonBody(MAX_REGISTRY_BYTES)] as const,
  request: {
    query: z.object({ canary: z.enum(["true", "false"]).optional().openapi({ description: "'false': start no canary experiments for this update" }) }),
    body: { required: true, content: { "application/json": { schema: RegistryInputSchema } } },
  },
  responses: {
    200: jsonResponse("Stored and live", RegistryReplacedSchema),
    ...pickProblems(400, 401, 403, 409, 413, 415),
  },
});

const getVersions = createRoute({
  method: "get",
  path: "/v1/registry/versions",
  tags: ["registry"],
  summary: "Every version PUT /v1/registry stored, newest first: each successful PUT is one entry",
  middleware: [requireClient] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: "At most this many, newest first (default 100)" }) }) },
  responses: {
    200: jsonResponse("The history", z.object({ current: z.number().int(), versions: z.array(VersionEntrySchema) }).openapi("RegistryVersions")),
    ...pickProblems(400, 401),
  },
});

const getCategories = createRoute({
  method: "get",
  path: "/v1/categories",
  tags: ["registry"],
  summary: "The taxonomy, with each category's relevant benchmarks resolved through inheritance",
  middleware: [requireClient] as const,
  responses: { 200: jsonResponse("Categories", CategoriesSchema), ...pickProblems(401) },
});

/** The one registry writer's name. */
const WRITER = "global";

export function registryRoutes(context: RoutingContext, running?: RunningExperiments) {
  /** The newest version this isolate installed from its own PUTs. */
  let installed = 0;
  return createRouter()
    .openapi(getRegistry, async (c) => {
      const { registry } = await context.get(c.env, Date.now());
      return c.json(registry, 200);
    })
    .openapi(getCategories, async (c) => {
      const { registry, taxonomy } = await context.get(c.env, Date.now());
      const categories = registry.categories.map((cat) => ({ ...cat, benchmarks: taxonomy.relevantBenchmarks(cat.id) }));
      return c.json({ version: registry.version, categories }, 200);
    })
    .openapi(getVersions, async (c) => {
      const history = await c.env.REGISTRY.getByName(WRITER).versions(c.req.valid("query").limit);
      return c.json({ current: history.current, versions: history.versions.map((v) => VersionEntrySchema.parse(v)) }, 200);
    })
    .openapi(putRegistry, async (c) => {
      const { version: basedOn, ...body } = c.req.valid("json");
      // Versions are the writer's to assign: the document is validated as it will be stored, whatever number it gets.
      const result = validateRegistry({ ...body, version: 1 });
      if (!result.registry) throw badRequest("the registry is invalid; nothing was stored", result.errors);
      const now = new Date();
      const outcome = ReplaceOutcomeSchema.parse(await c.env.REGISTRY.getByName(WRITER).replace(result.registry, basedOn ?? null, now.toISOString()));
      if (outcome.status === "conflict") {
        throw conflict(`the registry is at version ${outcome.current}, the edit was based on ${basedOn}`, [{ path: "version", message: `expected ${outcome.current}` }]);
      }
      const stored: Registry = { ...result.registry, version: outcome.version, updated_at: outcome.updated_at };
      // Concurrent PUTs can finish in any order: never install an older version over a newer one.
      if (stored.version > installed) {
        installed = stored.version;
        context.install(stored);
      }
      const previous = await registryBefore(context, c.env, outcome.replaced);
      const canary = await startCanaries({ env: c.env, previous, next: stored, requested: c.req.valid("query").canary !== "false", now, running });
      return c.json(
        {
          version: stored.version, updated_at: stored.updated_at!, models: stored.models.length, categories: stored.categories.length,
          experiments: canary.started, canary: canary.report,
        },
        200,
      );
    });
}

/** GET /healthz: liveness, plus the kernel ABI the worker was built with. */
import { jsonResponse } from "./problem-schema";
import { createRoute, z } from "@hono/zod-openapi";
import { ABI_VERSION } from "../assembly/layout";
import { createRouter } from "./validate";

const HealthSchema = z.object({ ok: z.literal(true), kernel_abi: z.number().int() }).openapi("Health");

const health = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["operator"],
  summary: "Liveness",
  responses: { 200: jsonResponse("Alive", HealthSchema) },
});

export function healthRoutes() {
  return createRouter().openapi(health, (c) => c.json({ ok: true as const, kernel_abi: ABI_VERSION }, 200));
}

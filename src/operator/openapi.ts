/**
 * GET /openapi.json and GET /docs: the OpenAPI 3.1 document generated from the same zod schemas the
 * handlers validate with (every router registers its routes through createRoute), and a page that
 * renders it on the server — no CDN, no JavaScript needed. Mounted last by app.ts so it sees every
 * route.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { renderDocsPage } from "./docs-page";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "edge-model-router",
    version: "1",
    description:
      "Decides per request which open model serves it and on which GPU. Every error is application/problem+json " +
      "(RFC 9457) with `errors: [{ path, message }]` naming each bad field.",
  },
} as const;

export function mountOpenApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN, for admin calls; client keys (CLIENT_KEYS) use the same header",
  });
  app.doc31("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPI31Document(OPENAPI_INFO))));
}

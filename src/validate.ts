/**
 * Request validation decided once: every router is an OpenAPIHono made here, whose hook turns
 * a zod failure into one problem+json 400 naming each bad field, and every JSON body goes
 * through jsonBody (415 without a JSON content type, 413 over the size limit, enforced while the
 * body streams: src/body-limit.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { limitBody } from "./body-limit";
import { badRequest, Problem } from "./errors";
import { zodIssues } from "./registry/validation";

/** Default body limit of client endpoints (DESIGN §2). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const where = result.target === "json" ? "" : result.target;
      throw badRequest(`the request ${result.target === "json" ? "body" : result.target} is invalid`, zodIssues(result.error, where));
    },
  });
}

/** Guards a JSON body: media type first, then size, before the validator reads it. */
export function jsonBody(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const limit = limitBody(maxBytes);
  return async (c, next) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!/^application\/([\w.-]+\+)?json$/.test(type)) {
      throw new Problem({
        status: 415,
        title: "Unsupported media type",
        detail: "send the body as JSON with 'Content-Type: application/json'",
        errors: [{ path: "header.content-type", message: `expected application/json, got '${type || "nothing"}'` }],
      });
    }
    return limit(c, next);
  };
}

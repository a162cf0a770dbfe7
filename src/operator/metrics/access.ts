/**
 * Who may scrape GET /metrics: with METRICS_TOKEN set, `Authorization: Bearer` with it or with
 * the admin token; otherwise exactly like admin calls when ADMIN_TOKEN is set; open only when
 * neither is configured (a local `wrangler dev` without secrets). Every candidate is compared in
 * constant time, all of them, so timing does not tell which one matched.
 */
import type { MiddlewareHandler } from "hono";
import { bearer, timingSafeEqual } from "../../auth";
import type { AppEnv } from "../../env";
import { unauthorized } from "../../errors";

export const requireMetricsAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const candidates = [c.env.METRICS_TOKEN, c.env.ADMIN_TOKEN].filter((t): t is string => typeof t === "string" && t !== "");
  if (candidates.length === 0) return next();
  const token = bearer(c.req.header("authorization"));
  const wanted = c.env.METRICS_TOKEN ? "metrics or admin token" : "admin token";
  if (token === null) throw unauthorized(`missing 'Authorization: Bearer <${wanted}>'`);
  const matches = await Promise.all(candidates.map((t) => timingSafeEqual(token, t)));
  if (!matches.some(Boolean)) throw unauthorized(`${wanted} does not match`);
  await next();
};

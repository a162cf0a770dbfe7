/**
 * What the router made of the served names: its 202 answer to a snapshot with engines carries
 * `engine_models: { resolved, unknown }` (registry ids it matched by id or hf_repo, and served
 * names it could not match). The agent warns when names are unknown to the registry and when
 * the operator's --models disagrees with what the engines serve, in both directions.
 */
import { z } from "@hono/zod-openapi";

const Accepted = z.object({ engine_models: z.object({ resolved: z.array(z.string()), unknown: z.array(z.string()) }) });

/** Warnings for one accepted push; [] when all agree or the router did not say. */
export function engineModelWarnings(body: unknown, operatorModels: readonly string[]): string[] {
  const parsed = Accepted.safeParse(body);
  if (!parsed.success) return [];
  const { resolved, unknown } = parsed.data.engine_models;
  const warnings: string[] = [];
  if (unknown.length) warnings.push(`the router's registry knows no model served as ${unknown.join(", ")} (routing ignores them; add the model or its hf_repo to the registry)`);
  if (operatorModels.length) {
    const notServed = operatorModels.filter((m) => !resolved.includes(m));
    const notListed = resolved.filter((m) => !operatorModels.includes(m));
    if (notServed.length) warnings.push(`--models lists ${notServed.join(", ")} but no engine serves ${notServed.length > 1 ? "them" : "it"}`);
    if (notListed.length) warnings.push(`the engines serve ${notListed.join(", ")}, which --models leaves out`);
  }
  return warnings;
}

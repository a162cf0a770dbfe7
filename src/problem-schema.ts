/** The problem+json body (RFC 9457) as an OpenAPI component, and the responses routes declare. */
import { z } from "@hono/zod-openapi";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .passthrough()
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** Error responses, keyed by status, to spread into a route's `responses`. */
export const problems = {
  400: problem("Malformed body or parameters; `errors` names each bad field"),
  401: problem("Missing or wrong credentials"),
  403: problem("Admin calls are disabled on this server"),
  404: problem("Unknown resource"),
  409: problem("Conflict with the current state"),
  413: problem("Body too large"),
  415: problem("Body is not JSON"),
  422: problem("Nothing satisfies the request"),
  503: problem("Temporarily unable; see Retry-After"),
} as const;

export function pickProblems<K extends keyof typeof problems>(...statuses: K[]): Pick<typeof problems, K> {
  return Object.fromEntries(statuses.map((s) => [s, problems[s]])) as Pick<typeof problems, K>;
}

/** A JSON success response for createRoute's `responses`. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { "application/json": { schema } } };
}

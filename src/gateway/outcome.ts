/**
 * What a proxied request's outcome records, after the response (in waitUntil, never on the
 * response path): the answering attempt and its tokens in the metrics recorder, and — when the
 * request was assigned in an experiment — one outcome event in that experiment's Durable Object,
 * with the decision id as event id (so a retried task, or the client posting the same outcome
 * itself, counts once). Called by proxy.ts.
 *
 * An event counts as an error of the variant when the answer was not a whole, successful one
 * (soft_error, stream_error, cancelled, failed, a 429), or when it came from a fallback
 * candidate: the variant's own model did not serve it. A 4xx other than 429 is the request's
 * fault, not the variant's.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { executionContext } from "../execution-context";
import { ExperimentObjects } from "../experiments/objects";
import type { OutcomeEvent } from "../experiments/schema";
import type { MetricsRecorder } from "../operator/metrics/recorder";
import type { Decision } from "../routing/schema";
import { clientLabel } from "./client";
import type { Destination } from "./failover";
import { decodeChunks, type MeteredAnswer } from "./meter";
import { countAnswer, type AttemptOutcome } from "./metrics";
import { readJsonAnswer, usageFromTail, type Usage } from "./usage";

/** The answer's outcome label and usage, read from the metered body. */
export function judge(status: number, answer: MeteredAnswer): { outcome: AttemptOutcome; usage: Usage | null } {
  let usage = answer.usage;
  let errorBody = answer.error_event;
  if (answer.kept) {
    const read = readJsonAnswer(decodeChunks(answer.kept));
    usage = read.usage;
    errorBody = read.error;
  } else if (answer.tail) usage = usageFromTail(decodeChunks(answer.tail));
  const outcome: AttemptOutcome =
    answer.ending === "cancelled" ? "cancelled"
    : answer.ending !== "complete" ? "stream_error"
    : status >= 400 ? "client_error"
    : errorBody ? "soft_error"
    : "ok";
  return { outcome, usage };
}

/** Whether an outcome is an error of the experiment's variant. */
export function variantError(outcome: AttemptOutcome, status: number | null, decision: Decision, answeredBy: string | null): boolean {
  if (answeredBy !== null && answeredBy !== decision.model.id) return true;
  if (outcome === "client_error") return status === 429;
  return outcome !== "ok";
}

export interface OutcomeContext {
  c: Context<AppEnv>;
  recorder: MetricsRecorder;
  decision: Decision;
  started_ms: number;
}

/** A request that got an answer: counted when its body ended; the experiment event after that. */
export function recordAnswerLater(ctx: OutcomeContext, destination: Destination, status: number, done: Promise<MeteredAnswer>): void {
  const { c, recorder, decision } = ctx;
  const authorization = c.req.header("authorization");
  const task = done.then(async (answer) => {
    const { outcome, usage } = judge(status, answer);
    countAnswer(recorder, { model: destination.model.id, node: destination.node, client: await clientLabel(c.env, authorization), outcome, usage });
    recorder.flushLater(c.env, executionContext(c), Date.now());
    await recordEvent(ctx, answer.total_ms, variantError(outcome, status, decision, destination.model.id), {
      ...(answer.first_byte_ms !== null ? { ttfb_ms: Math.round(answer.first_byte_ms) } : {}),
      // Capped at the schema's bound: a node's absurd count must not cost the whole event.
      ...(usage ? { prompt_tokens: Math.min(1e9, usage.prompt_tokens), completion_tokens: Math.min(1e9, usage.completion_tokens) } : {}),
    });
  });
  later(c, task);
}

/** A request no node answered (502, 503, or the client left during failover): an error event. */
export function recordFailureLater(ctx: OutcomeContext): void {
  later(ctx.c, recordEvent(ctx, Math.max(0, Date.now() - ctx.started_ms), true));
}

/** `extra`: time to first byte and tokens, when the answer had them (OutcomeEvent's optional fields). */
async function recordEvent(ctx: OutcomeContext, latency_ms: number, error: boolean, extra: Pick<OutcomeEvent, "ttfb_ms" | "prompt_tokens" | "completion_tokens"> = {}): Promise<void> {
  const experiment = ctx.decision.experiment;
  if (!experiment) return;
  const event: OutcomeEvent = { event_id: ctx.decision.decision_id, variant: experiment.variant, latency_ms: Math.round(latency_ms), error, ...extra };
  await new ExperimentObjects(ctx.c.env.EXPERIMENTS).recordEvent(experiment.id, event, Date.now());
}

function later(c: Context<AppEnv>, task: Promise<void>): void {
  const logged = task.catch((error: unknown) => console.error("gateway: outcome not recorded:", error));
  // Without an execution context (app.request() in tests) the task still runs, just unattached.
  executionContext(c)?.waitUntil(logged);
}

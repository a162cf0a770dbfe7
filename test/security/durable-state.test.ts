/**
 * Finding 4 (rejected requests leave durable state): a 404 for an unknown experiment id is
 * answered from the KV index, before any Durable Object is reached, so no database is created.
 * The report measured 200 requests leaving 200 databases (14.8 MB); here 200 requests (reports,
 * outcome events, stops) leave the number of experiment objects unchanged.
 */
import { env, listDurableObjectIds, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, expectProblem, postJson } from "../support/http";

const event = { event_id: "e-1", variant: "control", latency_ms: 10, error: false };

describe("unknown experiment ids", () => {
  it("200 requests for unknown ids: all 404 naming the id, and no experiment object is created", async () => {
    const before = (await listDurableObjectIds(env.EXPERIMENTS)).length;
    const statuses: number[] = [];
    for (let i = 0; i < 200; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, async (_, k) => {
          const id = `nope-${i + k}`;
          const response =
            k % 3 === 0 ? await SELF.fetch(`http://router/v1/experiments/${id}`)
            : k % 3 === 1 ? await postJson(`/v1/experiments/${id}/events`, event)
            : await SELF.fetch(`http://router/v1/experiments/${id}/stop`, { method: "POST", headers: ADMIN });
          const problem = await expectProblem(response, 404);
          expect(problem.errors).toEqual([{ path: "id", message: "unknown experiment" }]);
          return response.status;
        }),
      );
      statuses.push(...batch);
    }
    expect(statuses).toHaveLength(200);
    expect((await listDurableObjectIds(env.EXPERIMENTS)).length).toBe(before);
  });
});

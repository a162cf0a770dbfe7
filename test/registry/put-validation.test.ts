/**
 * PUT /v1/registry rejects exactly what the `validate` CLI calls an error: every broken registry
 * of test/node/validate-cases.ts (the CLI tests run the same list) answers 400 naming the same
 * paths validateRegistry names, and stores nothing; a registry with only warnings is accepted.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Registry } from "../../src/registry/schema";
import { validateRegistry } from "../../src/registry/validation";
import { ADMIN, clearKv, expectProblem, putJson } from "../support/http";
import { BROKEN_CASES, demoCopy, warningsOnly } from "../node/validate-cases";

beforeEach(() => clearKv(env.ROUTER_KV));

const liveRegistry = async (): Promise<Registry> => (await (await SELF.fetch("http://router/v1/registry")).json()) as Registry;

describe("PUT /v1/registry and the validate CLI agree", () => {
  it.each(BROKEN_CASES.map((c) => [c.name, c] as const))("rejects %s with the validator's errors", async (_, c) => {
    const expected = validateRegistry(c.doc);
    expect(expected.errors.map((e) => e.path)).toEqual(expect.arrayContaining(c.paths));

    const body = await expectProblem(await putJson("/v1/registry", c.doc, ADMIN), 400);
    expect(new Set(body.errors.map((e) => e.path))).toEqual(new Set(expected.errors.map((e) => e.path)));
    expect(body.errors.some((e) => e.message.includes(c.message))).toBe(true);
    // Nothing was stored: the live registry is still the demo, version 1.
    const live = await liveRegistry();
    expect(live.version).toBe(1);
    expect(live.models.length).toBe(demoCopy().models.length);
  });

  it("accepts a registry that has warnings but no errors", async () => {
    const { doc, paths } = warningsOnly();
    const result = validateRegistry(doc);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.path)).toEqual(expect.arrayContaining(paths));

    const response = await putJson("/v1/registry", doc, ADMIN);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { version: number }).version).toBe(2);
    expect((await liveRegistry()).models[0]!.memory_mb).toEqual({ int4: 200_000 });
  });

  it("accepts the demo registry, which has neither errors nor warnings", async () => {
    const result = validateRegistry(demoCopy());
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect((await putJson("/v1/registry", demoCopy(), ADMIN)).status).toBe(200);
  });
});

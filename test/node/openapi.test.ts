/**
 * The OpenAPI document of a running router validates against the OpenAPI 3.1 schema. Runs in Node
 * because the validator compiles JSON schemas with `new Function`, which workerd forbids.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";

let router: DevServer;
beforeAll(async () => {
  router = await startWrangler("wrangler.toml");
});
afterAll(async () => {
  await router?.stop();
});

it("GET /openapi.json validates as OpenAPI 3.1", async () => {
  const doc = (await (await fetch(`${router.url}/openapi.json`)).json()) as Record<string, unknown>;
  const validator = new Validator();
  const result = await validator.validate(doc);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
});

it("a broken document does not validate (the validator is not a rubber stamp)", async () => {
  const doc = (await (await fetch(`${router.url}/openapi.json`)).json()) as Record<string, unknown>;
  const result = await new Validator().validate({ ...doc, paths: { "/x": { get: { responses: "nope" } } } });
  expect(result.valid).toBe(false);
});

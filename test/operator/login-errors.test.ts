import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { expectProblem } from "../support/http";

it("a login form sent as JSON is a 415 problem naming the content type", async () => {
  const response = await SELF.fetch("http://router/login", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const body = await expectProblem(response, 415);
  expect(body.errors).toEqual([{ path: "header.content-type", message: "Unsupported Media Type" }]);
});

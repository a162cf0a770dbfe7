import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document covering every route the app registers", async () => {
    const response = await SELF.fetch("http://router/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    const app = createApp({ kernelModule });
    const registered = app.routes
      .filter((r) => r.method !== "ALL" && !["/openapi.json", "/docs"].includes(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(registered.length).toBeGreaterThanOrEqual(5);
    for (const route of registered) expect(documented).toContain(route);
  });

  it("documents request bodies, problem responses and the shared schemas", async () => {
    const doc = (await (await SELF.fetch("http://router/openapi.json")).json()) as Doc;
    const route = doc.paths["/v1/route"]!["post"]!;
    expect(route.requestBody).toBeDefined();
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(["200", "400", "404", "422", "503"]));
    for (const name of ["RouteRequest", "Decision", "Problem", "Registry", "Model"]) expect(doc.components.schemas[name]).toBeDefined();
  });
});

describe("GET /docs", () => {
  it("renders the reference without external resources", async () => {
    const response = await SELF.fetch("http://router/docs");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<code>/v1/route</code>");
    expect(html).toContain("schema-Decision");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });
});

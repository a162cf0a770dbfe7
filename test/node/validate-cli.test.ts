/**
 * The validate command line: the demo registry as a real process (clean under --strict), every
 * broken case of validate-cases.ts (the PUT test runs the same list) as exit 1 with the same
 * paths, warnings vs --strict, --json, --url against a server on 127.0.0.1, and usage errors.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/validate/main";
import type { ValidateReport } from "../../cli/validate/report";
import { validateRegistry } from "../../src/registry/validation";
import { memoryIo, REPO_ROOT } from "./enrich-support";
import { BROKEN_CASES, demoCopy, warningsOnly } from "./validate-cases";

const exec = promisify(execFile);
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "validate-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const save = (name: string, doc: unknown): string => {
  const path = join(dir, `${name.replace(/\W+/g, "-")}.json`);
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  return path;
};

async function runJson(argv: string[]): Promise<{ code: number; report: ValidateReport }> {
  const io = memoryIo();
  const code = await main([...argv, "--json"], io);
  return { code, report: JSON.parse(io.out()) as ValidateReport };
}

describe("validate the demo registry", () => {
  it("as a process, --strict: exit 0, no errors, no warnings, every success metric met", async () => {
    const { stdout } = await exec("npx", ["tsx", "cli/validate/index.ts", "src/registry/demo-registry.json", "--strict", "--json"], { cwd: REPO_ROOT, timeout: 60_000 });
    const report = JSON.parse(stdout) as ValidateReport;
    expect(report).toMatchObject({ errors: [], warnings: [], exit_code: 0, summary: { version: 1, models: 45, categories: 26, benchmarks: 15 } });
    expect(Object.fromEntries(report.metrics.map((m) => [m.id, [m.numerator, m.denominator, m.met]]))).toEqual({
      multi_category_share: [43, 45, true],
      category_count: [26, 1, true],
      benchmark_scoring_share: [45, 45, true],
    });
    expect(report.categories_without_models).toEqual(["code_rust", "data_anomaly"]);
  });

  it("prints readable text by default, with the demo registry as the default file", async () => {
    const io = memoryIo();
    expect(await main([], io)).toBe(0);
    expect(io.out()).toContain("demo-registry.json: registry version 1, 45 models, 26 categories, 15 benchmarks");
    expect(io.out()).toMatch(/models serving 2\+ categories\s+95\.6% \(43\/45\)\s+goal ≥ 80%\s+met/);
    expect(io.out()).toContain("result: valid — 0 errors, 0 warnings");
  });
});

describe("errors: exit 1, the same errors PUT /v1/registry answers with", () => {
  it.each(BROKEN_CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const { code, report } = await runJson([save(c.name, c.doc)]);
    expect(code).toBe(1);
    expect(report.exit_code).toBe(1);
    expect(report.errors).toEqual(validateRegistry(c.doc).errors);
    expect(report.errors.map((e) => e.path)).toEqual(expect.arrayContaining(c.paths));
    expect(report.errors.some((e) => e.message.includes(c.message))).toBe(true);
  });

  it("a file that is not JSON is an error of the document", async () => {
    const { code, report } = await runJson([save("not-json", "{ version: 1,")]);
    expect(code).toBe(1);
    expect(report.errors).toMatchObject([{ path: "(root)", message: expect.stringContaining("not JSON") }]);
  });
});

describe("warnings", () => {
  it("do not fail a run, unless --strict", async () => {
    const { doc, paths } = warningsOnly();
    const path = save("warnings", doc);
    const lenient = await runJson([path]);
    expect(lenient.code).toBe(0);
    expect(lenient.report.errors).toEqual([]);
    expect(lenient.report.warnings.map((w) => w.path)).toEqual(expect.arrayContaining(paths));
    expect(lenient.report.warnings.find((w) => w.path === "models.0.memory_mb")!.message).toContain("more than the largest GPU class 'tier-76gb'");
    expect((await runJson([path, "--strict"])).code).toBe(1);
  });

  it("success metrics below goal are warnings too", async () => {
    const r = demoCopy();
    r.categories = r.categories.filter((c) => c.parent === null);
    for (const m of r.models) m.categories = Object.fromEntries(Object.entries(m.categories).filter(([id]) => r.categories.some((c) => c.id === id)));
    const { code, report } = await runJson([save("few-categories", r), "--strict"]);
    expect(report.errors).toEqual([]);
    expect(code).toBe(1);
    expect(report.warnings).toContainEqual({ path: "metrics.category_count", message: "categories: 6, goal ≥ 20" });
  });

  it("names categories without a relevant benchmark and scores with no benchmark behind them", async () => {
    const r = demoCopy();
    const code = r.categories.find((c) => c.id === "code")!;
    delete code.benchmarks;
    const { report } = await runJson([save("no-benchmarks", r)]);
    const messages = report.warnings.map((w) => `${w.path}: ${w.message}`).join("\n");
    expect(messages).toContain("'code' has no relevant benchmark, own or inherited");
    expect(messages).toMatch(/models\.\d+\.categories\.code: no result for any benchmark relevant to 'code'/);
    expect(report.metrics.find((m) => m.id === "benchmark_scoring_share")!.met).toBe(false);
  });
});

describe("--url: a running router's GET /v1/registry", () => {
  let server: Server;
  let base = "";
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url !== "/v1/registry") return void res.writeHead(404).end();
      if (req.headers.authorization !== "Bearer client-key") {
        return void res.writeHead(401, { "content-type": "application/problem+json" }).end(JSON.stringify({ status: 401, detail: "missing client key" }));
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(demoCopy()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("validates the live registry, sending ROUTER_TOKEN as the bearer", async () => {
    const io = memoryIo({ ROUTER_TOKEN: "client-key" });
    expect(await main(["--url", base, "--strict"], io)).toBe(0);
    expect(io.out()).toContain(`${base}: registry version 1, 45 models`);
    expect(seen.at(-1)).toBe("Bearer client-key");
  });

  it("a refused or unreachable router is exit 2 with the reason", async () => {
    const refused = memoryIo();
    expect(await main(["--url", base], refused)).toBe(2);
    expect(refused.err()).toContain("answered 401 (set ROUTER_TOKEN to a client key)");
    const closed = memoryIo();
    expect(await main(["--url", "http://127.0.0.1:1", "--timeout-ms", "2000"], closed)).toBe(2);
    expect(closed.err()).toContain("cannot reach http://127.0.0.1:1/v1/registry");
  });
});

describe("usage errors exit 2", () => {
  it.each([
    [["--nope"], "Unknown option"],
    [["a.json", "b.json"], "one registry at a time"],
    [["a.json", "--url", "http://127.0.0.1:9"], "not both"],
    [["--url", "file:///etc/passwd"], "http(s) URL"],
    [["/nonexistent.json"], "cannot read /nonexistent.json"],
  ])("%j", async (argv, message) => {
    const io = memoryIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
  });
});

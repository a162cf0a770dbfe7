/**
 * enrich against a fake Hub on 127.0.0.1 serving the fixture cards: 404, 429 then 200 with
 * Retry-After, a capped Retry-After, 5xx, HTML, a hanging request, the HF_TOKEN bearer, and the
 * concurrency bound. One bad card never stops the others.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/enrich/main";
import type { Registry } from "../../src/registry/schema";
import { validateRegistry } from "../../src/registry/validation";
import { fixtureRegistry, memoryIo, startFakeHub, type FakeHub, type Script } from "./enrich-support";

interface JsonReport {
  summary: { models: number; updated: number; failed: number; benchmarks_added: number; failures: { repo: string; reason: string }[]; written: string | null };
  models: { repo: string; status: string; reason?: string; notes: string[]; changes: { kind: string; field: string }[] }[];
}

let hub: FakeHub | null = null;
let dir: string | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function run(extra: string[], scripts: Record<string, Script>, flags: string[], env: Record<string, string> = {}) {
  hub = await startFakeHub(scripts);
  dir = mkdtempSync(join(tmpdir(), "enrich-http-"));
  const file = join(dir, "registry.json");
  writeFileSync(file, JSON.stringify(fixtureRegistry(extra), null, 2));
  const io = memoryIo(env);
  const code = await main([file, "--hf-endpoint", hub.url, "--json", ...flags], io);
  const report = JSON.parse(io.out()) as JsonReport;
  const byRepo = new Map(report.models.map((m) => [m.repo, m]));
  return { code, report, byRepo, file, io, hub };
}

describe("enrich over HTTP", () => {
  it("survives 404, HTML and a 429 that clears after Retry-After; writes the rest", async () => {
    const { code, report, byRepo, file } = await run(
      ["fixtures/rate-limited", "fixtures/missing", "fixtures/html-card", "fixtures/no-front-matter"],
      { "fixtures/rate-limited": { before: [429], retryAfter: "1" }, "fixtures/html-card": { html: true } },
      ["--retries", "2"],
    );
    expect(code).toBe(1);
    expect(report.summary.failed).toBe(2);
    expect(byRepo.get("fixtures/missing")).toMatchObject({ status: "failed", reason: expect.stringContaining("answered 404") });
    expect(byRepo.get("fixtures/html-card")).toMatchObject({ status: "failed", reason: expect.stringContaining("HTML") });
    const limited = byRepo.get("fixtures/rate-limited")!;
    expect(limited.status).toBe("updated");
    expect(limited.notes.join("\n")).toContain("429, waited 1.0s");

    const written = JSON.parse(readFileSync(file, "utf8")) as Registry;
    expect(validateRegistry(written).errors).toEqual([]);
    const gsm = written.models.find((m) => m.hf_repo === "fixtures/rate-limited")!.benchmarks;
    expect(gsm).toEqual([{ name: "GSM8K", score: 55.5, setting: "acc", source: `${hub!.url}/fixtures/rate-limited`, source_note: "enrich: README model-index 'GSM8K' (gsm8k) acc" }]);
    expect(readFileSync(`${file}.bak`, "utf8")).toContain('"fixtures/rate-limited"');
    expect(report.summary.written).toBe(file);
  });

  it("caps a long Retry-After, and gives up with the status once retries are spent", async () => {
    const { byRepo } = await run(
      ["fixtures/rate-limited", "fixtures/string-metrics"],
      { "fixtures/rate-limited": { before: [429], retryAfter: "3600" }, "fixtures/string-metrics": { before: [503, 503, 503], retryAfter: "0" } },
      ["--retries", "1", "--max-retry-after", "0.2"],
    );
    expect(byRepo.get("fixtures/rate-limited")).toMatchObject({ status: "updated" });
    expect(byRepo.get("fixtures/rate-limited")!.notes.join("\n")).toContain("429, waited 0.2s");
    expect(byRepo.get("fixtures/string-metrics")).toMatchObject({ status: "failed", reason: expect.stringContaining("answered 503") });
  });

  it("a request that never answers times out for that model only", async () => {
    const { code, byRepo, report } = await run(["fixtures/tiny-coder-1b", "fixtures/broken-yaml"], { "fixtures/tiny-coder-1b": { hang: true } }, ["--timeout-ms", "300", "--retries", "0"]);
    expect(code).toBe(1);
    expect(byRepo.get("fixtures/tiny-coder-1b")).toMatchObject({ status: "failed", reason: expect.stringContaining("timed out after 300 ms") });
    expect(byRepo.get("fixtures/broken-yaml")).toMatchObject({ status: "updated" });
    expect(report.summary.models).toBe(7);
  });

  it("sends HF_TOKEN as a bearer token on every request, and keeps to the concurrency bound", async () => {
    const { hub: fake, report } = await run(["fixtures/no-front-matter", "fixtures/tiny-coder-1b", "fixtures/string-metrics"], {}, ["--concurrency", "2"], { HF_TOKEN: "hf_test_token" });
    expect(report.summary.failed).toBe(0);
    expect(fake.requests.length).toBeGreaterThan(8);
    expect(fake.requests.every((r) => r.authorization === "Bearer hf_test_token")).toBe(true);
    // Each model's requests are sequential, so in flight at once ≤ models in flight ≤ 2.
    expect(fake.maxInFlight()).toBeLessThanOrEqual(2);
    expect(fake.requests.some((r) => r.path === "/api/models/bigcode/starcoder")).toBe(true);
  });

  it("sends no Authorization header without HF_TOKEN, and fetches config.json only when the context length is missing", async () => {
    const { hub: fake, byRepo } = await run([], {}, []);
    expect(fake.requests.every((r) => r.authorization === undefined)).toBe(true);
    const configs = fake.requests.filter((r) => r.path.endsWith("/config.json")).map((r) => r.path);
    // The demo registry lacks a context length for Zephyr and Phind only.
    expect(configs.sort()).toEqual(["/HuggingFaceH4/zephyr-7b-beta/raw/main/config.json", "/Phind/Phind-CodeLlama-34B-v2/raw/main/config.json"]);
    expect(byRepo.get("HuggingFaceH4/zephyr-7b-beta")!.changes).toContainEqual({ kind: "filled", field: "context_length", detail: "32768 (config.json max_position_embeddings)" });
  });
});

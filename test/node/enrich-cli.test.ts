/**
 * The enrich command line: `npm run enrich -- REGISTRY --from-dir test/fixtures/model-cards` as a
 * real process, then dry runs, re-runs, --model, usage errors and exit codes in-process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../cli/enrich/main";
import type { Registry } from "../../src/registry/schema";
import { validateRegistry } from "../../src/registry/validation";
import { CARDS_DIR, fixtureRegistry, memoryIo, REPO_ROOT } from "./enrich-support";

const exec = promisify(execFile);
const GOOD = ["fixtures/broken-yaml", "fixtures/no-front-matter", "fixtures/string-metrics", "fixtures/tiny-coder-1b"];

let dir = "";
let file = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "enrich-cli-"));
  file = join(dir, "registry.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (r: Registry): string => {
  const text = JSON.stringify(r, null, 1) + "\n";
  writeFileSync(file, text);
  return text;
};
const readRegistry = (): Registry => JSON.parse(readFileSync(file, "utf8")) as Registry;

describe("enrich --from-dir over the fixtures", () => {
  it("runs as a process: merges every card, keeps a .bak, and writes a registry the worker accepts", async () => {
    const before = write(fixtureRegistry(GOOD));
    const { stdout, stderr } = await exec("npx", ["tsx", "cli/enrich/index.ts", file, "--from-dir", CARDS_DIR], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stderr).toContain("[9/9]");
    expect(stdout).toMatch(/summary: 9 models: 9 updated, 0 unchanged, 0 failed; 13 benchmarks added/);
    expect(stdout).toContain(`wrote ${file}`);
    expect(readFileSync(`${file}.bak`, "utf8")).toBe(before);

    const after = readRegistry();
    expect(validateRegistry(after).errors).toEqual([]);
    const byRepo = new Map(after.models.map((m) => [m.hf_repo, m]));
    expect(byRepo.get("fixtures/tiny-coder-1b")!.benchmarks.map((b) => [b.name, b.score])).toEqual([["HumanEval", 31.2], ["HumanEval+", 27.4], ["MBPP", 40.1], ["MBPP+", 33.8]]);
    expect(byRepo.get("HuggingFaceH4/zephyr-7b-beta")).toMatchObject({ license: "mit", context_length: 32768 });
    // StarCoder's hand-entered 40.8 stays although the card's plain HumanEval says 33.6.
    expect(byRepo.get("bigcode/starcoder")!.benchmarks.find((b) => b.name === "HumanEval")!.score).toBe(40.8);
    expect(stdout).toContain("! benchmarks.HumanEval: kept hand-entered 40.8");
    // The file keeps its one-space indentation.
    expect(readFileSync(file, "utf8")).toMatch(/^\{\n "schema_version": 1,\n "version"/);
  });

  it("is idempotent: a second run changes nothing and writes nothing", async () => {
    write(fixtureRegistry(GOOD));
    expect(await main([file, "--from-dir", CARDS_DIR], memoryIo())).toBe(0);
    const once = readFileSync(file, "utf8");
    const io = memoryIo();
    expect(await main([file, "--from-dir", CARDS_DIR], io)).toBe(0);
    expect(io.out()).toContain("0 updated, 9 unchanged");
    expect(io.out()).toContain("nothing to write");
    expect(readFileSync(file, "utf8")).toBe(once);
  });

  it("--dry-run prints the diff and leaves the file alone", async () => {
    const before = write(fixtureRegistry(["fixtures/no-front-matter"]));
    const io = memoryIo();
    expect(await main([file, "--from-dir", CARDS_DIR, "--dry-run"], io)).toBe(0);
    expect(io.out()).toContain("+ benchmarks.ARC-Challenge: 61.18 (25-shot; source label 'AI2 Reasoning Challenge (25-Shot)')");
    expect(io.out()).toContain("+ license: llama3.1");
    expect(io.out()).toContain("dry run: nothing written");
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("exit 1 when a card fails, with the reason in the summary; the others are still written", async () => {
    write(fixtureRegistry(["fixtures/missing", "fixtures/html-card", "fixtures/tiny-coder-1b"]));
    const io = memoryIo();
    expect(await main([file, "--from-dir", CARDS_DIR], io)).toBe(1);
    expect(io.out()).toMatch(/failed fixtures\/missing: no README\.md at .*fixtures\/missing\/README\.md/);
    expect(io.out()).toContain("failed fixtures/html-card: the card is an HTML page");
    expect(readRegistry().models.find((m) => m.hf_repo === "fixtures/tiny-coder-1b")!.benchmarks).toHaveLength(4);
  });

  it("on a terminal, draws a progress bar instead of one line per model", async () => {
    write(fixtureRegistry(GOOD));
    const io = memoryIo();
    io.stderr.isTTY = true;
    expect(await main([file, "--from-dir", CARDS_DIR, "--dry-run"], io)).toBe(0);
    expect(io.err()).toContain("\r\x1b[2K[########################] 9/9 ");
    expect(io.err()).not.toContain("[1/9] ");
  });

  it("--model limits the run to one registry model", async () => {
    write(fixtureRegistry(GOOD));
    const io = memoryIo();
    expect(await main([file, "--from-dir", CARDS_DIR, "--model", "fixtures/tiny-coder-1b", "--json"], io)).toBe(0);
    const report = JSON.parse(io.out()) as { models: { repo: string }[] };
    expect(report.models.map((m) => m.repo)).toEqual(["fixtures/tiny-coder-1b"]);
    expect(readRegistry().models.find((m) => m.hf_repo === "fixtures/no-front-matter")!.benchmarks).toEqual([]);
  });

  it("--model without a registry prints what the card says and writes nothing", async () => {
    const io = memoryIo();
    expect(await main(["--model", "bigcode/starcoder", "--from-dir", CARDS_DIR], io)).toBe(0);
    expect(io.out()).toContain("= HumanEval 33.6 (pass@1)");
    expect(io.out()).toContain("= MBPP 52.7 (pass@1)");
    expect(io.out()).toContain("no registry given: nothing written");
  });
});

describe("usage errors exit 2", () => {
  it.each([
    [["--bogus"], "Unknown option"],
    [[], "give a REGISTRY file"],
    [["--model", "../etc"], "owner/name"],
    [["a.json", "b.json"], "one registry file"],
    [["x.json", "--concurrency", "0"], "--concurrency must be a positive integer"],
    [["x.json", "--hf-endpoint", "ftp://example.org"], "http(s) URL"],
    [["/nonexistent/registry.json"], "cannot read"],
  ])("%j", async (argv, message) => {
    const io = memoryIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
  });

  it("an invalid registry is refused before any fetch", async () => {
    const broken = fixtureRegistry([]);
    broken.models[0]!.benchmarks[0]!.name = "humaneval";
    write(broken);
    const io = memoryIo();
    expect(await main([file, "--from-dir", CARDS_DIR], io)).toBe(2);
    expect(io.err()).toContain("did you mean 'HumanEval'");
  });

  it("a --model that is not in the registry", async () => {
    write(fixtureRegistry([]));
    const io = memoryIo();
    expect(await main([file, "--model", "someone/else", "--from-dir", CARDS_DIR], io)).toBe(2);
    expect(io.err()).toContain("not in the registry: someone/else");
  });

  it("--help exits 0 and documents the exit codes", async () => {
    const io = memoryIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out()).toContain("Exit codes: 0 done; 1 done, but at least one model failed");
  });
});

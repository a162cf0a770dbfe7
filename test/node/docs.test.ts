/**
 * Facts the README and docs/design.md state that the code decides: checked against the code, so
 * a change to one shows up as a failing test instead of a newcomer's surprise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ABI_VERSION } from "../../assembly/layout";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { RejectionSchema } from "../../src/routing/schema";
import { main as validate } from "../../cli/validate/main";
import { REPO_ROOT, memoryIo } from "./agent-support";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const DESIGN = readFileSync(join(REPO_ROOT, "docs/design.md"), "utf8");
const SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** The README's shell lines (`$ …` in examples, and plain lines of sh/bash blocks). */
function commands(): string[] {
  return README.split("\n").map((line) => line.replace(/^\$ /, "").trim());
}

describe("README and docs agree with the code", () => {
  it("design.md gives the rejection entries' fields as the API returns them", () => {
    const shape = /`rejected: \[\{ ([^}]*) \}\]`/.exec(DESIGN)?.[1];
    expect(shape).toBeDefined();
    const named = shape!.split(",").map((part) => part.trim().split(":")[0]!.trim()).filter((name) => /^[a-z_]+$/.test(name));
    expect(named).toEqual(Object.keys(RejectionSchema.shape));
  });

  it("the 503 example quotes the memory the router asks for: the model at bf16 plus the headroom", () => {
    const model = DEMO_REGISTRY.models.find((m) => m.id === "llama-3.1-70b-instruct")!;
    const needed = model.memory_mb.bf16! + DEMO_REGISTRY.config.gpu.memory_headroom_mb;
    expect(README).toContain(`no healthy GPU has ${needed} MiB free`);
    expect(README).toContain(`${model.memory_mb.bf16!.toLocaleString("en-US")} MiB at bf16 plus the registry's ${DEMO_REGISTRY.config.gpu.memory_headroom_mb.toLocaleString("en-US")} MiB headroom`);
  });

  it("every file an example validates or enriches is in the repository or written by an earlier example", () => {
    const lines = commands();
    lines.forEach((line, i) => {
      const used = /^(?:[A-Z_]+=\S+ )?npm run (?:--silent )?(?:validate|enrich) -- ([^-\s]\S*)/.exec(line)?.[1];
      if (!used) return;
      const written = existsSync(join(REPO_ROOT, used)) || lines.slice(0, i).some((earlier) => earlier.includes(`> ${used}`));
      expect(written, `${used} (README line ${i + 1}) is created by no earlier step`).toBe(true);
    });
  });

  it("shows validate's output for the demo registry as the tool prints it", async () => {
    const start = README.indexOf("$ npm run --silent validate -- --strict");
    const block = README.slice(README.indexOf("\n", start) + 1, README.indexOf("$ ", start + 10)).split("\n");
    const shown = block.filter((line) => line.trim() !== "" && line.trim() !== "…");
    expect(shown.length).toBeGreaterThan(4);
    const io = memoryIo();
    expect(await validate(["--strict"], io)).toBe(0);
    for (const line of shown) expect(io.out().split("\n"), line).toContain(line);
  });

  it("gives the kernel ABI /healthz reports", () => {
    expect(README).toContain(`# {"ok":true,"kernel_abi":${ABI_VERSION}}`);
  });

  it("explains client keys where it first asks for one, and names the reset", () => {
    expect(README).toMatch(/### Client keys and the admin token[\s\S]*`CLIENT_KEYS`[\s\S]*Authorization: Bearer\s+<client key>/);
    expect(README.indexOf("### Client keys")).toBeLessThan(README.indexOf("<client key> npm run"));
    expect(SCRIPTS["reset"]).toBe("node scripts/reset.js");
    expect(README).toContain("`npm run reset`");
    expect(README).toContain("`npm start -- --fresh`");
  });
});

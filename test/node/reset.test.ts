/**
 * `npm run reset` as a process in a scratch directory: it removes wrangler dev's stored state and
 * the demo fleet's logs, keeps .dev.vars and everything else, says what it did, and refuses while
 * a router answers on the port (it would keep serving from memory and write the old state back).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freePort } from "../../bench/servers";
import { REPO_ROOT } from "./agent-support";

const exec = promisify(execFile);

async function reset(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(REPO_ROOT, "scripts/reset.js"), ...args], { cwd });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "reset-"));
  for (const sub of [".wrangler/state/v3/kv/ROUTER_KV", ".wrangler/state/v3/do/edge-model-router-ExperimentObject", ".wrangler/demo-fleet", ".wrangler/tmp"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, ".wrangler/state/v3/kv/ROUTER_KV/blob"), "registry v3");
  writeFileSync(join(dir, ".wrangler/demo-fleet/demo-h200.log"), "push …");
  writeFileSync(join(dir, ".wrangler/tmp/bundle.js"), "");
  writeFileSync(join(dir, ".dev.vars"), "ADMIN_TOKEN=mine\n");
  return dir;
}

describe("npm run reset", () => {
  it("removes the stored state and the demo fleet's logs, and keeps .dev.vars", async () => {
    const dir = scratch();
    const port = String(await freePort());
    const first = await reset(dir, "--port", port);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^reset: removed \.wrangler\/state and \.wrangler\/demo-fleet; the next npm start begins with the demo registry \(version 1\)/);
    expect(existsSync(join(dir, ".wrangler/state"))).toBe(false);
    expect(existsSync(join(dir, ".wrangler/demo-fleet"))).toBe(false);
    expect(existsSync(join(dir, ".wrangler/tmp/bundle.js"))).toBe(true);
    expect(existsSync(join(dir, ".dev.vars"))).toBe(true);
    const again = await reset(dir, "--port", port);
    expect(again).toMatchObject({ code: 0, out: "reset: nothing to remove; the router has no stored state yet\n" });
  });

  it("refuses while a router answers on the port, removing nothing", async () => {
    const dir = scratch();
    const router = createServer((_, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => router.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = router.address() as AddressInfo;
      const refused = await reset(dir, "--port", String(port));
      expect(refused.code).toBe(1);
      expect(refused.err).toBe(`reset: nothing removed: a router is running on 127.0.0.1:${port}; stop it first (Ctrl-C where npm start runs), then reset\n`);
      expect(existsSync(join(dir, ".wrangler/state/v3/kv/ROUTER_KV/blob"))).toBe(true);
    } finally {
      await new Promise((resolve) => router.close(resolve));
    }
  });

  it("refuses while a router started by npm start -- --port N answers, though reset was not told N", async () => {
    const dir = scratch();
    const router = createServer((_, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => router.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = router.address() as AddressInfo;
      // What scripts/start.js notes while its router runs (noteRunning).
      mkdirSync(join(dir, ".wrangler/running"), { recursive: true });
      writeFileSync(join(dir, ".wrangler/running", String(port)), "");
      const refused = await reset(dir, "--port", String(await freePort()));
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`a router is running on 127.0.0.1:${port}`);
      expect(existsSync(join(dir, ".wrangler/state/v3/kv/ROUTER_KV/blob"))).toBe(true);
    } finally {
      await new Promise((resolve) => router.close(resolve));
    }
    // Once it stopped, its leftover note does not block a reset.
    expect((await reset(dir, "--port", String(await freePort()))).code).toBe(0);
  });

  it("documents itself and rejects what it does not know", async () => {
    const dir = scratch();
    expect((await reset(dir, "--help")).out).toContain("npm start -- --fresh");
    const bad = await reset(dir, "--everything");
    expect(bad).toMatchObject({ code: 2, err: "reset: unknown argument '--everything'\n(see npm run reset -- --help)\n" });
    expect(existsSync(join(dir, ".wrangler/state"))).toBe(true);
  });
});

/**
 * The agent CLI: `parse` on every fixture, `once` against a real HTTP server on 127.0.0.1 (exit
 * codes for accepted, rejected, unreachable, usage and sampling errors), `run`'s retry policy and
 * latest-only sending, and a real `run` process stopped by SIGTERM.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT, main } from "../../cli/agent/main";
import { backoffMs, runLoop } from "../../cli/agent/loop";
import type { PushResult } from "../../cli/agent/push";
import { HELP } from "../../cli/agent/help";
import { SNAPSHOT_SCHEMA_VERSION, SnapshotSchema, type Snapshot } from "../../src/telemetry/snapshot";
import { AGENT_ID, FIXTURE_DIR, REPO_ROOT, eventually, keyFile, memoryIo, startTelemetryServer, type TelemetryServer } from "./agent-support";

const H200_IDLE = join(FIXTURE_DIR, "h200-driver580/q_idle.xml");
const servers: TelemetryServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(script?: number[]): Promise<TelemetryServer> {
  const s = await startTelemetryServer(script);
  servers.push(s);
  return s;
}

function captures(dir = FIXTURE_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return captures(path);
    return /\.(xml|csv)$/.test(entry.name) ? [path] : [];
  });
}

describe("agent parse", () => {
  it("prints a valid normalized snapshot for every capture", async () => {
    const files = captures();
    expect(files.length).toBe(30);
    for (const file of files) {
      const io = memoryIo();
      const bare = file.includes("noheader");
      const fields = bare ? ["--fields", readFields(file)] : [];
      expect(await main(["parse", file, "--node-name", "n1", ...fields], io), file).toBe(0);
      const snapshot = SnapshotSchema.parse(JSON.parse(io.out()));
      expect(snapshot.node).toBe("n1");
      expect(snapshot.gpus.length).toBeGreaterThanOrEqual(1);
    }
  });

  it("prints its release with --version and sends it, with the snapshot format, in every snapshot", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V", "version"]) {
      const io = memoryIo();
      expect(await main([flag], io)).toBe(0);
      expect(io.out()).toBe(`${version}\n`);
    }
    const io = memoryIo();
    expect(await main(["parse", H200_IDLE], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ schema_version: SNAPSHOT_SCHEMA_VERSION, agent_version: version });
  });

  it("prints the H200's numbers, with unknown values as null", async () => {
    const io = memoryIo();
    expect(await main(["parse", join(FIXTURE_DIR, "h200-driver580/csv/load-extended-header-units.csv"), "--models", "a,b"], io)).toBe(0);
    const snapshot = JSON.parse(io.out()) as Snapshot;
    expect(snapshot.models).toEqual(["a", "b"]);
    expect(snapshot.gpus[0]).toMatchObject({ memory_free_mb: 113534, utilization_gpu_pct: 100, temperature_c: 57, power_limit_w: 700 });
    const vgpu = memoryIo();
    await main(["parse", join(FIXTURE_DIR, "public/telegraf/tesla_p4.xml")], vgpu);
    expect((JSON.parse(vgpu.out()) as Snapshot).gpus[0]).toMatchObject({ power_draw_w: null, throttle_reasons: null });
  });

  it("exits 3 naming the line for garbage, and 2 for usage errors", async () => {
    const io = memoryIo();
    expect(await main(["parse", join(FIXTURE_DIR, "h200-driver580/csv/idle-core-noheader-nounits.csv")], io)).toBe(EXIT.sample);
    expect(io.err()).toMatch(/line 1: no known nvidia-smi field/);
    expect(await main(["parse"], memoryIo())).toBe(EXIT.usage);
    expect(await main(["parse", H200_IDLE, "--format", "yaml"], memoryIo())).toBe(EXIT.usage);
    const unknown = memoryIo();
    expect(await main(["explode"], unknown)).toBe(EXIT.usage);
    expect(unknown.err()).toBe("agent: unknown command 'explode'\n(see npm run agent -- --help)\n");
    const bad = memoryIo();
    expect(await main(["once", "--interval", "soon"], bad)).toBe(EXIT.usage);
    expect(bad.err()).toMatch(/\(see npm run agent -- once --help\)\n$/);
  });

  it("documents every flag in --help of every command", async () => {
    for (const command of ["run", "once", "parse"] as const) {
      const io = memoryIo();
      expect(await main([command, "--help"], io)).toBe(0);
      expect(io.out()).toBe(HELP[command]);
    }
    for (const flag of ["--url", "--agent-id", "--key-file", "--interval", "--node-endpoint", "--node-name", "--models", "--from-file", "--nvidia-smi", "--format", "--fields", "--timeout", "--max-backoff"]) {
      expect(HELP.run, flag).toContain(flag);
    }
  });
});

function readFields(file: string): string {
  const which = file.includes("core") ? "core" : "extended";
  return readFileSync(join(FIXTURE_DIR, `h200-driver580/csv/fields-${which}.txt`), "utf8").trim();
}

describe("agent once against a real HTTP server", () => {
  const onceArgs = (url: string, ...extra: string[]) => ["once", "--url", url, "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE, "--node-name", "h200-a", ...extra];

  it("exits 0 when accepted, and the server sees a correctly signed snapshot of the capture", async () => {
    const s = await server([202]);
    const io = memoryIo();
    expect(await main(onceArgs(s.url, "--node-endpoint", "http://10.0.0.5:8000", "--no-engines", "--models", "qwen2.5-7b-instruct"), io)).toBe(EXIT.accepted);
    expect(io.out()).toMatch(/push node=h200-a seq=\d+ gpus=1 -> 202 accepted/);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]!.signatureValid).toBe(true);
    expect(s.received[0]!.snapshot).toMatchObject({ agent_id: AGENT_ID, node: "h200-a", endpoint: "http://10.0.0.5:8000", models: ["qwen2.5-7b-instruct"] });
    expect(s.received[0]!.snapshot!.gpus[0]!.memory_free_mb).toBe(143156);
  });

  it("exits 1 when rejected (4xx) and 4 when the router fails or is unreachable", async () => {
    const rejecting = await server([409]);
    const io = memoryIo();
    expect(await main(onceArgs(rejecting.url), io)).toBe(EXIT.rejected);
    expect(io.err()).toMatch(/-> 409 scripted 409/);
    const failing = await server([503]);
    expect(await main(onceArgs(failing.url), memoryIo())).toBe(EXIT.unreachable);
    const gone = await startTelemetryServer();
    await gone.close();
    const unreachable = memoryIo();
    expect(await main(onceArgs(gone.url), unreachable)).toBe(EXIT.unreachable);
    expect(unreachable.err()).toMatch(/router unreachable/);
  });

  it("signs with the key file: a wrong key is a 401 and exit 1", async () => {
    const s = await server([202]);
    const args = onceArgs(s.url);
    args[args.indexOf("--key-file") + 1] = keyFile("some-other-key-000000");
    expect(await main(args, memoryIo())).toBe(EXIT.rejected);
    expect(s.received[0]).toMatchObject({ status: 401, signatureValid: false });
  });

  it("exits 2 without --url/--agent-id/--key-file and 3 when nvidia-smi cannot run", async () => {
    expect(await main(["once", "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE], memoryIo())).toBe(EXIT.usage);
    expect(await main(["once", "--url", "http://127.0.0.1:1", "--agent-id", AGENT_ID, "--key-file", "/nonexistent/key"], memoryIo())).toBe(EXIT.usage);
    const io = memoryIo();
    expect(await main(["once", "--url", "http://127.0.0.1:1", "--agent-id", AGENT_ID, "--key-file", keyFile(), "--nvidia-smi", "/nonexistent/nvidia-smi"], io)).toBe(EXIT.sample);
    expect(io.err()).toMatch(/nvidia-smi/);
  });
});

describe("agent run", () => {
  it("backs off exponentially with jitter, capped", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 5000, 60_000, 0))).toEqual([2500, 5000, 10000, 20000, 30000, 30000, 30000]);
    expect(backoffMs(3, 5000, 60_000, 0.999)).toBeLessThan(20000);
    expect(backoffMs(3, 5000, 60_000, 0.5)).toBe(15000);
  });

  it("keeps sampling while pushes fail, sends only the newest sample, backs off, and stops on abort", async () => {
    // A virtual clock: sleep advances it, so the schedule below is exact, not timing-dependent.
    let clock = 0;
    const stop = new AbortController();
    let sampled = 0;
    const pushed: number[] = [];
    const lines: string[] = [];
    const outcomes: PushResult["outcome"][] = ["retry", "retry", "retry", "accepted", "accepted"];
    const accepted = await runLoop({
      intervalMs: 1000,
      maxBackoffMs: 60_000,
      sample: async () => ({ ...fakeSnapshot(), seq: ++sampled }),
      push: async (snapshot) => {
        pushed.push(snapshot.seq);
        // The sixth push is interrupted by the stop (and so not logged or counted).
        if (pushed.length === outcomes.length + 1) stop.abort();
        const outcome = outcomes[pushed.length - 1] ?? "accepted";
        return { outcome, status: outcome === "retry" ? 503 : 202, detail: outcome, ms: 1 };
      },
      now: () => clock,
      sleep: async (ms) => {
        clock += Math.max(0, ms);
      },
      random: () => 0.5,
      log: (line) => lines.push(`t=${clock} ${line}`),
      signal: stop.signal,
    });
    // t=0 sample 1, push fails, retry after 1000·0.75; t=750 resend 1 (nothing newer), retry after
    // 2000·0.75; samples 2, 3 at t=1000, 2000; t=2250 push 3, retry after 4000·0.75; samples 4–6;
    // t=5250 push 6 accepted; then every new sample goes out at once.
    expect(pushed).toEqual([1, 1, 3, 6, 7, 8]);
    expect(accepted).toBe(2);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^t=0 push node=loop-node seq=1 gpus=1 -> 503 retry; retry 1 in 0\.8s/);
    expect(lines[1]).toMatch(/^t=750 .*seq=1 .*retry 2 in 1\.5s/);
    expect(lines[2]).toMatch(/^t=2250 .*seq=3 gpus=1 \(newest of 3 samples\) .*retry 3 in 3\.0s/);
    expect(lines[3]).toMatch(/^t=5250 .*seq=6 gpus=1 \(newest of 6 samples\) -> 202 accepted/);
    expect(lines[4]).toMatch(/^t=6000 .*seq=7 gpus=1 -> 202 accepted/);
  });

  it("as a process: pushes to a server that is down at first, then stops cleanly on SIGTERM", async () => {
    const s = await server([503, 503, 202]);
    // node --import tsx (not npx) so SIGTERM reaches the agent itself.
    const child = spawn(process.execPath, ["--import", "tsx", "cli/agent/index.ts", "run", "--url", s.url, "--agent-id", AGENT_ID, "--key-file", keyFile(), "--from-file", H200_IDLE, "--interval", "1s", "--max-backoff", "2s"], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await eventually(async () => (s.received.filter((r) => r.status === 202).length >= 2 ? true : null), 45_000, "two accepted pushes");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM, stopping/);
    expect(stderr).toMatch(/stopped after \d+ accepted pushes/);
    const seqs = s.received.map((r) => r.snapshot!.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThanOrEqual(seqs[i - 1]!);
    const accepted = s.received.filter((r) => r.status === 202).map((r) => r.snapshot!.seq);
    expect(accepted[1]!).toBeGreaterThan(accepted[0]!);
    // One line per answered push (a push cut short by the SIGTERM is not logged).
    const logged = stdout.split("\n").filter((l) => / push node=/.test(l));
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged.length).toBeLessThanOrEqual(s.received.length);
    expect(stdout).toMatch(/-> 503 scripted 503; retry 1 in/);
  });
});

function fakeSnapshot(): Snapshot {
  return SnapshotSchema.parse({
    agent_id: AGENT_ID,
    node: "loop-node",
    seq: 1,
    taken_at: new Date().toISOString(),
    gpus: [{ index: 0, uuid: null, name: null, memory_total_mb: 1, memory_used_mb: 0, memory_free_mb: 1, memory_reserved_mb: null, utilization_gpu_pct: 0, utilization_memory_pct: null, temperature_c: 30, power_draw_w: null, power_limit_w: null, pstate: null, throttle_reasons: null, ecc_errors_uncorrected: null, mig_mode: null, mig_devices: [] }],
  });
}

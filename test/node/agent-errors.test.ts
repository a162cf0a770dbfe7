/**
 * What the agent says when nvidia-smi fails: real processes (small shell scripts standing in for
 * nvidia-smi) print the messages public bug reports show, with the exit statuses nvidia-smi(1)
 * documents, and the agent must give the status, quote the output and hint at the cause — for
 * non-zero exits, for exit 0 with a message instead of CSV, for hangs and for a missing binary.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_MEANINGS, hintFor, quoteLines } from "../../cli/agent/diagnose";
import { EXIT, main } from "../../cli/agent/main";
import { QUERY_FIELDS } from "../../cli/agent/sample";
import { AGENT_ID, keyFile, memoryIo } from "./agent-support";

const dir = mkdtempSync(join(tmpdir(), "fake-nvidia-smi-"));
let scripts = 0;

/** An executable that prints `stdout` (and `stderr`) and exits with `status`, like a broken nvidia-smi. */
function fakeNvidiaSmi(stdout: string, status: number, stderr = "", sleepS = 0): string {
  const path = join(dir, `nvidia-smi-${++scripts}`);
  const out = JSON.stringify(stdout).slice(1, -1);
  const err = JSON.stringify(stderr).slice(1, -1);
  writeFileSync(path, `#!/bin/sh\n${sleepS ? `sleep ${sleepS}\n` : ""}printf '%b' "${out}"\nprintf '%b' "${err}" >&2\nexit ${status}\n`, { mode: 0o755 });
  return path;
}

/** `agent once` with nvidia-smi replaced; the router is never reached, so any URL will do. */
async function once(nvidiaSmi: string, ...extra: string[]): Promise<{ code: number; err: string }> {
  const io = memoryIo();
  const code = await main(["once", "--url", "http://127.0.0.1:9", "--agent-id", AGENT_ID, "--key-file", keyFile(), "--nvidia-smi", nvidiaSmi, ...extra], io);
  return { code, err: io.err() };
}

const MISMATCH = "Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 535.104\n";
/** One good H200 row in the agent's 16 --query-gpu fields. */
const H200_ROW = "0, GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761, NVIDIA H200, 143771, 0, 143156, 616, 0, 0, 27, 78.59, 700.00, P0, 0x0000000000000000, 0, [N/A]";

describe("agent errors when nvidia-smi fails", () => {
  it("gives the exit status and its meaning, quotes what nvidia-smi printed, and hints at a version mismatch", async () => {
    const { code, err } = await once(fakeNvidiaSmi(MISMATCH, 18));
    expect(code).toBe(EXIT.sample);
    expect(err).toContain(`--query-gpu=<${QUERY_FIELDS.length} fields> --format=csv,noheader,nounits failed: exit status 18 (the driver's kernel module and library versions do not match)`);
    expect(err).toContain("  stdout 1 | Failed to initialize NVML: Driver/library version mismatch\n  stdout 2 | NVML library version: 535.104\n");
    expect(err).toMatch(/hint: .*driver upgrade without a reboot: reboot the node/);
    expect(err).not.toMatch(/Command failed/);
  });

  it("quotes the message when nvidia-smi exits 0 but prints it instead of CSV", async () => {
    const { code, err } = await once(fakeNvidiaSmi(MISMATCH, 0));
    expect(code).toBe(EXIT.sample);
    expect(err).toMatch(/exited 0 but printed something that is not its output: line 1: expected 16 comma-separated fields, got 1 in 'Failed to initialize NVML/);
    expect(err).not.toMatch(/truncated output/);
    expect(err).toContain("  stdout 1 | Failed to initialize NVML: Driver/library version mismatch");
    expect(err).toMatch(/hint: .*reboot/);
  });

  it("names and quotes the lost GPU's line among good rows", async () => {
    const lost = "Unable to determine the device handle for GPU 0000:02:00.0: GPU is lost.  Reboot the system to recover this GPU";
    const { code, err } = await once(fakeNvidiaSmi(`${H200_ROW}\n${lost}\n`, 0));
    expect(code).toBe(EXIT.sample);
    expect(err).toMatch(/line 2: expected 16 comma-separated fields, got 1/);
    expect(err).toContain(`  stdout 2 | ${lost}`);
    expect(err).toMatch(/hint: a GPU fell off the bus/);
  });

  it("hints for each well-known failure by its message, on stdout or stderr", async () => {
    const cases: Array<[string, number, RegExp]> = [
      ["NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n", 9, /exit status 9 \(the NVIDIA driver is not loaded\)[\s\S]*hint: the NVIDIA kernel module is not loaded/],
      ["Failed to initialize NVML: Unknown Error\n", 255, /exit status 255[\s\S]*hint: inside a container .*daemon-reload/],
      ["No devices were found\n", 6, /hint: the driver sees no GPU/],
      ["Failed to initialize NVML: Insufficient Permissions\n", 4, /hint: this user cannot open \/dev\/nvidia\*/],
      ["NVIDIA-SMI couldn't find libnvidia-ml.so library in your system.\n", 12, /hint: NVML's library \(libnvidia-ml\.so\) is missing/],
    ];
    for (const [message, status, expected] of cases) {
      const { code, err } = await once(fakeNvidiaSmi(message, status));
      expect(code, message).toBe(EXIT.sample);
      expect(err, message).toContain(`stdout 1 | ${message.trim()}`);
      expect(err, message).toMatch(expected);
    }
    const onStderr = await once(fakeNvidiaSmi("", 15, "Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\n"));
    expect(onStderr.err).toContain("exit status 15 (the GPU has fallen off the bus or has otherwise become inaccessible)");
    expect(onStderr.err).toContain("  stderr 1 | Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error");
    expect(onStderr.err).toMatch(/hint: one GPU did not answer NVML/);
  });

  it("says when nvidia-smi printed nothing, and falls back to the exit status for the hint", async () => {
    const { err } = await once(fakeNvidiaSmi("", 9));
    expect(err).toContain("exit status 9 (the NVIDIA driver is not loaded)\n  (it printed nothing)\n  hint: the NVIDIA kernel module is not loaded");
  });

  it("quotes the first lines of long output, and the offending line further down", async () => {
    const rows = Array.from({ length: 20 }, (_, i) => H200_ROW.replace(/^0,/, `${i},`).replace("GPU-2f25", `GPU-${String(i).padStart(4, "0")}`));
    rows[11] = "WARNING: infoROM is corrupted at gpu 0000:0B:00.0";
    const { err } = await once(fakeNvidiaSmi(`${rows.join("\n")}\n`, 14));
    expect(err).toContain("exit status 14 (the infoROM is corrupted)");
    expect(err).toContain("  stdout 5 | 4, GPU-0004");
    expect(err).not.toContain("stdout 6 |");
    expect(err).toContain("  … 15 more lines");
    expect(err).toMatch(/hint: a GPU's infoROM is corrupted/);
    const exit0 = await once(fakeNvidiaSmi(`${rows.join("\n")}\n`, 0));
    expect(exit0.err).toMatch(/line 12: expected 16 comma-separated fields, got 1 in 'WARNING: infoROM/);
    expect(exit0.err).toContain("  …\n  stdout 12 | WARNING: infoROM is corrupted at gpu 0000:0B:00.0\n  … 8 more lines");
  });

  it("says a hanging nvidia-smi was stopped after --timeout", async () => {
    const { code, err } = await once(fakeNvidiaSmi("", 0, "", 5), "--timeout", "300ms");
    expect(code).toBe(EXIT.sample);
    expect(err).toMatch(/did not finish within 0\.3s and was stopped \(SIGTERM\)\n {2}\(it printed nothing\)\n {2}hint: a hanging nvidia-smi usually means/);
  });

  it("says nvidia-smi is missing, and how to go on without it", async () => {
    const { code, err } = await once(join(dir, "no-such-nvidia-smi"));
    expect(code).toBe(EXIT.sample);
    expect(err).toMatch(/cannot run '.*no-such-nvidia-smi': not found\n {2}hint: install the NVIDIA driver .*--nvidia-smi PATH, or --from-file FILE/);
  });

  it("quotes a --from-file capture that holds an error instead of output", async () => {
    const file = join(dir, "captured-error.csv");
    writeFileSync(file, MISMATCH);
    const io = memoryIo();
    expect(await main(["parse", file, "--fields", QUERY_FIELDS.join(",")], io)).toBe(EXIT.sample);
    expect(io.err()).toContain(`${file} is not nvidia-smi output: line 1: expected 16 comma-separated fields, got 1 in 'Failed to initialize NVML`);
    expect(io.err()).toContain("  1 | Failed to initialize NVML: Driver/library version mismatch\n  2 | NVML library version: 535.104\n  hint:");
  });

  it("logs the whole diagnosis in `run`, every line timestamped, and keeps running", async () => {
    const io = memoryIo();
    const stop = new AbortController();
    const running = main(["run", "--url", "http://127.0.0.1:9", "--agent-id", AGENT_ID, "--key-file", keyFile(), "--nvidia-smi", fakeNvidiaSmi(MISMATCH, 18)], io, stop.signal);
    const deadline = Date.now() + 10_000;
    while (!io.out().includes("hint:") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await running).toBe(0);
    const lines = io.out().trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z /);
    expect(io.out()).toMatch(/sample failed: .*exit status 18/);
    expect(io.out()).toMatch(/Z {3}stdout 1 \| Failed to initialize NVML: Driver\/library version mismatch/);
  });
});

describe("diagnose", () => {
  it("documents every exit status nvidia-smi(1) lists", () => {
    expect(Object.keys(EXIT_MEANINGS).map(Number)).toEqual([2, 3, 4, 6, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 255]);
  });

  it("prefers the message over the status, and has no hint for the unknown", () => {
    expect(hintFor("Failed to initialize NVML: Driver/library version mismatch", 255)).toMatch(/reboot/);
    expect(hintFor("", 18)).toMatch(/version/);
    expect(hintFor("something else entirely", 1)).toBeNull();
    expect(hintFor("", null)).toBeNull();
  });

  it("quotes nothing for empty text and clips long lines", () => {
    expect(quoteLines("\n", "stdout")).toEqual([]);
    const [line] = quoteLines("x".repeat(500), "");
    expect(line).toBe(`  1 | ${"x".repeat(200)}…`);
  });
});

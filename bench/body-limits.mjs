// Memory and latency of the router under unauthenticated oversized chunked uploads (docs/security.md,
// "Bounded resources"): `node bench/body-limits.mjs [repo dir] [label]` starts `wrangler dev` in that
// directory (default: this one), sends three concurrent chunked 200 MiB POST /login uploads while
// probing POST /v1/route, then one chunked 200 MiB POST /v1/telemetry, and prints workerd's RSS.
import { spawn, execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import http from "node:http";

const [dir = ".", label = "current"] = process.argv.slice(2);
const MiB = 1024 * 1024;
const freePort = () => new Promise((r) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
const port = await freePort(), insp = await freePort();
const state = mkdtempSync(join(tmpdir(), "body-limits-"));
const child = spawn("node", ["node_modules/wrangler/bin/wrangler.js", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(insp),
  "--persist-to", state, "--var", "ADMIN_TOKEN:measure-admin-token", "--var", 'AGENT_KEYS:{"a":["measure-agent-key-0001"]}', "--log-level", "error"],
  { cwd: dir, detached: true, stdio: "ignore" });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 240; i++) { try { if ((await fetch(`${url}/healthz`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 250)); }
const descendants = (pid) => { const kids = execSync(`pgrep -P ${pid} || true`).toString().split("\n").filter(Boolean).map(Number); return kids.flatMap((k) => [k, ...descendants(k)]); };
const workerd = descendants(child.pid).filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd"); } catch { return false; } });
const rss = () => workerd.reduce((sum, p) => { try { return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))[1]) / 1024; } catch { return sum; } }, 0);
// Warm up routing.
for (let i = 0; i < 3; i++) await (await fetch(`${url}/v1/route`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"category":"code"}' })).text();
const base = rss();
let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 50);

/** A chunked upload of `total` bytes with node:http; resolves with the status and how much was written before the answer. */
function upload(path, total, type) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(`${url}${path}`, { method: "POST", headers: { "content-type": type, "transfer-encoding": "chunked" } });
    const chunk = Buffer.alloc(MiB, 0x61);
    let sent = 0, status = null;
    req.on("response", (res) => { status = res.statusCode; res.resume(); res.on("end", () => { req.destroy(); resolve({ status, sentMiB: sent / MiB, ms: Math.round(performance.now() - started) }); }); });
    req.on("error", () => resolve({ status, sentMiB: sent / MiB, ms: Math.round(performance.now() - started) }));
    const write = () => { while (sent < total && status === null) { sent += chunk.length; if (!req.write(chunk)) return req.once("drain", write); } if (status === null) req.end(); };
    write();
  });
}
async function probe() {
  const t = performance.now();
  try { const r = await fetch(`${url}/v1/route`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"category":"code"}', signal: AbortSignal.timeout(30000) }); await r.text(); return { status: r.status, ms: Math.round(performance.now() - t) }; }
  catch (e) { return { status: String(e.name), ms: Math.round(performance.now() - t) }; }
}
const t0 = performance.now();
const uploads = Promise.all([0, 1, 2].map(() => upload("/login", 200 * MiB, "application/x-www-form-urlencoded")));
const probes = [];
for (let i = 0; i < 4; i++) { await new Promise((r) => setTimeout(r, 500)); probes.push(await probe()); }
const loginResults = await uploads;
const loginMs = Math.round(performance.now() - t0);
const peakLogin = peak;
peak = rss();
const tele = await upload("/v1/telemetry", 200 * MiB, "text/csv");
clearInterval(sampler);
console.log(JSON.stringify({ label, base_rss_mib: Math.round(base), peak_rss_login_mib: Math.round(peakLogin), login: loginResults, login_wall_ms: loginMs, probes, telemetry: tele, peak_rss_telemetry_mib: Math.round(peak) }));
process.kill(-child.pid, "SIGTERM");
await new Promise((r) => setTimeout(r, 1000));
rmSync(state, { recursive: true, force: true });
process.exit(0);

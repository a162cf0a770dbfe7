#!/usr/bin/env node
// `npm start [-- --port N]`: builds the WASM kernel, makes sure local secrets exist (copying the
// clearly-marked demo values from .dev.vars.example when .dev.vars is missing) and runs
// `wrangler dev`. Extra arguments go to wrangler; each port gets its own inspector port so
// several routers can run side by side. Once the router answers, a demo fleet of agents pushes
// real captures (scripts/demo-fleet.js) unless `--no-demo-fleet` is given. `--fresh` first
// removes the state earlier runs stored (scripts/reset.js, also `npm run reset`).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { demoAgentKeys, startDemoFleet } from "./demo-fleet.js";
import { describeReset, noteRunning, resetState } from "./reset.js";

const args = process.argv.slice(2);
const demoAt = args.indexOf("--no-demo-fleet");
if (demoAt >= 0) args.splice(demoAt, 1);
const freshAt = args.indexOf("--fresh");
if (freshAt >= 0) args.splice(freshAt, 1);
const build = spawnSync("npm", ["run", "--silent", "build:kernel"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("start: .dev.vars was missing; copied the demo secrets from .dev.vars.example");
}

const portAt = args.indexOf("--port");
const port = portAt >= 0 ? Number(args[portAt + 1]) : 8787;
if (freshAt >= 0) {
  // --fresh: forget the stored registry versions, experiments, nodes and metrics first (npm run reset).
  const reset = await resetState({ port });
  console.log(describeReset(reset));
  if (reset.refused) process.exit(1);
}
if (portAt < 0) args.push("--port", String(port));
if (!args.includes("--inspector-port")) args.push("--inspector-port", String(port + 10000));
if (!args.includes("--ip")) args.push("--ip", "127.0.0.1");

const demo = demoAt >= 0 ? null : demoAgentKeys();
if (demo?.inject) {
  args.push("--var", `AGENT_KEYS:${demo.json}`);
  console.log("start: .dev.vars has no AGENT_KEYS; using the demo agent keys of .dev.vars.example");
}
if (demo && !demo.key) console.log(`demo fleet: off (${demo.why})`);

// wrangler's own entry, not npx: npx does not pass SIGTERM on, which left wrangler running.
// The router reads no request.cf, so wrangler need not fetch one from workers.cloudflare.com at
// each start (offline, that fetch printed a stack trace). CLOUDFLARE_CF_FETCH_ENABLED=true restores it.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false" };
const child = spawn(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "dev", ...args], { stdio: "inherit", env });
const ipAt = args.indexOf("--ip");
const stopFleet = demo?.key ? startDemoFleet(`http://${args[ipAt + 1]}:${port}`, demo.key) : () => Promise.resolve();
const forgetRunning = noteRunning(port);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopFleet();
    child.kill(signal);
  });
}
child.on("exit", (code) => {
  forgetRunning();
  stopFleet();
  process.exit(code ?? 0);
});

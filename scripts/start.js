#!/usr/bin/env node
// `npm start [-- --port N]`: builds the WASM kernel, makes sure local secrets exist (copying the
// clearly-marked demo values from .dev.vars.example when .dev.vars is missing) and runs
// `wrangler dev`. Extra arguments go to wrangler; each port gets its own inspector port so
// several routers can run side by side.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

const args = process.argv.slice(2);
const build = spawnSync("npm", ["run", "--silent", "build:kernel"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("start: .dev.vars was missing; copied the demo secrets from .dev.vars.example");
}

const portAt = args.indexOf("--port");
const port = portAt >= 0 ? Number(args[portAt + 1]) : 8787;
if (portAt < 0) args.push("--port", String(port));
if (!args.includes("--inspector-port")) args.push("--inspector-port", String(port + 10000));
if (!args.includes("--ip")) args.push("--ip", "127.0.0.1");

const child = spawn("npx", ["wrangler", "dev", ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));

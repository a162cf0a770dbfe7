#!/usr/bin/env node
// `npm run reset` (and `npm start -- --fresh`): forgets everything the local router stored, so the
// next `npm start` begins as on a fresh clone: the demo registry at version 1, no experiments, no
// nodes but the demo fleet, no metrics. `wrangler dev` keeps KV and Durable Objects in
// .wrangler/state across restarts; this removes that directory and the demo fleet's logs. It
// keeps .dev.vars (your secrets) and the kernel build. A running router would keep serving from
// memory and write the old state back, so reset refuses while one answers on the port.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** What reset removes, relative to the repository root. */
export const STATE_DIRS = [join(".wrangler", "state"), join(".wrangler", "demo-fleet")];

/**
 * Where `npm start` notes the port of each router it runs from this checkout (one empty file per
 * port, removed when it exits), so that reset also finds a router started with --port N. Outside
 * STATE_DIRS: reset never removes it.
 */
export const RUNNING_DIR = join(".wrangler", "running");

/** Notes that a router of this checkout serves `port`; returns the function that forgets it. */
export function noteRunning(port, root = process.cwd()) {
  const dir = resolve(root, RUNNING_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(port));
  writeFileSync(file, "");
  return () => rmSync(file, { force: true });
}

/** The port asked for (8787 by default) and every port npm start noted for this checkout. */
function portsToCheck(root, port) {
  const dir = resolve(root, RUNNING_DIR);
  const noted = existsSync(dir) ? readdirSync(dir).map(Number).filter((n) => Number.isInteger(n) && n > 0 && n < 65536) : [];
  return [...new Set([port, ...noted])];
}

/** True when something answers GET /healthz on 127.0.0.1:port (a router started by npm start). */
export async function routerRunning(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes STATE_DIRS under `root`. Returns { removed: [paths], refused: reason | null }; refuses
 * (removing nothing) while a router answers on `port` or on any port `npm start` noted
 * in RUNNING_DIR.
 */
export async function resetState({ root = process.cwd(), port = 8787 } = {}) {
  for (const candidate of portsToCheck(root, port)) {
    if (await routerRunning(candidate)) {
      return { removed: [], refused: `a router is running on 127.0.0.1:${candidate}; stop it first (Ctrl-C where npm start runs), then reset` };
    }
  }
  const removed = [];
  for (const dir of STATE_DIRS) {
    const path = resolve(root, dir);
    if (!existsSync(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(dir);
  }
  return { removed, refused: null };
}

/** One line for the person who asked. */
export function describeReset(result) {
  if (result.refused) return `reset: nothing removed: ${result.refused}`;
  if (result.removed.length === 0) return "reset: nothing to remove; the router has no stored state yet";
  return `reset: removed ${result.removed.join(" and ")}; the next npm start begins with the demo registry (version 1), no experiments and only the demo fleet`;
}

const USAGE = `Usage: npm run reset [-- --port N]

Forgets the local router's stored state (.wrangler/state: registry versions, experiments, nodes,
metrics) and the demo fleet's logs, so the next \`npm start\` begins as on a fresh clone. Keeps
.dev.vars. Refuses while a router answers on 127.0.0.1:PORT (default 8787) or on any port a
running \`npm start\` of this checkout uses; stop it first.
\`npm start -- --fresh\` does the same before starting.
`;

async function main(argv) {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const portAt = argv.indexOf("--port");
  const port = portAt >= 0 ? Number(argv[portAt + 1]) : 8787;
  const unknown = argv.filter((arg, i) => arg !== "--port" && (portAt < 0 || i !== portAt + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || unknown.length > 0) {
    process.stderr.write(`reset: ${unknown.length > 0 ? `unknown argument '${unknown[0]}'` : "--port takes a port number"}\n(see npm run reset -- --help)\n`);
    return 2;
  }
  const result = await resetState({ port });
  (result.refused ? process.stderr : process.stdout).write(`${describeReset(result)}\n`);
  return result.refused ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

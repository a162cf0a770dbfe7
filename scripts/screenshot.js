#!/usr/bin/env node
// `npm run screenshot`: regenerates docs/dashboard.png, the README's picture of the dashboard.
// It runs the dashboard's browser test (test/node/dashboard.test.ts: `wrangler dev` on free
// ports with a fresh state directory, the demo fleet pushed by the real agent, an experiment with
// outcome events, a stale node, real decisions) and has it save its full-page screenshot there.
// `npm test` runs the same test but writes the screenshot to a temporary file, so tests never
// change a tracked file.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { resolve } from "node:path";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("Usage: npm run screenshot\n\nRegenerates docs/dashboard.png from the dashboard browser test (needs Chromium, see README).");
  process.exit(0);
}
const target = resolve("docs/dashboard.png");
const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "test/node/dashboard.test.ts", "-t", "logs in through the form"], {
  stdio: "inherit",
  env: { ...process.env, DASHBOARD_SCREENSHOT: target },
});
if (run.status !== 0) {
  console.error("screenshot: the dashboard test failed; docs/dashboard.png is unchanged or incomplete");
  process.exit(run.status ?? 1);
}
console.log(`screenshot: wrote ${target} (${Math.round(statSync(target).size / 1024)} KiB)`);

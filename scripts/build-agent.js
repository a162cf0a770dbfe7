#!/usr/bin/env node
/**
 * `npm run build:agent`: bundles the agent (cli/agent/bin.ts and everything it imports) into one
 * file, dist/agent.mjs, that runs with plain `node` (20 or later) from a directory holding
 * nothing else: no clone, no node_modules, no tsx. It is the package's `bin` (so
 * `npx edge-model-router agent` runs it) and what deploy/agent/ installs.
 *
 * zod is aliased to its English-only entry (src/zod-en/, as wrangler.toml does for the worker).
 * CommonJS dependencies bundled into an ES module need `require` for Node's built-ins, hence the
 * createRequire banner. Prints the output's size; exits non-zero on any build error.
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const outfile = process.argv.includes("--outfile") ? process.argv[process.argv.indexOf("--outfile") + 1] : join(root, "dist/agent.mjs");

mkdirSync(dirname(outfile), { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ["cli/agent/bin.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  legalComments: "eof",
  alias: { zod: "./src/zod-en/index.js" },
  define: { __AGENT_BUNDLE__: "true" },
  banner: {
    js: [
      "#!/usr/bin/env node",
      `// edge-model-router agent ${version}: one file, run with node >= 20 (\`node agent.mjs --help\`). Built from cli/agent by scripts/build-agent.js.`,
      'import { createRequire as __agentCreateRequire } from "node:module";',
      "const require = __agentCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  logLevel: "warning",
});
const bytes = statSync(outfile).size;
console.log(`built ${relative(process.cwd(), outfile) || outfile}: agent ${version}, ${(bytes / 1024).toFixed(1)} KiB`);

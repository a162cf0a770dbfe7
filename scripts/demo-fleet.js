// The demo fleet `npm start` runs: one real agent process (cli/agent, `run --from-file`) per demo
// node, each replaying a real nvidia-smi capture from test/fixtures/nvidia-smi/ every 5 s and
// signing with demo-agent's key (demoAgentKeys). So /v1/route shows a placement out of the box
// and the signed telemetry path is exercised. Agent logs go to .wrangler/demo-fleet/<node>.log.
import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CAPTURES = fileURLToPath(new URL("../test/fixtures/nvidia-smi", import.meta.url));
/**
 * Different GPU classes; one busy H200 shows an unhealthy GPU in /v1/fleet. Both H200 captures are
 * of one physical GPU, so the busy one replays a copy with a UUID of its own (`uuid`): it stands
 * for a second H200, and the dashboard rightly warns when two nodes report the same UUID.
 */
export const DEMO_NODES = [
  { name: "demo-h200", file: "h200-driver580/q_idle.xml", models: ["llama-3.1-70b-instruct"], port: 8001 },
  { name: "demo-h200-busy", file: "h200-driver580/csv/load-extended-header-units.csv", models: [], port: 8002, uuid: "GPU-demo-h200-busy" },
  { name: "demo-a10g", file: "public/telegraf/a10g.xml", models: ["qwen2.5-7b-instruct"], port: 8003 },
  { name: "demo-a5000x2", file: "public/telegraf/dual_a5000-v13.xml", models: [], port: 8004 },
];
const AGENT = "demo-agent";

function agentKeysLine(file) {
  try {
    return /^AGENT_KEYS\s*=\s*(['"]?)(.*)\1\s*$/m.exec(readFileSync(file, "utf8"))?.[2] ?? null;
  } catch {
    return null;
  }
}

/**
 * The AGENT_KEYS the router will use and demo-agent's key in it. When .dev.vars (made before
 * telemetry existed, say) has no AGENT_KEYS, the demo value of .dev.vars.example is used and
 * `inject` tells start.js to pass it to wrangler with --var.
 */
export function demoAgentKeys() {
  const own = agentKeysLine(".dev.vars");
  const json = own ?? agentKeysLine(".dev.vars.example");
  if (json === null) return { json: null, key: null, inject: false, why: "no AGENT_KEYS in .dev.vars or .dev.vars.example" };
  try {
    const keys = JSON.parse(json)[AGENT];
    const key = Array.isArray(keys) ? keys[0] : keys;
    if (typeof key !== "string") return { json, key: null, inject: false, why: `AGENT_KEYS has no '${AGENT}'` };
    return { json, key, inject: own === null, why: "" };
  } catch {
    return { json, key: null, inject: false, why: "AGENT_KEYS is not JSON" };
  }
}

/**
 * The file a demo node replays: the capture itself, or, when the node has a `uuid`, a copy in
 * `dir` with the capture's GPU UUID replaced by it.
 */
export function demoCapture(node, dir) {
  const path = join(CAPTURES, node.file);
  if (!node.uuid) return path;
  const text = readFileSync(path, "utf8");
  const original = /GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(text)?.[0];
  if (!original) throw new Error(`${path}: no GPU UUID to replace`);
  const copy = join(dir, `${node.name}${extname(node.file)}`);
  writeFileSync(copy, text.split(original).join(node.uuid));
  return copy;
}

async function waitForRouter(url, tries = 120) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** Starts the demo agents once the router answers; returns a function that stops them. */
export function startDemoFleet(url, key) {
  const children = [];
  let stopped = false;
  const ready = (async () => {
    if (!(await waitForRouter(url)) || stopped) return console.log("demo fleet: off (the router did not come up)");
    const dir = join(".wrangler", "demo-fleet");
    mkdirSync(dir, { recursive: true });
    const keyFile = join(dir, `${AGENT}.key`);
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    for (const node of DEMO_NODES) {
      const out = openSync(join(dir, `${node.name}.log`), "a");
      const args = ["--import", "tsx", "cli/agent/index.ts", "run", "--url", url, "--agent-id", AGENT, "--key-file", keyFile,
        "--from-file", demoCapture(node, dir), "--node-name", node.name, "--node-endpoint", `http://127.0.0.1:${node.port}`, "--no-engines", "--interval", "5s"];
      if (node.models.length > 0) args.push("--models", node.models.join(","));
      children.push(spawn(process.execPath, args, { stdio: ["ignore", out, out] }));
    }
    console.log(`demo fleet: ${DEMO_NODES.length} demo agents push ${DEMO_NODES.map((n) => n.name).join(", ")} every 5s (logs in ${dir}/; npm start -- --no-demo-fleet turns them off)`);
  })();
  return () => {
    stopped = true;
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    return ready;
  };
}

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) for the in-process bench: self time by
 * function and by source (project file or package), the top `n` of each. Usage:
 *   tsx bench/inprocess/profile-summary.ts <file.cpuprofile> [n]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function source(url: string): string {
  if (url === "") return "(native / V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return url;
  const own = /\/(src|bench|cli)\/(.+)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const [file, top = "25"] = process.argv.slice(2);
if (!file) {
  console.error("usage: tsx bench/inprocess/profile-summary.ts <file.cpuprofile> [n]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const bySource = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const where = source(frame.url);
  const name = `${frame.functionName || "(anonymous)"}  ${where}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  bySource.set(where, (bySource.get(where) ?? 0) + us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};
print("self time by source", bySource);
print("self time by function", byFunction);

/**
 * test/fixtures/nvidia-smi/index.ts lists the captures the workers tests parse (workerd has no
 * file system); this checks the list against the directory so a new capture cannot go untested.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/nvidia-smi";
import { FIXTURE_DIR } from "./agent-support";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [relative(FIXTURE_DIR, join(dir, e.name))]));
}

describe("nvidia-smi fixture manifest", () => {
  it("lists every capture and field list in the directory", () => {
    const onDisk = files(FIXTURE_DIR).filter((f) => /\.(xml|csv)$/.test(f) || /fields-.*\.txt$/.test(f));
    expect(Object.keys(FIXTURES).sort()).toEqual(onDisk.sort());
    expect(onDisk.filter((f) => f.startsWith("public/telegraf/"))).toHaveLength(20);
  });
});

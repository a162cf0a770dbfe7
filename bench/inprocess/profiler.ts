/**
 * V8's CPU profiler around one stretch of the bench (not start-up, which dominates a whole-process
 * `node --cpu-prof`), written as a .cpuprofile that Chrome DevTools and profile-summary.ts read.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

export async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stderr.write(`  wrote the CPU profile to ${file}\n`);
  }
}

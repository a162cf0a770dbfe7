/**
 * Starts `wrangler dev` processes for the end-to-end bench on free ports (each with its own
 * inspector port, so several can run at once) and stops them afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface DevServer {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

/** `wrangler dev -c <config>` on 127.0.0.1 with free ports; resolves once /healthz answers. */
export async function startWrangler(config: string, extraArgs: string[] = []): Promise<DevServer> {
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    "npx",
    ["wrangler", "dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--log-level", "error", ...extraArgs],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, 90_000);
  } catch (error) {
    process.kill(-child.pid!, "SIGTERM");
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        process.kill(-child.pid!, "SIGTERM");
        setTimeout(() => resolve(), 5000).unref();
      }),
  };
}

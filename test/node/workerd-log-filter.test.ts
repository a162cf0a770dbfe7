/**
 * The filter vitest.config.ts puts on stdout: it drops the Workers pool's teardown line and the
 * trace of a refused connection (lines as a green run printed them before), and nothing else —
 * a lost connection without a refused connect(), or any other uncaught exception, still shows.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { WorkerdLogFilter, filterWorkerdLogs } from "../support/workerd-log-filter";

const BIN = "/repo/node_modules/@cloudflare/workerd-linux-64/bin/workerd";
const TEARDOWN = "exception = workerd/api/web-socket.c++:821: disconnected: WebSocket peer disconnected\n";
const REFUSED = `exception = kj/async-io-unix.c++:1538: disconnected: connect(): Connection refused\nstack: ${BIN}@52008e2 ${BIN}@5200ac5 ${BIN}@51bdf58\n`;
const LOST_JS = "uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.\n";
const LOST_KJ = `uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1480: disconnected: jsg.Error: Network connection lost.\nstack: ${BIN}@2f20430 ${BIN}@2f2102c\n`;

describe("workerd log filter", () => {
  it("drops the pool's WebSocket teardown line and a refused connection's three lines", () => {
    const filter = new WorkerdLogFilter();
    expect([TEARDOWN, REFUSED, LOST_JS, LOST_KJ, TEARDOWN].map((chunk) => filter.drops(chunk))).toEqual([true, true, true, true, true]);
  });

  it("keeps a lost connection that no refused connect() explains, and every other line", () => {
    const filter = new WorkerdLogFilter();
    expect(filter.drops(LOST_JS)).toBe(false);
    expect(filter.drops(LOST_KJ)).toBe(false);
    // Only the two lines right after a refused connect() go; a third lost connection stays.
    expect([REFUSED, LOST_JS, LOST_KJ, LOST_JS].map((chunk) => filter.drops(chunk))).toEqual([true, true, true, false]);
    expect(filter.drops("uncaught exception; source = Uncaught (in promise); stack = TypeError: boom\n")).toBe(false);
    expect(filter.drops("exception = workerd/api/web-socket.c++:900: disconnected: WebSocket peer disconnected unexpectedly\n")).toBe(false);
    expect(filter.drops(" ✓  workers  test/gateway/chat.test.ts (15 tests) 589ms\n")).toBe(false);
  });

  it("passes other writes through unchanged and still calls a dropped write's callback", async () => {
    const stream = new PassThrough();
    let out = "";
    stream.on("data", (chunk: Buffer) => (out += chunk.toString()));
    filterWorkerdLogs(stream as unknown as NodeJS.WriteStream);
    let called = false;
    expect(stream.write(TEARDOWN, () => (called = true))).toBe(true);
    stream.write("kept line\n");
    stream.write(Buffer.from("kept buffer\n"));
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(true);
    expect(out).toBe("kept line\nkept buffer\n");
  });
});

/**
 * Keeps two kinds of workerd diagnostics out of `npm test`'s output. Both are info-level lines
 * that @cloudflare/vitest-pool-workers prints because it runs workerd with `verbose: true` and
 * forwards every structured log to stdout, with no option to change either (its
 * handleStructuredLogs and ignore list are internal; see cloudflare/workers-sdk#14821). Neither
 * is a failure, and together they were 30 "exception" lines with stack traces in a green run,
 * hiding real errors.
 *
 * 1. `exception = workerd/api/web-socket.c++:NNN: disconnected: WebSocket peer disconnected`,
 *    once per test file: the pool closes its own WebSocket to the test runner when the file ends.
 *    The pool ignores it from 0.16.6 (cloudflare/workers-sdk#13833); that release requires
 *    wrangler 4.92 and workerd 2026-05-15, and this project pins wrangler 4.86 (and runs
 *    `wrangler dev` on that workerd), so the same one-line filter is applied here instead.
 *    Remove this entry when the pool is upgraded.
 * 2. A fetch to a port that refuses the connection: workerd logs the refused connect(), then two
 *    "uncaught exception … Network connection lost." lines, even when the worker catches the
 *    rejection (reproduced with a bare Miniflare and a script that catches it). The gateway tests
 *    provoke this on purpose (a node whose endpoint is a closed port) and assert on the attempt's
 *    error instead. Only the two lines that follow a refused connect() are dropped, so a lost
 *    connection anywhere else still shows.
 *
 * Vitest's own output, console output captured from tests, and every other workerd line pass.
 */

const WEBSOCKET_TEARDOWN = /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected\n$/;
const CONNECT_REFUSED = /^exception = kj\/async-io-unix\.c\+\+:\d+: disconnected: connect\(\): Connection refused\n(stack: [^\n]*\n)?$/;
const CONNECTION_LOST = [
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.\n$/,
  /^uncaught exception; exception = workerd\/jsg\/[^\n]*: disconnected: jsg\.Error: Network connection lost\.\n(stack: [^\n]*\n)?$/,
];

/** Decides, write by write, what is kept; stateful because kind 2 spans three writes. */
export class WorkerdLogFilter {
  private lostLinesExpected = 0;

  /** True when `chunk` (one write of the pool's log handler) is one of the lines above. */
  drops(chunk: string): boolean {
    if (WEBSOCKET_TEARDOWN.test(chunk)) return true;
    if (CONNECT_REFUSED.test(chunk)) {
      this.lostLinesExpected = CONNECTION_LOST.length;
      return true;
    }
    if (this.lostLinesExpected > 0 && CONNECTION_LOST.some((line) => line.test(chunk))) {
      this.lostLinesExpected--;
      return true;
    }
    this.lostLinesExpected = 0;
    return false;
  }
}

/** Wraps `stream.write` (the pool writes workerd's logs to process.stdout) with the filter. */
export function filterWorkerdLogs(stream: NodeJS.WriteStream, filter = new WorkerdLogFilter()): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === "string" && filter.drops(chunk)) {
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

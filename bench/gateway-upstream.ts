/**
 * The stand-in OpenAI server of `npm run bench -- --gateway`, run as its own process so the load
 * generator does not share its event loop: answers every POST with a fixed chat.completion (with
 * usage), as fast as node:http can. Usage: tsx bench/gateway-upstream.ts <port>; prints "ready".
 */
import { createServer } from "node:http";

const ANSWER = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_790_000_000,
  model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the bench stand-in" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
});

const port = Number(process.argv[2]);
createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(ANSWER) });
    response.end(ANSWER);
  });
}).listen(port, "127.0.0.1", () => console.log("ready"));

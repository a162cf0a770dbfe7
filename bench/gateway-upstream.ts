/**
 * The stand-in OpenAI server of `npm run bench -- --gateway`, run as its own process so the load
 * generator does not share its event loop: answers every POST with a fixed chat.completion (with
 * usage), as fast as node:http can. Usage: tsx bench/gateway-upstream.ts <port>; prints "ready".
 */
import { createServer } from "node:http";
import { STAND_IN_ANSWER } from "./stand-in-answer";

const ANSWER = STAND_IN_ANSWER;

const port = Number(process.argv[2]);
createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(ANSWER) });
    response.end(ANSWER);
  });
}).listen(port, "127.0.0.1", () => console.log("ready"));

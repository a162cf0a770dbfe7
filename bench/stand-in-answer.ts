/** The chat completion both bench stand-in upstreams answer (bench/gateway-upstream.ts, its own process, and bench/inprocess/). */
export const STAND_IN_ANSWER = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_790_000_000,
  model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the bench stand-in" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
});

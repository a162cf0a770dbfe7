// The pass-through baseline of `npm run bench -- --gateway`: the least a worker can do to proxy an
// OpenAI request (same path, same body, the node's answer as it is), on the same runtime as the router.
export default {
  fetch: (request: Request, env: { UPSTREAM: string }) => fetch(env.UPSTREAM + new URL(request.url).pathname, { method: "POST", headers: request.headers, body: request.body }),
};

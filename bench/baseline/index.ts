// The baseline for the end-to-end bench: the most trivial Hono worker that reads a JSON body and
// answers JSON, served by the same `wrangler dev` runtime as the router. The router's overhead is
// measured as a ratio against this, in the same run.
import { Hono } from "hono";

const app = new Hono();
app.post("/v1/route", async (c) => {
  const body = await c.req.json<{ category?: string }>();
  return c.json({ ok: true, category: body.category ?? null });
});
app.get("/healthz", (c) => c.json({ ok: true }));

export default app;

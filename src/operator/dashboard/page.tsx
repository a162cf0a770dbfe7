/**
 * The dashboard's pages: the shell (inline style, refresh script), the dashboard itself and the
 * login form. Rendered on the server by routes.tsx; everything is in the HTML, so the page works
 * with JavaScript off.
 */
import type { Child } from "hono/jsx";
import type { Report } from "../../experiments/report-schema";
import type { Registry } from "../../registry/schema";
import type { FleetView } from "../../telemetry/schema";
import type { RecentDecision } from "../metrics/series";
import { DecisionsSection } from "./decisions";
import { ExperimentsSection } from "./experiments";
import { FleetSection } from "./fleet";
import { seconds } from "./format";
import { REFRESH_S, REFRESH_SCRIPT, STYLE } from "./style";
import { TaxonomySection } from "./taxonomy";
import { TokensSection, type TokenRow } from "./tokens";

/** A small router glyph as an SVG data URL (the CSP allows data: images, nothing external). */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2330"/><path d="M3 8h4l2-4m-2 4 2 4h4" stroke="#fff" stroke-width="1.6" fill="none"/></svg>',
)}`;

function Shell(props: { title: string; children: Child; script?: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* same-origin, not no-referrer: other sites (benchmark sources) still get no referrer, and the page's own form posts carry its Origin, which /login and /logout check (under no-referrer a browser sends "Origin: null"). */}
        <meta name="referrer" content="same-origin" />
        {/* An inline icon: without one the browser asks for /favicon.ico and logs a 404. */}
        <link rel="icon" href={FAVICON} />
        <title>{props.title}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        {props.children}
        {props.script ? <script dangerouslySetInnerHTML={{ __html: REFRESH_SCRIPT }} /> : null}
      </body>
    </html>
  );
}

export interface DashboardData {
  now: string;
  registry: Registry;
  tops: ReadonlyMap<string, string>;
  fleet: FleetView;
  reports: readonly Report[];
  experimentLimit: number;
  decisions: readonly RecentDecision[] | null;
  decisionTotals: ReadonlyMap<string, number>;
  /** Gateway tokens by model, node and client; null when the metrics store cannot be read. */
  tokens: readonly TokenRow[] | null;
  /** Whether a login exists at all (ADMIN_TOKEN set), so a logout button makes sense. */
  loginEnabled: boolean;
  /** CACHE_TTL_MS and METRICS_FLUSH_MS as this isolate applies them (defaults filled in), in ms. */
  cacheTtlMs: number;
  metricsFlushMs: number;
}

export const DECISIONS_SHOWN = 20;

export function DashboardPage(props: { data: DashboardData }) {
  const { data } = props;
  return (
    <Shell title="edge-model-router · dashboard" script>
      <header class="top">
        <h1>edge-model-router</h1>
        <span class="meta">
          registry v{data.registry.version} · {data.fleet.summary.placeable_gpus}/{data.fleet.summary.gpus} GPUs placeable
        </span>
        {data.loginEnabled ? (
          <form method="post" action="/logout">
            <button type="submit">Log out</button>
          </form>
        ) : (
          <span class="meta">ADMIN_TOKEN is not set: this page is open</span>
        )}
      </header>
      <main>
        <p class="muted small wide-note" id="generated" style="grid-column:1/-1;margin:0">
          Generated {data.now} (UTC) · refreshes every {REFRESH_S} s with JavaScript on; reload otherwise ·{" "}
          <a href="/metrics">/metrics</a> · <a href="/docs">API</a>
        </p>
        <FleetSection fleet={data.fleet} />
        <TaxonomySection registry={data.registry} tops={data.tops} />
        <DecisionsSection decisions={data.decisions} totals={data.decisionTotals} shown={DECISIONS_SHOWN} />
        <ExperimentsSection reports={data.reports} limit={data.experimentLimit} />
        <TokensSection rows={data.tokens} />
      </main>
      <footer>
        Counters come from the metrics Durable Object: every isolate's,{" "}
        {data.metricsFlushMs === 0 ? "flushed after each request" : `flushed about every ${seconds(data.metricsFlushMs)}`} (METRICS_FLUSH_MS). The
        fleet is the routing view, {data.cacheTtlMs === 0 ? "read afresh for every page" : `at most ${seconds(data.cacheTtlMs)} old`} (CACHE_TTL_MS).
      </footer>
    </Shell>
  );
}

export function LoginPage(props: { error?: string }) {
  return (
    <Shell title="edge-model-router · log in">
      <form class="login" method="post" action="/login">
        <h1>edge-model-router</h1>
        <p>The dashboard needs the admin token.</p>
        {props.error ? <p class="bad" role="alert">{props.error}</p> : null}
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <button type="submit">Log in</button>
      </form>
    </Shell>
  );
}

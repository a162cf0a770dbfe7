/**
 * Cross-site form posts are refused: POST /login and POST /logout change who is logged in, and a
 * browser sends a form to any site with that site's cookies (SameSite=Strict keeps the cookie
 * off a cross-site POST, but not a login CSRF, and not a cross-origin but same-site page).
 *
 * The check follows the standard headers a browser sets and a page cannot forge (OWASP's
 * "verifying origin with standard headers"; the Fetch Metadata spec). `Sec-Fetch-Site`, when
 * present, decides: `same-origin` or `none` (typed by the user) pass, anything else is refused.
 * Browsers send it only to secure origins (https, localhost), so without it `Origin` decides: it
 * must be this router's own origin (`null` is refused: a sandboxed page, or a page whose referrer
 * policy is no-referrer). A request with neither header did not come from a current browser's page
 * (curl, scripts) and is let through, since it carries no ambient cookie of a victim. 403 naming
 * the header otherwise.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { problems } from "../problem-schema";

/** The 403 response for OpenAPI. */
export const crossOriginResponse = { ...problems[403], description: "A cross-origin form post: Origin or Sec-Fetch-Site names another site; `errors` names the header" };

const refused = (header: string, value: string) =>
  new Problem({
    status: 403,
    title: "Forbidden",
    detail: `cross-origin form posts are refused (${header}: ${value})`,
    errors: [{ path: `header.${header}`, message: `must be this router's own origin, not '${value}'` }],
  });

export const requireSameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) {
    if (site !== "same-origin" && site !== "none") throw refused("sec-fetch-site", site);
    return next();
  }
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) throw refused("origin", origin);
  await next();
};

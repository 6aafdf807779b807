/**
 * The social login routes (spec 40 §17): `GET /:provider` redirects upstream with our own
 * `state`; `GET /:provider/callback` checks cookie, record, provider and `state` before any code
 * exchange (invariant 19), then logs the user in through the auth router's `completeLogin`.
 * @module
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ResourceError } from "../../errors/problem.js";
import { loggerFor } from "../../log/context.js";
import { timingSafeEqual } from "../constant-time.js";
import { isSecureRequest } from "../sessions/cookies.js";
import type { AuthUser, IssuedIdentity } from "../types.js";
import { generateToken } from "../verification-tokens.js";
import { saveState, stateStoreResolver, takeState } from "./state.js";
import type { SocialOptions, SocialProvider, SocialStateStore } from "./types.js";

/** What the auth router supplies to the social routes. */
export interface SocialRouteDeps {
  /** Issues the identity (rotation, cookies, CSRF, `onLogin`); a throw fails the login. */
  completeLogin(c: Context, user: AuthUser): Promise<IssuedIdentity>;
  /** State store when `social.stateStore` is not given; default the request's KV, else memory. */
  kv?: SocialStateStore;
  /** The state cookie's attributes; `path` should be the auth cookie path (default `"/"`). */
  cookie?: { path?: string; domain?: string; secure?: boolean };
}

/** Thrown inside the callback for every expected failure; the message is safe to show. */
class SocialAuthFailure extends Error {}

/**
 * Builds the social routes, to be mounted at `social.basePath` (default `/social`) of the auth router.
 * @example
 * const social = createSocialRoutes({ providers: [fromPassport(github)], findOrCreateUser }, { completeLogin: (c, user) => session.issue(c, user.id) });
 * app.route("/api/auth/social", social);
 */
export function createSocialRoutes(social: SocialOptions, deps: SocialRouteDeps): Hono {
  const providers = new Map<string, SocialProvider>();
  for (const provider of social.providers) {
    if (providers.has(provider.name)) throw new TypeError(`social: duplicate provider "${provider.name}"`);
    providers.set(provider.name, provider);
  }
  const cookieName = social.stateCookieName ?? "covara_oauth_state";
  const ttlMs = social.stateTtlMs ?? 600_000;
  if (!(ttlMs > 0)) throw new TypeError("social: stateTtlMs must be a positive number of milliseconds");
  const successRedirect = social.successRedirect ?? "/";
  const storeFor = stateStoreResolver(social.stateStore ?? deps.kv);
  const cookieAttributes = (c: Context) => ({
    httpOnly: true,
    sameSite: "Lax" as const,
    path: deps.cookie?.path ?? "/",
    secure: deps.cookie?.secure ?? isSecureRequest(c),
    ...(deps.cookie?.domain ? { domain: deps.cookie.domain } : {}),
  });
  const providerFor = (c: Context): SocialProvider => {
    const provider = providers.get(c.req.param("provider") ?? "");
    if (!provider) throw new ResourceError(404, "UNKNOWN_PROVIDER", "Unknown social login provider");
    return provider;
  };

  const app = new Hono();

  app.get("/:provider", async (c) => {
    const provider = providerFor(c);
    const here = new URL(c.req.url);
    const redirectUri = provider.callbackUrl
      ? new URL(provider.callbackUrl, here).toString()
      : `${here.origin}${here.pathname.replace(/\/+$/, "")}/callback`;
    const state = generateToken();
    const { url, bag } = await provider.authorize({ redirectUri, state });
    const id = await saveState(storeFor(c), { provider: provider.name, state, redirectUri, bag: bag ?? {} }, ttlMs);
    setCookie(c, cookieName, id, { ...cookieAttributes(c), maxAge: Math.ceil(ttlMs / 1000) });
    return c.redirect(url, 302);
  });

  app.get("/:provider/callback", async (c) => {
    const provider = providerFor(c);
    // The cookie goes whatever happens: the record it names is single-use.
    const id = getCookie(c, cookieName);
    deleteCookie(c, cookieName, cookieAttributes(c));
    try {
      const record = await takeState(storeFor(c), id);
      if (!record) throw new SocialAuthFailure("Invalid or expired login state");
      if (record.provider !== provider.name) throw new SocialAuthFailure("Login state belongs to another provider");
      const state = c.req.query("state");
      if (typeof state !== "string" || !timingSafeEqual(state, record.state)) throw new SocialAuthFailure("Login state mismatch");
      const upstreamError = c.req.query("error");
      if (upstreamError !== undefined) throw new SocialAuthFailure(upstreamError === "access_denied" ? "Authorization was denied" : "Authorization failed");
      const code = c.req.query("code");
      if (!code) throw new SocialAuthFailure("Missing authorization code");

      const account = await provider.callback({ code, redirectUri: record.redirectUri, bag: record.bag }).catch((error: unknown) => {
        loggerFor(c).warn("social login: provider request failed", { provider: provider.name, error: String(error) });
        throw new SocialAuthFailure("Could not complete login with the provider");
      });
      if (typeof account.providerAccountId !== "string" || account.providerAccountId.trim() === "") throw new SocialAuthFailure("The provider returned no account id");
      const user = await social.findOrCreateUser(account, c);
      if (!user) throw new SocialAuthFailure("Login refused");
      try {
        await deps.completeLogin(c, user);
      } catch (error) {
        loggerFor(c).warn("social login: session issuance failed", { provider: provider.name, error: String(error) });
        throw new SocialAuthFailure("Failed to create session");
      }
      return c.redirect(successRedirect, 302);
    } catch (error) {
      if (!(error instanceof SocialAuthFailure)) throw error;
      if (social.failureRedirect) return c.redirect(social.failureRedirect, 302);
      return c.json({ error: { code: "SOCIAL_AUTH_FAILED", message: error.message } }, 401);
    }
  });

  return app;
}

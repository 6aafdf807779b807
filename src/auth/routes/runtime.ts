/**
 * What every auth route shares: the strategy, the KV for throttles and MFA state, login
 * completion (issue with rotation → CSRF re-issue → `onLogin`) and the response shapes.
 * @module
 */
import type { Context } from "hono";
import { UnauthorizedError } from "../../errors/problem.js";
import { kvFor } from "../../middleware/kv-context.js";
import { createLocalStore } from "../../middleware/local-store.js";
import type { KvStore } from "../../ports/kv-store.js";
import { issueCsrfToken, type CsrfOptions } from "../csrf.js";
import { createLoginThrottle, type AuthKv, type LoginThrottle } from "../throttle.js";
import type { AuthUser, IssuedIdentity, SessionStrategy, VerificationTokenStore } from "../types.js";
import { createKVVerificationTokenStore, InMemoryVerificationTokenStore } from "../verification-tokens.js";
import type { UseAuthOptions } from "./options.js";

/** The state and helpers the route modules use. */
export interface AuthRuntime {
  options: UseAuthOptions;
  strategy: SessionStrategy;
  csrf: CsrfOptions | undefined;
  throttle: LoginThrottle | undefined;
  /** The KV for MFA tickets and replay markers. */
  kv(c: Context): AuthKv;
  /** The token store of a flow: its own `store`, else one shared per KV, else memory. */
  tokenStore(c: Context, own: VerificationTokenStore | undefined): VerificationTokenStore;
  serialize(user: AuthUser): Record<string, unknown>;
  /**
   * Issues the identity for a verified user — every login path (password, MFA, magic link,
   * social) ends here: rotation, CSRF re-issue, `onLogin`. Issuance failure → 401.
   */
  completeLogin(c: Context, user: AuthUser): Promise<IssuedIdentity>;
  /** The login response body for an issued identity. */
  loginBody(identity: IssuedIdentity): Record<string, unknown>;
  /** Issues without CSRF re-issue or `onLogin` (signup). */
  issue(c: Context, user: AuthUser): Promise<IssuedIdentity>;
}

const defaultSerialize = (user: AuthUser): Record<string, unknown> => ({
  id: user.id,
  email: user.email ?? null,
  name: user.name ?? null,
  image: user.image ?? null,
});

/** Builds the runtime for one `useAuth` call. */
export function createAuthRuntime(options: UseAuthOptions, strategy: SessionStrategy): AuthRuntime {
  const local = createLocalStore();
  const kv = (c: Context): AuthKv => options.kv ?? kvFor(c) ?? local;
  const csrf = options.csrf ? (options.csrf === true ? {} : options.csrf) : undefined;
  const throttle = options.throttle
    ? createLoginThrottle(options.throttle === true ? {} : options.throttle, kv, options.trustedProxies)
    : undefined;
  const memoryTokens = new InMemoryVerificationTokenStore();
  const kvTokens = new WeakMap<KvStore, VerificationTokenStore>();
  const serialize = options.serializeUser ?? defaultSerialize;

  const issue = async (c: Context, user: AuthUser): Promise<IssuedIdentity> => {
    try {
      return await strategy.issue(c, String(user.id));
    } catch {
      throw new UnauthorizedError("Failed to create session");
    }
  };

  return {
    options,
    strategy,
    csrf,
    throttle,
    kv,
    tokenStore(c, own) {
      if (own) return own;
      const store = kvFor(c);
      if (!store) return memoryTokens;
      let tokens = kvTokens.get(store);
      if (!tokens) kvTokens.set(store, (tokens = createKVVerificationTokenStore(store)));
      return tokens;
    },
    serialize,
    issue,
    async completeLogin(c, user) {
      const identity = await issue(c, user);
      if (options.onLogin) {
        try {
          await options.onLogin(identity.user ?? user, c);
        } catch (error) {
          // A refused login must not leave a working identity behind: revoke it and expire its cookies.
          await (strategy.revoke ? strategy.revoke(c, identity) : strategy.logout(c));
          throw error;
        }
      }
      if (csrf) issueCsrfToken(c, csrf);
      return identity;
    },
    loginBody(identity) {
      return {
        user: serialize(identity.user),
        ...(identity.sessionId !== undefined ? { sessionId: identity.sessionId } : {}),
        ...(identity.accessToken !== undefined ? { accessToken: identity.accessToken, expiresIn: identity.expiresIn, tokenType: "Bearer" } : {}),
      };
    },
  };
}

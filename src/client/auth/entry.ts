/**
 * The public auth constructors. Each returns at once and loads its implementation on first use
 * through `import()`, so bundlers split it into its own chunk: an app that never signs in
 * through the client does not load it (bench/client-size.mjs checks this).
 * @module
 */
import type { Transport } from "../transport.js";
import type { JWTClient, JWTClientConfig, JWTUser } from "./jwt-types.js";
import { lazyJWTClient, lazyMethods } from "./lazy.js";
import type { AuthCheck, SessionClient } from "./session.js";

/**
 * Creates a JWT client against Covara's auth routes. Stored tokens are read at once; `ready`
 * settles when that is done (until then `getState().isLoading` is true).
 * @example
 * const jwt = createJWTClient({ baseUrl: "https://api.example.com", storage: AsyncStorage });
 * await jwt.login("ada@example.com", "correct horse");
 */
export function createJWTClient<U = JWTUser>(config: JWTClientConfig<U>): JWTClient<U> {
  return lazyJWTClient(() => import("./jwt-client.js").then((m) => m.buildJWTClient(config)));
}

const SESSION_METHODS = ["signup", "login", "logout", "requestEmailVerification", "confirmEmail", "me"] as const;

/**
 * Session routes (`useAuth`'s router at `basePath`, default `/api/auth`) over a transport.
 * @example
 * await createSessionClient(client.transport).login("ada@example.com", "correct horse");
 */
export function createSessionClient<U = JWTUser>(transport: Transport, basePath = "/api/auth"): SessionClient<U> {
  return lazyMethods<SessionClient<U>>(() => import("./session.js").then((m) => m.buildSessionClient<U>(transport, basePath)), SESSION_METHODS);
}

/** `client.checkAuth`: the JWT client's user when signed in, else `GET url`; failures → signed out. */
export async function checkAuth<U>(transport: Transport, url: string, jwt?: JWTClient<unknown>): Promise<AuthCheck<U>> {
  return (await import("./session.js")).checkAuth<U>(transport, url, jwt);
}

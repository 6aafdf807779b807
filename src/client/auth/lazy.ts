/**
 * Stand-ins that load auth code on first use, so an app that never signs in through the client
 * does not ship it: `createClient({ jwt })` and `client.session` reach their modules through
 * `import()`, which bundlers split into a separate chunk.
 * @module
 */
import type { JWTClient, JWTState } from "./jwt-types.js";

/** An object whose methods all load `load()` first and then call the real method. */
export function lazyMethods<M extends object>(load: () => Promise<M>, names: readonly (keyof M & string)[]): M {
  let loading: Promise<M> | undefined;
  const get = () => (loading ??= load());
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = async (...args: unknown[]) => ((await get())[name] as (...a: unknown[]) => unknown)(...args);
  return out as M;
}

/**
 * A `JWTClient` that starts loading the real one at once. Until it is there, the state is
 * "loading, signed out"; listeners added meanwhile are moved to the real client.
 */
export function lazyJWTClient<U>(load: () => Promise<JWTClient<U>>): JWTClient<U> {
  const loading: JWTState<U> = { accessToken: null, expiresAt: null, user: null, isAuthenticated: false, isLoading: true };
  let real: JWTClient<U> | undefined;
  const waiting = new Set<(state: JWTState<U>) => void>();
  const detach = new Map<(state: JWTState<U>) => void, () => void>();
  const client = load().then((c) => {
    real = c;
    for (const listener of waiting) detach.set(listener, c.subscribe(listener));
    waiting.clear();
    return c;
  });
  return {
    ready: client.then((c) => c.ready),
    login: async (email, password) => (await client).login(email, password),
    signup: async (email, password, name) => (await client).signup(email, password, name),
    refresh: async () => (await client).refresh(),
    logout: async () => (await client).logout(),
    getUser: () => real?.getUser() ?? null,
    getState: () => real?.getState() ?? loading,
    getAccessToken: () => real?.getAccessToken() ?? null,
    isAuthenticated: () => real?.isAuthenticated() ?? false,
    subscribe(listener) {
      if (real) return real.subscribe(listener);
      waiting.add(listener);
      return () => {
        waiting.delete(listener);
        detach.get(listener)?.();
        detach.delete(listener);
      };
    },
  };
}

/**
 * Shared fixtures of the useAuth suites (runtime-neutral: Node and workerd): a users directory
 * with passwords, real transports (cookieSession, jwtSession) on a given KV, and a browser-like
 * client with a cookie jar driving an app through `app.request`.
 */
import type { Hono } from "hono";
import type { KvStore } from "../../src/ports/kv-store.js";
import { setCookies } from "./sessions-fixtures.js";
import {
  cookieSession,
  createKVRefreshStore,
  createKVSessionStore,
  jwtSession,
  type AuthUser,
  type SessionStrategy,
} from "../../src/auth/index.js";

/** How a runtime supplies KV stores and client addresses. */
export interface AuthTestRuntime {
  name: string;
  /** A fresh, isolated KV namespace. */
  kv(): KvStore;
  /** Request pieces that make the router see `ip` as the client address on this runtime. */
  fromIp(ip: string): { headers: Record<string, string>; env?: Record<string, unknown> };
}

export const SECRET = "use-auth-test-secret-0123456789-abcdefghij";

/** Users with plaintext passwords (the app's own check; hashing is not what these suites test). */
export function directory() {
  const users = new Map<string, AuthUser & { password: string }>();
  let next = 0;
  const add = (email: string, password: string, extra: Partial<AuthUser> = {}) => {
    const user = { id: `u${++next}`, email, name: email.split("@")[0]!, image: null, password, ...extra };
    users.set(user.id, user);
    return user;
  };
  const byEmail = (email: string) => [...users.values()].find((u) => u.email === email.trim().toLowerCase()) ?? null;
  const strip = (user: (AuthUser & { password: string }) | null): AuthUser | null => {
    if (!user) return null;
    const { password: _password, ...rest } = user;
    return rest;
  };
  const validations: string[] = [];
  return {
    users,
    add,
    byEmail: (email: string) => strip(byEmail(email)),
    validations,
    getUserById: async (id: string) => strip(users.get(id) ?? null),
    validateCredentials: async (email: string, password: string) => {
      validations.push(email);
      const user = byEmail(email);
      return user && user.password === password ? strip(user) : null;
    },
  };
}
export type Directory = ReturnType<typeof directory>;

/** The two real transports, built on `kv`. */
export const TRANSPORTS: { name: "cookie" | "jwt"; make(dir: Directory, kv: KvStore): SessionStrategy }[] = [
  { name: "cookie", make: (dir, kv) => cookieSession({ getUserById: dir.getUserById, store: createKVSessionStore({ kv, prefix: "s" }) }) },
  { name: "jwt", make: (dir, kv) => jwtSession({ getUserById: dir.getUserById, secret: SECRET, refreshStore: createKVRefreshStore(kv) }) },
];

export interface Sent {
  status: number;
  body: any;
  headers: Headers;
  cookies: Map<string, { value: string; attributes: string }>;
}

/**
 * A browser-ish client: keeps cookies, remembers the last access token (JWT) and sends it as a
 * bearer when `bearer` is on, and the CSRF header when `csrf` is on.
 */
export function client(app: Hono<any>, base = "/api/auth", defaults: { env?: Record<string, unknown>; headers?: Record<string, string> } = {}) {
  const jar = new Map<string, string>();
  const self = {
    jar,
    accessToken: undefined as string | undefined,
    bearer: false,
    csrf: false,
    async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Sent> {
      const url = path.startsWith("/api/") || path.startsWith("/app/") ? path : `${base}${path}`;
      const all: Record<string, string> = { ...defaults.headers, ...headers };
      if (jar.size > 0) all.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      if (self.bearer && self.accessToken && !("authorization" in all)) all.authorization = `Bearer ${self.accessToken}`;
      if (self.csrf && jar.has("csrf_token") && !("x-csrf-token" in all)) all["x-csrf-token"] = jar.get("csrf_token")!;
      const init: RequestInit = { method, headers: all };
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
      const res = await app.request(url, init, defaults.env);
      const cookies = setCookies(res);
      for (const [name, { value, attributes }] of cookies) {
        if (/max-age=0/i.test(attributes) || value === "") jar.delete(name);
        else jar.set(name, value);
      }
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      if (parsed && typeof parsed === "object" && typeof (parsed as { accessToken?: unknown }).accessToken === "string") {
        self.accessToken = (parsed as { accessToken: string }).accessToken;
      }
      return { status: res.status, body: parsed, headers: res.headers, cookies };
    },
    get: (path: string, headers?: Record<string, string>) => self.send("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => self.send("POST", path, body, headers),
  };
  return self;
}

export { setCookies };

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

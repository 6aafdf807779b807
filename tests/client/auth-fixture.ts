/**
 * What the client auth tests share: a user directory with plaintext passwords and a fetch that
 * keeps cookies like a browser (Node's fetch has no cookie jar).
 */
import type { AuthUser } from "../../src/auth/index.js";

/** A user directory with plaintext passwords (the app's own check). */
export function directory() {
  const users = new Map<string, AuthUser & { password: string }>([["u1", { id: "u1", email: "ada@example.com", name: "Ada", password: "pw" }]]);
  const strip = (u: (AuthUser & { password: string }) | undefined): AuthUser | null => {
    if (!u) return null;
    const { password: _password, ...user } = u;
    return user;
  };
  return {
    getUserById: async (id: string) => strip(users.get(id)),
    validate: async (email: string, password: string) => strip([...users.values()].find((u) => u.email === email && u.password === password)),
    create: async ({ email, password, name }: { email: string; password: string; name?: string }) => {
      const user = { id: `u${users.size + 1}`, email, name: name ?? null, password };
      users.set(user.id, user);
      return strip(user)!;
    },
  };
}

/** A fetch that keeps cookies like a browser does (Node's fetch has no cookie jar). */
export function cookieJarFetch(jar = new Map<string, string>()): typeof fetch {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const name = pair!.slice(0, pair!.indexOf("=")).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair!.slice(pair!.indexOf("=") + 1));
    }
    return response;
  };
}

/**
 * useAuth on Node: the shared suites on the memory KV (client IPs come from the socket, as
 * @hono/node-server exposes it). tests/workerd/auth-router.test.ts runs the same suites inside
 * workerd on the KV Durable Object.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { cookieSession, resolveClientIp, useAuth, type TrustedProxies } from "../../src/auth/index.js";
import { useAuthCoreSuite } from "./use-auth-core.suite.js";
import { useAuthThrottleSuite } from "./use-auth-throttle.suite.js";
import { useAuthCsrfSuite } from "./use-auth-csrf.suite.js";
import { useAuthFlowsSuite } from "./use-auth-flows.suite.js";
import { useAuthMfaSuite } from "./use-auth-mfa.suite.js";
import { client, directory, type AuthTestRuntime } from "./use-auth-fixtures.js";

const node: AuthTestRuntime = {
  name: "node, memory KV",
  kv: () => createMemoryKV(),
  fromIp: (ip) => ({ headers: {}, env: { incoming: { socket: { remoteAddress: ip } } } }),
};

useAuthCoreSuite(node);
useAuthThrottleSuite(node);
useAuthCsrfSuite(node);
useAuthFlowsSuite(node);
useAuthMfaSuite(node);

describe("client IP on Node (spec 40 §13 [dev])", () => {
  const ipOf = (headers: Record<string, string>, socket: string | undefined, trustedProxies?: TrustedProxies) => {
    let seen = "";
    const app = new Hono().get("/", (c) => {
      seen = resolveClientIp(c, trustedProxies ? { trustedProxies } : {});
      return c.text("ok");
    });
    return Promise.resolve(app.request("/", { headers }, socket ? { incoming: { socket: { remoteAddress: socket } } } : {})).then(() => seen);
  };

  it("uses the socket and ignores forwarding headers without trusted proxies", async () => {
    expect(await ipOf({ "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8", "cf-connecting-ip": "9.9.9.9" }, "203.0.113.5")).toBe("203.0.113.5");
    expect(await ipOf({}, "::ffff:203.0.113.6")).toBe("203.0.113.6");
    expect(await ipOf({ "x-forwarded-for": "1.2.3.4" }, undefined)).toBe("unknown");
  });

  it("with trusted proxies, takes the right-most X-Forwarded-For entry that is not trusted", async () => {
    const trusted = ["10.0.0.0/8", "192.0.2.1"];
    expect(await ipOf({ "x-forwarded-for": "6.6.6.6, 198.51.100.4, 10.1.2.3" }, "192.0.2.1", trusted)).toBe("198.51.100.4");
    // A direct client (socket not trusted) cannot claim another address.
    expect(await ipOf({ "x-forwarded-for": "198.51.100.4" }, "203.0.113.7", trusted)).toBe("203.0.113.7");
    expect(await ipOf({ "x-forwarded-for": "junk<script>, 10.0.0.2" }, "10.0.0.1", trusted)).toBe("unknown");
    expect(await ipOf({ "x-forwarded-for": "198.51.100.9" }, "10.0.0.1", (ip) => ip.startsWith("10."))).toBe("198.51.100.9");
  });

  it("a spoofed X-Forwarded-For cannot rotate the throttle's IP bucket", async () => {
    const dir = directory();
    dir.add("ada@example.com", "pw");
    const { router } = useAuth({ session: cookieSession({ getUserById: dir.getUserById }), login: { validateCredentials: dir.validateCredentials }, throttle: { maxAttempts: 2, store: createMemoryKV() } });
    const app = new Hono().route("/api/auth", router);
    const env = { incoming: { socket: { remoteAddress: "203.0.113.50" } } };
    for (let i = 0; i < 2; i++) {
      const spoofed = client(app, "/api/auth", { env, headers: { "x-forwarded-for": `198.51.100.${i}` } });
      expect((await spoofed.post("/login", { email: `x${i}@x.co`, password: "no" })).status).toBe(401);
    }
    const res = await client(app, "/api/auth", { env, headers: { "x-forwarded-for": "198.51.100.99" } }).post("/login", { email: "ada@example.com", password: "pw" });
    expect(res.status).toBe(429);
  });
});

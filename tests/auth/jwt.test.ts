/**
 * JWT identity on Node: the shared token, refresh and adapter suites (refresh rotation on the
 * memory store, KV-on-memory and KV-on-Redis), plus what only Node can host here: a JWKS served
 * over loopback HTTP and fetched through jose's remote key set.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair } from "jose";
import { createKVRefreshStore, InMemoryRefreshTokenStore, jwtSession } from "../../src/auth/index.js";
import { MemoryKvStore } from "../../node-shim/memory/kv-store.js";
import { createRedisKV, type RedisKvStore } from "../../node-shim/redis/kv-store.js";
import { clearGlobalKV, setGlobalKV } from "../../src/middleware/kv-context.js";
import { appFor, claims, getUserById, login, sign, whoAmI } from "./jwt-fixtures.js";
import { jwtTokenSuite } from "./jwt-tokens.suite.js";
import { jwtRefreshSuite } from "./jwt-refresh.suite.js";
import { jwtAdapterSuite } from "./jwt-adapter.suite.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const runId = `covara-jwt-test:${randomBytes(6).toString("hex")}`;
let redis: RedisKvStore | undefined;
let stores = 0;

beforeAll(async () => {
  redis = await createRedisKV({ url: redisUrl, prefix: runId });
});
afterAll(async () => {
  if (!redis) return;
  const { keys } = await redis.list("", { limit: 1000 });
  await Promise.all(keys.map((key) => redis!.delete(key)));
  await redis.close();
});

jwtTokenSuite();
jwtRefreshSuite([
  { name: "InMemoryRefreshTokenStore", make: () => new InMemoryRefreshTokenStore() },
  { name: "KV on memory", make: () => createKVRefreshStore(new MemoryKvStore()) },
  {
    name: "KV on Redis",
    // One connection for the run; each store gets its own prefix on it.
    make: () => createKVRefreshStore(redis!, { prefix: `r${++stores}` }),
  },
]);
jwtAdapterSuite();

describe("jwt: refreshStore: true", () => {
  afterAll(() => clearGlobalKV());

  it("uses the global KV when one is registered", async () => {
    const kv = new MemoryKvStore();
    setGlobalKV(kv);
    const app = appFor(jwtSession({ getUserById, secret: "test-secret-0123456789-abcdefghijklmnopq", refreshStore: true }));
    await login(app);
    expect((await kv.list("refresh:t:")).keys).toHaveLength(1);
    clearGlobalKV();
  });

  it("falls back to memory without a global KV, still single-use", async () => {
    const app = appFor(jwtSession({ getUserById, secret: "test-secret-0123456789-abcdefghijklmnopq", refreshStore: true }));
    const { cookie } = await login(app);
    const headers = { cookie: `refreshToken=${cookie}` };
    expect((await app.request("/auth/refresh", { method: "POST", headers })).status).toBe(200);
    expect((await app.request("/auth/refresh", { method: "POST", headers })).status).toBe(401);
  });
});

describe("jwt: remote JWKS over HTTP", () => {
  let server: Server;
  let url = "";
  let hits = 0;
  let jwks: unknown;
  let pair: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    pair = await generateKeyPair("RS256", { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "remote-1", alg: "RS256", use: "sig" }] };
    server = createServer((req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("verifies tokens against a fetched key set, fetching it once", async () => {
    const issuer = appFor(jwtSession({ getUserById, algorithm: "RS256", privateKey: { ...(await exportJWK(pair.privateKey)), kid: "remote-1" } }));
    const verifier = appFor(jwtSession({ getUserById, algorithm: "RS256", jwks: url }));
    const { accessToken } = await login(issuer);
    expect(await whoAmI(verifier, accessToken)).toMatchObject({ id: "u1" });
    expect(await whoAmI(verifier, (await login(issuer)).accessToken)).toMatchObject({ id: "u1" });
    expect(hits).toBe(1);
    // A key the set does not hold, and alg none, are still rejected.
    const stranger = await generateKeyPair("RS256");
    expect(await whoAmI(verifier, await sign(claims(), stranger.privateKey, "RS256", { kid: "remote-1" }))).toBeNull();
  });

  it("treats an unreachable JWKS as anonymous, not an error", async () => {
    const verifier = appFor(jwtSession({ getUserById, algorithm: "RS256", jwks: "http://127.0.0.1:1/jwks.json" }));
    const res = await verifier.request("/me", { headers: { authorization: `Bearer ${await sign(claims(), pair.privateKey, "RS256", { kid: "remote-1" })}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: null });
  });
});

describe("verified-token cache", () => {
  it("never extends a token's life: a token accepted while fresh is refused once it expires", async () => {
    const strategy = jwtSession({ getUserById, secret: "cache-test-secret-0123456789-abcdefghijk", accessTokenTtl: 60, clockTolerance: 0 });
    const app = appFor(strategy);
    const { accessToken } = await login(app);
    expect((await whoAmI(app, accessToken))?.id).toBe("u1");
    expect((await whoAmI(app, accessToken))?.id).toBe("u1");
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 61_000;
      expect(await whoAmI(app, accessToken)).toBeNull();
    } finally {
      Date.now = realNow;
    }
    // A tampered copy of a cached token is a different string, so it is verified afresh and refused.
    const [header, payload, signature] = accessToken.split(".");
    const forged = `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`;
    expect(await whoAmI(app, forged)).toBeNull();
  });
});

/**
 * Sessions on Node: the store contract on memory, KV (memory and Redis) and Drizzle
 * (better-sqlite3, PGlite, PostgreSQL); cookieSession, Passport and Auth.js suites on top.
 * tests/workerd/auth-sessions.test.ts runs the same suites inside workerd (DO KV, D1).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe } from "vitest";
import { InMemorySessionStore } from "../../src/auth/sessions/memory-store.js";
import { createKVSessionStore } from "../../src/auth/sessions/kv-store.js";
import { createDrizzleSessionStore } from "../../src/auth/sessions/drizzle-store.js";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createRedisKV, type RedisKvStore } from "../../node-shim/redis/kv-store.js";
import { sessionStoreContract, kvSessionStoreFailClosed, drizzleSessionStoreSpecifics, createSessionStoreSuite } from "./sessions-store.suite.js";
import { cookieSessionSuite } from "./sessions-cookie.suite.js";
import { passportAdapterSuite } from "./sessions-passport.suite.js";
import { authJsAdapterSuite } from "./sessions-authjs.suite.js";
import { sessionDatabases, type SessionsDatabase } from "./sessions-databases.js";

sessionStoreContract("memory", () => new InMemorySessionStore());
sessionStoreContract("KV on memory", () => createKVSessionStore({ kv: createMemoryKV() }));
kvSessionStoreFailClosed("memory KV", () => createMemoryKV());

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  describe("Redis", () => {
    const prefix = `covara-test-sessions:${randomBytes(6).toString("hex")}`;
    const clients: RedisKvStore[] = [];
    const redis = async () => {
      const kv = await createRedisKV({ url: redisUrl, prefix });
      clients.push(kv);
      return kv;
    };
    afterAll(async () => {
      const kv = clients[0];
      if (kv) for (;;) {
        const { keys } = await kv.list("", { limit: 1000 });
        if (keys.length === 0) break;
        await Promise.all(keys.map((key) => kv.delete(key)));
      }
      await Promise.all(clients.map((kv) => kv.close()));
    });
    sessionStoreContract("KV on Redis", async () => createKVSessionStore({ kv: await redis() }));
    kvSessionStoreFailClosed("Redis KV", redis);
    cookieSessionSuite("KV store on Redis", async () => createKVSessionStore({ kv: await redis() }), redis);
    passportAdapterSuite("KV store on Redis", async () => createKVSessionStore({ kv: await redis() }));
  });
}

for (const factory of sessionDatabases) {
  describe(factory.name, () => {
    let database: SessionsDatabase;
    beforeAll(async () => {
      database = await factory.open();
    });
    afterAll(() => database?.close());
    sessionStoreContract(`Drizzle on ${factory.name}`, () => createDrizzleSessionStore({ db: database.db }));
    drizzleSessionStoreSpecifics(factory.name, () => ({ db: database.db, table: database.sessionsTable }));
    createSessionStoreSuite(factory.name, () => createMemoryKV(), () => database.db);
    cookieSessionSuite(`Drizzle store on ${factory.name}`, () => createDrizzleSessionStore({ db: database.db }), () => createMemoryKV());
    authJsAdapterSuite(factory.name, () => ({ db: database.db, tables: database.authjs }));
  });
}

cookieSessionSuite("memory store", () => new InMemorySessionStore(), () => createMemoryKV());
cookieSessionSuite("KV store on memory", () => createKVSessionStore({ kv: createMemoryKV() }), () => createMemoryKV());
passportAdapterSuite("memory store", () => new InMemorySessionStore());

/**
 * Sessions inside workerd: the store contract on the KV Durable Object, memory KV and D1; the
 * cookieSession, Passport and Auth.js suites on the DO KV and D1 — the same assertions
 * tests/auth/sessions.test.ts runs on Node.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe } from "vitest";
import { createDurableObjectKV } from "../../durable-objects/index.js";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { InMemorySessionStore } from "../../src/auth/sessions/memory-store.js";
import { createKVSessionStore } from "../../src/auth/sessions/kv-store.js";
import { createDrizzleSessionStore } from "../../src/auth/sessions/drizzle-store.js";
import { SQLITE_AUTH_SESSIONS_DDL, sqliteAuthSessions } from "../../src/auth/sessions/drizzle-tables.js";
import { createSessionStoreSuite, drizzleSessionStoreSpecifics, kvSessionStoreFailClosed, sessionStoreContract } from "../auth/sessions-store.suite.js";
import { cookieSessionSuite } from "../auth/sessions-cookie.suite.js";
import { passportAdapterSuite } from "../auth/sessions-passport.suite.js";
import { authJsAdapterSuite } from "../auth/sessions-authjs.suite.js";
import { SQLITE_AUTHJS_DDL, sqliteAuthJs } from "../auth/sessions-authjs-schema.js";

let kvs = 0;
/** A fresh namespace on the shared KV Durable Object (8 shards). */
const doKv = () => createDurableObjectKV(env.COVARA_KV, { prefix: `auth-sessions-${++kvs}` });

describe("workerd", () => {
  const db = drizzle(env.DB);
  beforeAll(async () => {
    for (const stmt of [...SQLITE_AUTH_SESSIONS_DDL, ...SQLITE_AUTHJS_DDL]) await env.DB.prepare(stmt).run();
  });

  sessionStoreContract("memory", () => new InMemorySessionStore());
  sessionStoreContract("KV on memory", () => createKVSessionStore({ kv: createMemoryKV() }));
  sessionStoreContract("KV on the Durable Object", () => createKVSessionStore({ kv: doKv() }));
  sessionStoreContract("Drizzle on D1", () => createDrizzleSessionStore({ db }));
  kvSessionStoreFailClosed("Durable Object KV", doKv);
  createSessionStoreSuite("Durable Object KV and D1", doKv, () => db);
  drizzleSessionStoreSpecifics("D1", () => ({ db, table: sqliteAuthSessions }));

  cookieSessionSuite("KV store on the Durable Object", () => createKVSessionStore({ kv: doKv() }), doKv);
  cookieSessionSuite("Drizzle store on D1", () => createDrizzleSessionStore({ db }), doKv);
  passportAdapterSuite("KV store on the Durable Object", () => createKVSessionStore({ kv: doKv() }));
  authJsAdapterSuite("D1", () => ({ db, tables: sqliteAuthJs }));
});

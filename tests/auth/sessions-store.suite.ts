/**
 * The SessionStore contract (spec 40 §7): one suite, run unchanged on every store and backend —
 * memory, KV on memory/Redis/the Durable Object, Drizzle on better-sqlite3/PGlite/PostgreSQL/D1.
 * Real short TTLs with polling (Redis and the DO keep their own clocks); unique ids per test so a
 * shared backend needs no cleanup between tests.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { SessionData, SessionStore } from "../../src/auth/types.js";
import { createKVSessionStore } from "../../src/auth/sessions/kv-store.js";
import { createDrizzleSessionStore } from "../../src/auth/sessions/drizzle-store.js";
import { createSessionStore } from "../../src/auth/sessions/create-store.js";
import { KvError, type KvStore } from "../../src/ports/kv-store.js";
import { eventually, sleep, uid } from "./sessions-fixtures.js";

const HOUR = 3_600_000;

function session(userId: string, options: { id?: string; ttlMs?: number; data?: Record<string, unknown> } = {}): SessionData {
  const createdAt = new Date();
  return {
    id: options.id ?? uid("sess"),
    userId,
    createdAt,
    expiresAt: new Date(createdAt.getTime() + (options.ttlMs ?? HOUR)),
    ...(options.data ? { data: options.data } : {}),
  };
}

const near = (actual: Date, expected: number, slackMs = 5000) => expect(Math.abs(actual.getTime() - expected)).toBeLessThan(slackMs);

/** Runs the store contract on the store `make` returns (one per describe). */
export function sessionStoreContract(name: string, make: () => Promise<SessionStore> | SessionStore): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    const put = async (s: SessionData, ttlMs = HOUR) => {
      await store.set(s.id, s, ttlMs);
      return s;
    };

    beforeAll(async () => {
      store = await make();
    });

    it("stores a session under logical keys and reads it back exactly", async () => {
      const s = await put(session(uid("user"), { data: { ipAddress: "203.0.113.9", userAgent: "UA/1", nested: { n: 1, list: [1, "a"] } } }));
      const read = await store.get(s.id);
      expect(read).toEqual(s);
      expect(read!.createdAt).toBeInstanceOf(Date);
      expect(read!.expiresAt).toBeInstanceOf(Date);
    });

    it("answers null for an unknown id and after delete; deleting twice is harmless", async () => {
      expect(await store.get(uid("missing"))).toBeNull();
      const s = await put(session(uid("user")));
      await store.delete(s.id);
      expect(await store.get(s.id)).toBeNull();
      await store.delete(s.id);
      await store.delete(uid("never"));
    });

    it("keeps a session until the earlier of its expiresAt and now + ttlMs, then hides it", async () => {
      const long = await put(session(uid("user"), { ttlMs: 2 * HOUR }), 10 * 60_000);
      near((await store.get(long.id))!.expiresAt, Date.now() + 10 * 60_000);
      const short = await put(session(uid("user"), { ttlMs: 300 }), HOUR);
      expect(await store.get(short.id)).not.toBeNull();
      await eventually(async () => (await store.get(short.id)) === null);
      const byTtl = await put(session(uid("user")), 300);
      await eventually(async () => (await store.get(byTtl.id)) === null);
    });

    it("never stores a session that is already expired", async () => {
      const past = session(uid("user"));
      past.expiresAt = new Date(Date.now() - 1000);
      await store.set(past.id, past, HOUR);
      expect(await store.get(past.id)).toBeNull();
      expect(await store.getByUser?.(past.userId)).toEqual([]);
    });

    it("touch moves the expiry of a live session and never revives a deleted one", async () => {
      const s = await put(session(uid("user")), 500);
      await store.touch(s.id, HOUR);
      await sleep(700);
      const read = await store.get(s.id);
      expect(read).not.toBeNull();
      near(read!.expiresAt, Date.now() + HOUR);
      await store.delete(s.id);
      await store.touch(s.id, HOUR);
      expect(await store.get(s.id)).toBeNull();
    });

    it("update replaces the data of a live session only, keeping its expiry", async () => {
      expect(store.update).toBeTypeOf("function");
      const s = await put(session(uid("user"), { data: { a: 1 } }));
      expect(await store.update!(s.id, { a: 2, lastActiveAt: 123 })).toBe(true);
      const read = await store.get(s.id);
      expect(read!.data).toEqual({ a: 2, lastActiveAt: 123 });
      expect(read!.expiresAt.getTime()).toBe(s.expiresAt.getTime());
      await store.delete(s.id);
      expect(await store.update!(s.id, { a: 3 })).toBe(false);
      expect(await store.get(s.id)).toBeNull();
    });

    it("indexes sessions per user: getByUser and deleteByUser touch only that user", async () => {
      const alice = uid("alice");
      const bob = uid("bob");
      const mine = await Promise.all([1, 2, 3].map(() => put(session(alice))));
      const theirs = await put(session(bob));
      const listed = await store.getByUser!(alice);
      expect(listed.map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
      expect(await store.deleteByUser!(alice)).toBe(3);
      expect(await store.getByUser!(alice)).toEqual([]);
      for (const s of mine) expect(await store.get(s.id)).toBeNull();
      expect(await store.get(theirs.id)).toEqual(theirs);
      expect(await store.deleteByUser!(uid("nobody"))).toBe(0);
    });

    it("does not count or list expired sessions of a user", async () => {
      const user = uid("user");
      const live = await put(session(user));
      const dying = await put(session(user), 200);
      await eventually(async () => (await store.get(dying.id)) === null);
      expect((await store.getByUser!(user)).map((s) => s.id)).toEqual([live.id]);
      expect(await store.deleteByUser!(user)).toBe(1);
    });

    it("keeps users apart even when one id is a prefix of another (a, a:b, a%3Ab)", async () => {
      const base = uid("u");
      const ids = [base, `${base}:b`, `${base}%3Ab`, `${base}:`];
      const sessions = await Promise.all(ids.map((userId) => put(session(userId))));
      for (const [i, userId] of ids.entries()) expect((await store.getByUser!(userId)).map((s) => s.id)).toEqual([sessions[i]!.id]);
      expect(await store.deleteByUser!(base)).toBe(1);
      for (const s of sessions.slice(1)) expect(await store.get(s.id)).not.toBeNull();
    });

    it("round-trips hostile-looking ids and user ids byte for byte", async () => {
      for (const id of ["x'; DROP TABLE auth_sessions; --", "\"q\" OR 1=1", "a:b:c", "50%", "\u00e9\u4e2d", "../..", "*"]) {
        const s = await put(session(`${uid("user")}'--`, { id: `${uid("s")}${id}` }));
        expect(await store.get(s.id)).toEqual(s);
        expect((await store.getByUser!(s.userId)).map((x) => x.id)).toEqual([s.id]);
        expect(await store.get(`${s.id}x`)).toBeNull();
      }
    });

    it("moves a session to its new user when an id is set again", async () => {
      const [a, b] = [uid("a"), uid("b")];
      const s = await put(session(a));
      await put({ ...s, userId: b });
      expect(await store.getByUser!(a)).toEqual([]);
      expect((await store.getByUser!(b)).map((x) => x.id)).toEqual([s.id]);
    });

    it("lists live sessions through getAll", async () => {
      const s = await put(session(uid("user")));
      const all = await store.getAll!();
      expect(all.find((x) => x.id === s.id)).toEqual(s);
      expect(all.every((x) => x.expiresAt.getTime() > Date.now())).toBe(true);
    });

    it("hands out copies: mutating a returned session changes nothing stored", async () => {
      const s = await put(session(uid("user"), { data: { role: "user" } }));
      const read = (await store.get(s.id))!;
      read.data!.role = "admin";
      read.userId = "someone-else";
      expect(await store.get(s.id)).toEqual(s);
    });

    it("handles many concurrent writers for one user", async () => {
      const user = uid("user");
      const many = await Promise.all(Array.from({ length: 20 }, () => put(session(user))));
      expect((await store.getByUser!(user)).length).toBe(20);
      expect(await store.deleteByUser!(user)).toBe(20);
      for (const s of many.slice(0, 3)) expect(await store.get(s.id)).toBeNull();
    });
  });
}

/** KV-store specifics: unreadable records and failing reads yield "no session" (fail closed). */
export function kvSessionStoreFailClosed(name: string, makeKv: () => Promise<KvStore> | KvStore): void {
  describe(`KV session store fails closed: ${name}`, () => {
    it("reads a corrupted or foreign record as no session and reports it", async () => {
      const kv = await makeKv();
      const prefix = uid("sessions");
      const errors: unknown[] = [];
      const store = createKVSessionStore({ kv, prefix, onError: (e) => errors.push(e) });
      for (const [i, raw] of ["not json", "{}", JSON.stringify({ v: 2, u: "x", c: 1, e: 9e15 }), JSON.stringify({ v: 1, u: 5, c: 1, e: 9e15 }), "null"].entries()) {
        await kv.set(`${prefix}:s:bad${i}`, raw, { ttlMs: HOUR });
        expect(await store.get(`bad${i}`)).toBeNull();
      }
      expect(errors.length).toBe(5);
    });

    it("answers null when the KV itself fails, and surfaces write failures", async () => {
      const kv = await makeKv();
      const errors: unknown[] = [];
      const broken = new Proxy(kv, {
        get(target, prop, receiver) {
          if (prop === "get" || prop === "set" || prop === "list") return () => Promise.reject(new KvError("UNAVAILABLE", "down"));
          return Reflect.get(target, prop, receiver);
        },
      });
      const store = createKVSessionStore({ kv: broken, prefix: uid("sessions"), onError: (e) => errors.push(e) });
      expect(await store.get("anything")).toBeNull();
      expect(await store.getByUser!("u")).toEqual([]);
      expect(errors.length).toBeGreaterThan(0);
      const s = { id: "s1", userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) };
      await expect(store.set("s1", s, HOUR)).rejects.toBeInstanceOf(KvError);
    });

    it("keeps its keys under its prefix, so two apps can share one KV", async () => {
      const kv = await makeKv();
      const [p1, p2] = [uid("app1"), uid("app2")];
      const one = createKVSessionStore({ kv, prefix: p1 });
      const two = createKVSessionStore({ kv, prefix: p2 });
      const s = { id: uid("s"), userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) };
      await one.set(s.id, s, HOUR);
      expect(await two.get(s.id)).toBeNull();
      expect(await two.deleteByUser!("u")).toBe(0);
      expect(await one.get(s.id)).not.toBeNull();
      expect((await kv.list(`${p1}:`)).keys.length).toBe(2);
      await one.delete(s.id);
      expect((await kv.list(`${p1}:`)).keys).toEqual([]);
    });
  });
}

/** A Drizzle database with the auth_sessions table, as the Drizzle-store specifics need it. */
export interface SessionDb {
  db: any;
  table: any;
}

/** Drizzle-store specifics: rows with expiresAt ≤ now are invisible, unreadable data fails closed, sweeping. */
export function drizzleSessionStoreSpecifics(name: string, getDb: () => SessionDb): void {
  describe(`Drizzle session store: ${name}`, () => {
    it("hides a row whose expiresAt is now or past, even before any sweep", async () => {
      const { db, table } = getDb();
      const store = createDrizzleSessionStore({ db, table, cleanupIntervalMs: 0 });
      const id = uid("s");
      await db.insert(table).values({ id, userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() - 1), data: null });
      expect(await store.get(id)).toBeNull();
      expect((await store.getAll!()).some((s) => s.id === id)).toBe(false);
    });

    it("reads a row with unreadable data as no session and reports it", async () => {
      const { db, table } = getDb();
      const errors: unknown[] = [];
      const store = createDrizzleSessionStore({ db, table, onError: (e) => errors.push(e) });
      const user = uid("u");
      for (const data of ["{not json", "[1,2]", "42"]) {
        const id = uid("s");
        await db.insert(table).values({ id, userId: user, createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR), data });
        expect(await store.get(id)).toBeNull();
      }
      expect(await store.getByUser!(user)).toEqual([]);
      expect(errors.length).toBe(6);
    });

    it("sweeps expired rows on a later write once the interval has passed", async () => {
      const { db, table } = getDb();
      const store = createDrizzleSessionStore({ db, table, cleanupIntervalMs: 50 });
      const dead = uid("s");
      await db.insert(table).values({ id: dead, userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() - 1000), data: null });
      await sleep(80);
      const s = { id: uid("s"), userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) };
      await store.set(s.id, s, HOUR);
      await eventually(async () => (await db.select().from(table).where(eq(table.id, dead))).length === 0);
      expect(await store.get(s.id)).not.toBeNull();
    });
  });
}

/** `createSessionStore({ type })` builds each built-in store and refuses incomplete configurations. */
export function createSessionStoreSuite(name: string, makeKv: () => Promise<KvStore> | KvStore, getDb: () => any): void {
  describe(`createSessionStore: ${name}`, () => {
    it("builds memory, kv, redis and drizzle stores that work", async () => {
      const kv = await makeKv();
      const stores = [
        createSessionStore({ type: "memory" }),
        createSessionStore({ type: "kv", kv, prefix: uid("factory") }),
        createSessionStore({ type: "redis", kv, prefix: uid("factory") }),
        createSessionStore({ type: "drizzle", db: getDb() }),
      ];
      for (const store of stores) {
        const s = { id: uid("s"), userId: uid("u"), createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) };
        await store.set(s.id, s, HOUR);
        expect(await store.get(s.id)).toEqual(s);
        expect(await store.deleteByUser!(s.userId)).toBe(1);
      }
    });

    it("throws a TypeError for a missing kv or db and an unknown type", () => {
      expect(() => createSessionStore({ type: "kv" } as never)).toThrow(TypeError);
      expect(() => createSessionStore({ type: "redis" } as never)).toThrow(TypeError);
      expect(() => createSessionStore({ type: "drizzle" } as never)).toThrow(TypeError);
      expect(() => createSessionStore({ type: "mongo" } as never)).toThrow(TypeError);
    });
  });
}

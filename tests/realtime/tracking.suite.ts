/**
 * `trackMutations` on every database (spec 20 §12, invariants 19, 25–30, 32): what each write
 * pattern appends to the changelog and what live subscribers receive. The resource side (config.db,
 * hooks, procedures, recordExternalMutation) is in tracking-resources.suite.ts.
 */
import { describe, expect, it } from "vitest";
import { eq, gt, sql } from "drizzle-orm";
import { isTrackedDb, trackMutations, type TrackedMutation } from "../../src/index.js";
import type { ChangeEntry } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { live, settle, summary, trackingFixture } from "./tracking-fixtures.js";
import { trackingResourcesSuite } from "./tracking-resources.suite.js";

export function trackingSuite(getHarness: () => DbHarness) {
  describe("mutation tracking (trackMutations)", () => {
    const f = trackingFixture(getHarness);

    it("inv 25: insert … returning() records one create per returned row with its image; matching subscribers get `added`", async () => {
      const reader = await f.subscribe(f.app(), "?filter=age=gt=20");
      const db = f.track();
      const rows = await db.insert(f.people).values([{ name: "a", email: "a@x", age: 30 }, { name: "b", email: "b@x", age: 10 }]).returning();
      const [partial] = await db.insert(f.people).values({ name: "c", email: "c@x", age: 40 }).returning({ id: f.people.id });
      const log = await f.entries();
      expect(summary(log)).toEqual([
        ["create", String(rows[0].id), "a", undefined],
        ["create", String(rows[1].id), "b", undefined],
        ["create", String(partial.id), "c", undefined],
      ]);
      // A partial returning() still records the full row, as stored (column defaults included).
      expect(log[2]!.object).toMatchObject({ id: partial.id, name: "c", email: "c@x", age: 40, role: "user", active: true });
      expect(log.every((e) => e.previousObject === undefined && e.reason === undefined)).toBe(true);
      await reader.until(() => live(reader).length === 2);
      expect(live(reader).map((e) => [e.type, e.object.name])).toEqual([["added", "a"], ["added", "c"]]);
    });

    it("inv 19: insert without returning() is one coarse entry; subscribers get `invalidate` (raw-sql-mutation), never a row event", async () => {
      const reader = await f.subscribe(f.app());
      await f.track().insert(f.people).values([{ name: "a", email: "a@x" }, { name: "b", email: "b@x" }]);
      expect(await f.entries()).toEqual([expect.objectContaining({ type: "create", objectId: "*", reason: "raw-sql-mutation" })]);
      expect((await f.entries())[0]!.object).toBeUndefined();
      await reader.until(() => live(reader).length === 1);
      await settle();
      expect(live(reader).map((e) => [e.type, e.reason])).toEqual([["invalidate", "raw-sql-mutation"]]);
    });

    it("inv 26: update records one entry per affected row with the before-image, with or without returning(); subscribers get changed/removed/added", async () => {
      const [a, b, c] = await f.seed({ name: "a", age: 30 }, { name: "b", age: 40 }, { name: "c", age: 10 });
      const reader = await f.subscribe(f.app(), "?filter=age=gt=20");
      const db = f.track();
      // Without returning(): after-image = before-image overlaid with the set values.
      await db.update(f.people).set({ name: "a2" }).where(eq(f.people.id, a!.id));
      // With returning(): the returned row is the after-image.
      const returned = await db.update(f.people).set({ age: 5 }).where(eq(f.people.id, b!.id)).returning();
      expect(returned).toHaveLength(1);
      // An SQL expression: the stored result, read back, not the expression.
      await db.update(f.people).set({ age: sql`${f.people.age} + 20` }).where(eq(f.people.id, c!.id));
      const log = await f.entries();
      expect(summary(log)).toEqual([
        ["update", String(a!.id), "a2", "a"],
        ["update", String(b!.id), "b", "b"],
        ["update", String(c!.id), "c", "c"],
      ]);
      expect([log[0]!.object!.age, log[1]!.previousObject!.age, log[1]!.object!.age, log[2]!.previousObject!.age, log[2]!.object!.age]).toEqual([30, 40, 5, 10, 30]);
      await reader.until(() => live(reader).length === 3);
      expect(live(reader).map((e) => [e.type, e.object?.name ?? e.objectId])).toEqual([
        ["changed", "a2"],
        ["removed", String(b!.id)],
        ["added", "c"],
      ]);
      expect(live(reader)[0].previousObjectId).toBe(String(a!.id));
    });

    it("inv 26: a multi-row update or delete records every affected row; zero affected rows record nothing", async () => {
      const rows = await f.seed({ name: "a", age: 30 }, { name: "b", age: 40 }, { name: "c", age: 10 });
      const db = f.track();
      await db.update(f.people).set({ role: "admin" }).where(gt(f.people.age, 20));
      await db.update(f.people).set({ role: "x" }).where(gt(f.people.age, 100));
      await db.update(f.people).set({ role: "x" }).where(eq(f.people.id, -1)).returning();
      await db.delete(f.people).where(eq(f.people.id, -1));
      await db.delete(f.people).where(eq(f.people.id, -1)).returning();
      expect(summary(await f.entries())).toEqual([
        ["update", String(rows[0]!.id), "a", "a"],
        ["update", String(rows[1]!.id), "b", "b"],
      ]);
      expect((await f.entries()).map((e) => [e.previousObject!.role, e.object!.role])).toEqual([["user", "admin"], ["user", "admin"]]);
    });

    it("inv 26: delete records one entry per row with the before-image, with or without returning(); subscribers get `removed`", async () => {
      const [a, b, c] = await f.seed({ name: "a", age: 30 }, { name: "b", age: 40 }, { name: "c", age: 10 });
      const reader = await f.subscribe(f.app(), "?filter=age=gt=20");
      const db = f.track();
      await db.delete(f.people).where(eq(f.people.id, a!.id));
      await db.delete(f.people).where(eq(f.people.id, b!.id)).returning({ id: f.people.id });
      await db.delete(f.people).where(eq(f.people.id, c!.id)).returning();
      const log = await f.entries();
      expect(summary(log)).toEqual([
        ["delete", String(a!.id), undefined, "a"],
        ["delete", String(b!.id), undefined, "b"],
        ["delete", String(c!.id), undefined, "c"],
      ]);
      expect(log[1]!.previousObject).toMatchObject({ email: "x@x", age: 40 });
      await reader.until(() => live(reader).length === 2);
      await settle();
      // c was never in the subscriber's view: nothing for it.
      expect(live(reader).map((e) => [e.type, e.objectId])).toEqual([["removed", String(a!.id)], ["removed", String(b!.id)]]);
    });

    it("update or delete without where() records one coarse entry (none when the table was empty)", async () => {
      const db = f.track();
      await db.update(f.people).set({ role: "x" });
      await db.delete(f.people);
      expect(await f.entries()).toEqual([]);
      await f.seed({ name: "a" }, { name: "b" });
      const reader = await f.subscribe(f.app());
      await db.update(f.people).set({ role: "x" });
      await db.delete(f.people).returning();
      expect((await f.entries()).map((e) => [e.type, e.objectId, e.reason])).toEqual([
        ["update", "*", "raw-sql-mutation"],
        ["delete", "*", "raw-sql-mutation"],
      ]);
      await reader.until(() => live(reader).length === 2);
      expect(live(reader).map((e) => e.type)).toEqual(["invalidate", "invalidate"]);
    });

    it("inv 27: onConflictDoNothing that inserts nothing records nothing", async () => {
      const [a] = await f.seed({ name: "a" });
      const db = f.track();
      expect(await db.insert(f.people).values({ id: a!.id, name: "dup", email: "d@x" }).onConflictDoNothing().returning()).toEqual([]);
      await db.insert(f.people).values({ id: a!.id, name: "dup", email: "d@x" }).onConflictDoNothing();
      expect(await f.entries()).toEqual([]);
      const [fresh] = await db.insert(f.people).values({ name: "new", email: "n@x" }).onConflictDoNothing().returning();
      expect(summary(await f.entries())).toEqual([["create", String(fresh.id), "new", undefined]]);
    });

    it("SQLite executors .run(), .all() and .get(), and Postgres .execute(), record like await", async () => {
      const db = f.track();
      const [a] = await f.seed({ name: "a" });
      if (f.h.dialect === "sqlite") {
        const [b] = await db.insert(f.people).values({ name: "b", email: "b@x" }).returning().all();
        const c = await db.insert(f.people).values({ name: "c", email: "c@x" }).returning().get();
        await db.update(f.people).set({ name: "a2" }).where(eq(f.people.id, a!.id)).run();
        await db.delete(f.people).where(eq(f.people.id, b.id)).run();
        expect(summary(await f.entries())).toEqual([
          ["create", String(b.id), "b", undefined],
          ["create", String(c.id), "c", undefined],
          ["update", String(a!.id), "a2", "a"],
          ["delete", String(b.id), undefined, "b"],
        ]);
      } else {
        const [b] = await db.insert(f.people).values({ name: "b", email: "b@x" }).returning().execute();
        await db.update(f.people).set({ name: "a2" }).where(eq(f.people.id, a!.id)).execute();
        expect(summary(await f.entries())).toEqual([
          ["create", String(b.id), "b", undefined],
          ["update", String(a!.id), "a2", "a"],
        ]);
      }
    });

    it("a failed statement records nothing", async () => {
      const db = f.track();
      await expect(db.insert(f.people).values({ name: "no email" } as never).returning()).rejects.toThrow();
      const [a] = await f.seed({ name: "a" });
      await expect(db.update(f.people).set({ email: null } as never).where(eq(f.people.id, a!.id))).rejects.toThrow();
      expect(await f.entries()).toEqual([]);
    });

    it("inv 19: raw SQL writes to a tracked table are coarse entries → `invalidate`; reads, other tables and no-op statements record nothing", async () => {
      await f.seed({ name: "a", age: 30 });
      const reader = await f.subscribe(f.app());
      const db = f.track();
      await f.raw(db, "UPDATE people SET age = 31");
      await f.raw(db, `INSERT INTO "people" (name, email) VALUES ('r', 'r@x')`);
      await f.raw(db, "delete from people where name = 'r'");
      await f.raw(db, "SELECT * FROM people");
      await f.raw(db, "INSERT INTO authors (name) VALUES ('untracked')");
      await f.raw(db, "DELETE FROM people WHERE id = -1");
      expect((await f.entries()).map((e) => [e.type, e.objectId, e.reason, e.object])).toEqual([
        ["update", "*", "raw-sql-mutation", undefined],
        ["create", "*", "raw-sql-mutation", undefined],
        ["delete", "*", "raw-sql-mutation", undefined],
      ]);
      await reader.until(() => live(reader).length === 3);
      await settle();
      expect(live(reader).map((e) => [e.type, e.reason])).toEqual(Array(3).fill(["invalidate", "raw-sql-mutation"]));
    });

    it("inv 28: writes inside a tracked transaction appear only after commit", async () => {
      if (!f.transactions) return expectNoInteractiveTransactions(f.track());
      const db = f.track();
      const seen: ChangeEntry[] = [];
      const connection = await f.hub.connect("people", (entries) => seen.push(...entries));
      if (f.sync) {
        db.transaction((tx: any) => {
          tx.insert(f.people).values({ name: "a", email: "a@x" }).returning().all();
          tx.update(f.people).set({ name: "a2" }).where(eq(f.people.name, "a")).run();
          expect(seen).toEqual([]);
        });
      } else {
        await db.transaction(async (tx: any) => {
          await tx.insert(f.people).values({ name: "a", email: "a@x" }).returning();
          await tx.update(f.people).set({ name: "a2" }).where(eq(f.people.name, "a"));
          await settle();
          expect(seen).toEqual([]);
        });
      }
      expect(summary(seen).map(([type, , name, before]) => [type, name, before])).toEqual([["create", "a", undefined], ["update", "a2", "a"]]);
      connection.close();
    });

    it("inv 28: a rolled-back transaction (or savepoint) records nothing of its own", async () => {
      if (!f.transactions) return expectNoInteractiveTransactions(f.track());
      const db = f.track();
      const fail = () => {
        throw new Error("roll back");
      };
      if (f.sync) {
        expect(() => db.transaction((tx: any) => (tx.insert(f.people).values({ name: "gone", email: "g@x" }).returning().all(), fail()))).toThrow("roll back");
        db.transaction((tx: any) => {
          tx.insert(f.people).values({ name: "outer", email: "o@x" }).returning().all();
          expect(() => tx.transaction((inner: any) => (inner.insert(f.people).values({ name: "inner", email: "i@x" }).returning().all(), fail()))).toThrow("roll back");
          tx.transaction((inner: any) => inner.insert(f.people).values({ name: "kept", email: "k@x" }).returning().all());
        });
      } else {
        await expect(db.transaction(async (tx: any) => (await tx.insert(f.people).values({ name: "gone", email: "g@x" }).returning(), fail()))).rejects.toThrow("roll back");
        await db.transaction(async (tx: any) => {
          await tx.insert(f.people).values({ name: "outer", email: "o@x" }).returning();
          await expect(tx.transaction(async (inner: any) => (await inner.insert(f.people).values({ name: "inner", email: "i@x" }).returning(), fail()))).rejects.toThrow("roll back");
          await tx.transaction(async (inner: any) => inner.insert(f.people).values({ name: "kept", email: "k@x" }).returning());
        });
      }
      expect((await f.entries()).map((e) => e.object!.name)).toEqual(["outer", "kept"]);
      expect((await f.h.db.select().from(f.people)).map((r: { name: string }) => r.name).sort()).toEqual(["kept", "outer"]);
    });

    it("inv 29: withoutTracking(fn) records nothing for fn and leaves concurrent work tracked", async () => {
      const db = f.track();
      let untracked: unknown;
      await Promise.all([
        db.withoutTracking(async (raw: any) => {
          untracked = raw;
          await raw.insert(f.people).values({ name: "hidden", email: "h@x" }).returning();
          await settle();
          await raw.update(f.people).set({ age: 1 });
        }),
        (async () => {
          await db.insert(f.people).values({ name: "seen", email: "s@x" }).returning();
        })(),
      ]);
      expect(isTrackedDb(untracked)).toBe(false);
      expect((await f.entries()).map((e) => [e.type, e.object?.name])).toEqual([["create", "seen"]]);
      await db.insert(f.people).values({ name: "after", email: "a@x" }).returning();
      expect((await f.entries()).map((e) => e.object?.name)).toEqual(["seen", "after"]);
    });

    it("inv 30: skipTables and unregistered tables are never recorded", async () => {
      const { posts, authors } = f.h.blog;
      const db = f.track({ skipTables: ["posts"] }, { people: { table: f.people, id: f.people.id }, posts: { table: posts, id: posts.id } });
      const [author] = await db.insert(authors).values({ name: "au" }).returning();
      const [post] = await db.insert(posts).values({ title: "p", authorId: author.id }).returning();
      await db.update(posts).set({ title: "q" }).where(eq(posts.id, post.id));
      await f.raw(db, "UPDATE posts SET views = 2");
      await f.raw(db, "UPDATE authors SET name = 'x'");
      await db.delete(posts).where(eq(posts.id, post.id));
      await db.insert(f.people).values({ name: "tracked", email: "t@x" }).returning();
      expect(await f.entries("posts")).toEqual([]);
      expect(await f.entries("authors")).toEqual([]);
      expect((await f.entries()).map((e) => e.object?.name)).toEqual(["tracked"]);
    });

    it("inv 32: wrapping a tracked db again returns it, and each write is recorded once", async () => {
      const db = f.track();
      expect(isTrackedDb(db)).toBe(true);
      expect(isTrackedDb(f.h.db)).toBe(false);
      const twice = trackMutations(db, { people: { table: f.people, id: f.people.id } }, { hub: f.hub });
      expect(twice).toBe(db);
      await twice.insert(f.people).values({ name: "once", email: "o@x" }).returning();
      expect(await f.entries()).toHaveLength(1);
    });

    it("inv 19: db.batch([...]) records one coarse entry per write statement, after it ran", async () => {
      const db = f.track();
      // db.batch exists on libsql and D1 only; elsewhere the tracked db has none either.
      if (typeof f.h.db.batch !== "function") return expect(db.batch).toBeUndefined();
      const [a] = await f.seed({ name: "a" });
      const reader = await f.subscribe(f.app());
      await db.batch([
        db.insert(f.people).values({ name: "b", email: "b@x" }).returning(),
        db.update(f.people).set({ name: "a2" }).where(eq(f.people.id, a!.id)),
        db.select().from(f.people),
        db.run(sql`DELETE FROM people WHERE name = 'b'`),
      ]);
      expect((await f.entries()).map((e) => [e.type, e.objectId, e.reason])).toEqual([
        ["create", "*", "raw-sql-mutation"],
        ["update", "*", "raw-sql-mutation"],
        ["delete", "*", "raw-sql-mutation"],
      ]);
      await reader.until(() => live(reader).length === 3);
      expect(live(reader).every((e) => e.type === "invalidate" && e.reason === "raw-sql-mutation")).toBe(true);
    });

    it("options: onMutation and onRawSqlMutation see committed changes; pushToSubscriptions false keeps them off the hub", async () => {
      const mutations: TrackedMutation[] = [];
      const rawSql: string[] = [];
      const db = f.track({ pushToSubscriptions: false, onMutation: (m) => void mutations.push(m), onRawSqlMutation: (m) => void rawSql.push(`${m.resource}:${m.type}:${m.sql}`) });
      const [a] = await db.insert(f.people).values({ name: "a", email: "a@x" }).returning();
      await f.raw(db, "UPDATE people SET age = 2");
      expect(await f.entries()).toEqual([]);
      expect(mutations.map((m) => [m.resource, m.type, m.objectId])).toEqual([["people", "create", String(a.id)], ["people", "update", "*"]]);
      expect(rawSql).toEqual(["people:update:UPDATE people SET age = 2"]);
    });

    it("options: capturePreviousState false names rows only through returning(); trackTransactions false leaves transactions untracked", async () => {
      const [a] = await f.seed({ name: "a" });
      const db = f.track({ capturePreviousState: false, trackTransactions: false });
      await db.update(f.people).set({ name: "a2" }).where(eq(f.people.id, a!.id));
      await db.update(f.people).set({ name: "a3" }).where(eq(f.people.id, a!.id)).returning();
      expect((await f.entries()).map((e) => [e.type, e.objectId, e.object?.name, e.previousObject])).toEqual([
        ["update", "*", undefined, undefined],
        ["update", String(a!.id), "a3", undefined],
      ]);
      if (!f.transactions) return;
      if (f.sync) db.transaction((tx: any) => tx.insert(f.people).values({ name: "t", email: "t@x" }).returning().all());
      else await db.transaction((tx: any) => tx.insert(f.people).values({ name: "t", email: "t@x" }).returning());
      expect(await f.entries()).toHaveLength(2);
    });
  });

  trackingResourcesSuite(getHarness);
}

/** D1: no interactive transactions; the tracked db passes the driver's refusal through. */
async function expectNoInteractiveTransactions(db: any) {
  await expect(Promise.resolve().then(() => db.transaction(async () => {}))).rejects.toThrow();
}

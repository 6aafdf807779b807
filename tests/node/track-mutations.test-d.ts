/**
 * Type tests for `trackMutations`: the tracked db keeps the Drizzle db's own types and adds
 * `withoutTracking`. Checked by `tsc --noEmit -p .` (expectTypeOf is a no-op at run time).
 */
import { describe, expectTypeOf, it } from "vitest";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { isTrackedDb, trackMutations, type TrackedDb } from "../../src/index.js";
import { sqlitePeople } from "../resources/schema.js";

declare const base: LibSQLDatabase;

describe("trackMutations types", () => {
  it("keeps the db's builder types and adds withoutTracking", () => {
    const db = trackMutations(base, { people: { table: sqlitePeople, id: sqlitePeople.id } });
    expectTypeOf(db).toEqualTypeOf<TrackedDb<LibSQLDatabase>>();
    const inserted = () => db.insert(sqlitePeople).values({ name: "a", email: "a@x" }).returning();
    expectTypeOf(inserted).returns.resolves.toEqualTypeOf<(typeof sqlitePeople.$inferSelect)[]>();
    expectTypeOf(db.withoutTracking((raw) => raw)).toEqualTypeOf<LibSQLDatabase>();
    const unknownDb: unknown = db;
    if (isTrackedDb(unknownDb)) expectTypeOf(unknownDb.withoutTracking).toBeFunction();
  });
});

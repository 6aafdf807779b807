import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as dpglite } from "drizzle-orm/pglite";
import { pgTable, integer, text, doublePrecision, boolean, timestamp } from "drizzle-orm/pg-core";
import { sql, Param } from "drizzle-orm";
const t = pgTable("scr_t", { id: integer("id").primaryKey(), n: integer("n"), s: text("s"), ts: timestamp("ts") });
const client = postgres("postgres://postgres@127.0.0.1:5432/test", { onnotice: () => {} });
const db = drizzle(client);
const pg = new PGlite(); const db2 = dpglite(pg);
for (const d of [db, db2] as any[]) {
  await d.execute(sql`drop table if exists scr_t`);
  await d.execute(sql`create table scr_t (id integer primary key, n integer, s text, ts timestamp)`);
  await d.insert(t).values([{ id: 1, n: 2, s: "a", ts: new Date(1000) }, { id: 2, n: 3, s: "B", ts: new Date(2500) }]);
  for (const [name, w] of [
    ["int 2.5", sql`${t.n} > ${new Param(2.5, t.n)}`],
    ["int big", sql`${t.n} < ${new Param(3000000000, t.n)}`],
    ["int cast", sql`${t.n} > CAST(${new Param(2.5, t.n)} AS double precision)`],
    ["collate", sql`${t.s} COLLATE "C" > ${new Param("a", t.s)}`],
    ["ts", sql`${t.ts} > ${new Param(new Date(1500), t.ts)}`],
    ["len", sql`char_length(${t.s}) = ${1}`],
    ["like", sql`${t.s} LIKE ${"%"} ESCAPE '\\'`],
  ] as const) {
    try { console.log(name, (await d.select({ id: t.id }).from(t).where(w)).map((r: any) => r.id)); } catch (e: any) { console.log(name, "ERR", e.message); }
  }
  await d.execute(sql`drop table scr_t`);
}
await client.end();

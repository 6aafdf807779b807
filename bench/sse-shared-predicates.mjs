// In-process half of the SSE fan-out benchmark: do subscribers with the same predicate share its
// evaluation? N subscribers of one app (memory hub, built package) spread over D distinct filters
// of the same shape; each POST is timed until every subscriber has its event, and a counting
// custom operator in the filter reports how many predicate evaluations one entry cost.
// Used by bench/sse-fanout.mjs; runs alone too: node bench/sse-shared-predicates.mjs <seeded.db>
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  role: text("role").default("user"),
  age: integer("age"),
  createdAt: integer("created_at"),
});

// The open-resource warning would repeat once per case.
process.env.COVARA_LOG_LEVEL ??= "error";

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * One case: `subscribers` streams over `distinct` filters. Returns the fan-out time per entry
 * (POST sent → last subscriber has the event) and the predicate evaluations per entry.
 */
async function measureCase(dbFile, subscribers, distinct, events) {
  const { createCovara, createMemoryHub } = await import("../dist/src/index.js");
  const { default: Database } = await import("better-sqlite3");
  const { drizzle } = await import("drizzle-orm/better-sqlite3");
  let evaluations = 0;
  // `age=counted=80` means age >= 80 (about 160 of the 10,000 rows), counting in-memory tests.
  const counted = {
    convert: (lhs, rhs) => sql`${lhs} >= ${Number(rhs)}`,
    execute: (lhs, rhs) => {
      evaluations++;
      return typeof lhs === "number" && lhs >= Number(rhs);
    },
  };
  const hub = createMemoryHub();
  const sqlite = new Database(dbFile, { readonly: false });
  const app = createCovara({ health: false, realtime: { hub, sse: { maxSubscriptionsPerIP: 100_000, maxTotalSubscriptions: 100_000 } } }).resource("/users", users, {
    id: users.id,
    db: drizzle(sqlite),
    customOperators: { "=counted=": counted },
  });

  const decoder = new TextDecoder();
  let marker = "";
  let waiting = 0;
  let done = () => {};
  const readers = [];
  let synced = 0;
  let allSynced;
  const syncedPromise = new Promise((resolve) => (allSynced = resolve));
  for (let i = 0; i < subscribers; i++) {
    const filter = `age=counted=80;name!="p${i % distinct}"`;
    const res = await app.request(`/api/users/subscribe?skipExisting=true&filter=${encodeURIComponent(filter)}`);
    if (res.status !== 200) throw new Error(`subscribe ${i}: HTTP ${res.status} ${await res.text()}`);
    const reader = res.body.getReader();
    readers.push(reader);
    let seen = "";
    let wasSynced = false;
    (async () => {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        const text = decoder.decode(value);
        if (!wasSynced && text.includes("event: synced")) {
          wasSynced = true;
          if (++synced === subscribers) allSynced();
        }
        if (marker !== "" && seen !== marker && text.includes(marker)) {
          seen = marker;
          if (--waiting === 0) done();
        }
      }
    })().catch(() => {});
  }
  await syncedPromise;

  const times = [];
  const perEntry = [];
  for (let e = 0; e < events; e++) {
    marker = `shared-${distinct}-${e}-${Date.now().toString(36)}`;
    waiting = subscribers;
    const all = new Promise((resolve) => (done = resolve));
    const before = evaluations;
    const t0 = performance.now();
    const res = await app.request("/api/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: marker, email: `${marker}@bench.local`, role: "user", age: 85 }),
    });
    if (res.status !== 201) throw new Error(`POST: HTTP ${res.status}`);
    await all;
    times.push(performance.now() - t0);
    perEntry.push(evaluations - before);
  }
  for (const reader of readers) await reader.cancel().catch(() => {});
  await hub.close();
  sqlite.close();
  return { subscribers, distinct, events, fanOutMs: { p50: median(times), max: Math.max(...times) }, evaluationsPerEntry: median(perEntry) };
}

/** Runs each case in `distincts` (e.g. [1, 1000]) with `subscribers` streams; prints a table. */
export async function measurePredicateSharing({ dbFile, subscribers = 1000, distincts = [1, 1000], events = 20 }) {
  const rows = [];
  // A throwaway round first: the first case would otherwise also pay for JIT warm-up.
  await measureCase(dbFile, Math.min(100, subscribers), 1, 5);
  for (const distinct of distincts) rows.push(await measureCase(dbFile, subscribers, distinct, events));
  console.log(`\nin-process: ${subscribers} subscribers of one app (memory hub), ${events} POSTs each; fan-out = POST sent -> last subscriber has the event`);
  console.log("distinct predicates   fan-out p50 ms   max ms   predicate evaluations per entry");
  for (const r of rows) {
    console.log(`${String(r.distinct).padStart(19)} ${r.fanOutMs.p50.toFixed(1).padStart(16)} ${r.fanOutMs.max.toFixed(1).padStart(8)} ${String(r.evaluationsPerEntry).padStart(34)}`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dbFile = process.argv[2];
  if (!dbFile) throw new Error("usage: node bench/sse-shared-predicates.mjs <seeded.db> [subscribers]");
  await measurePredicateSharing({ dbFile, subscribers: Number(process.argv[3] ?? 1000) });
}

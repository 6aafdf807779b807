/**
 * Shared setup of the mutation-tracking suites: a fresh in-memory hub per test, a subscriber app
 * over the same database and hub, and helpers that read the changelog and the SSE events.
 */
import { beforeEach, expect } from "vitest";
import { sql } from "drizzle-orm";
import { createCovara, trackMutations, type ResourceConfig, type TrackMutationsOptions } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { ChangeEntry, HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

/** What a tracking test works with; refreshed before each test. */
export interface TrackingFixture {
  h: DbHarness;
  hub: HubBackend;
  /** better-sqlite3: synchronous transactions and executors. */
  sync: boolean;
  /** Interactive transactions (not D1). */
  transactions: boolean;
  /** The `people` table of this dialect (typed loosely: both dialects run the same code). */
  people: any;
  /** `trackMutations(h.db, { people }, { hub, ...options })`. */
  track(options?: TrackMutationsOptions, tables?: Record<string, { table: any; id: any }>): any;
  /** Every retained changelog entry of a resource. */
  entries(resource?: string): Promise<ChangeEntry[]>;
  /** A `/people` app on the same database and hub (header sign-in: `x-user: <id>`). */
  app(config?: Partial<ResourceConfig>): ReturnType<typeof createCovara>;
  /** Opens `GET /api/people/subscribe<query>` and waits for `synced`. */
  subscribe(app: ReturnType<typeof createCovara>, query?: string): Promise<SseReader>;
  /** Rows of people inserted through the untracked db, returned. */
  seed(...rows: Record<string, unknown>[]): Promise<Record<string, any>[]>;
  /** A raw statement through `db.run` (SQLite) or `db.execute` (Postgres). */
  raw(db: any, text: string): Promise<unknown>;
}

/** Registers the per-test setup and returns the fixture it refreshes. */
export function trackingFixture(getHarness: () => DbHarness): TrackingFixture {
  const open: SseReader[] = [];
  const f = {} as TrackingFixture;
  beforeEach(async () => {
    const h = getHarness();
    await h.reset();
    const hub = createMemoryHub();
    Object.assign(f, {
      h,
      hub,
      sync: h.name === "better-sqlite3",
      transactions: h.name !== "d1",
      people: h.table,
      track: (options: TrackMutationsOptions = {}, tables = { people: { table: h.table, id: h.table.id } }) => trackMutations(h.db, tables, { hub, ...options }),
      entries: (resource = "people") => hub.since(resource, 0, 10_000),
      app: (config: Partial<ResourceConfig> = {}) =>
        createCovara({ realtime: { hub }, auth: { middleware: headerAuth() } }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config }),
      async subscribe(app: ReturnType<typeof createCovara>, query = "") {
        const res = await app.request(`/api/people/subscribe${query}`, { headers: { "x-user": "1" } });
        expect(res.status).toBe(200);
        const reader = readSse(res);
        open.push(reader);
        await reader.synced();
        return reader;
      },
      seed: (...rows: Record<string, unknown>[]) => h.db.insert(h.table).values(rows.map((row) => ({ email: "x@x", ...row }))).returning(),
      raw: (db: any, text: string) => (h.dialect === "sqlite" ? db.run(sql.raw(text)) : db.execute(sql.raw(text))),
    });
    return async () => {
      for (const reader of open.splice(0)) await reader.close();
    };
  });
  return f;
}

/** `[type, objectId, object?.name, previousObject?.name]` of each entry, for compact assertions. */
export const summary = (entries: ChangeEntry[]) => entries.map((e) => [e.type, e.objectId, e.object?.name, e.previousObject?.name]);

/** Lets pending microtasks and timers run (events are delivered asynchronously). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/** The live events a subscriber received so far (snapshot `existing` events left out). */
export const live = (reader: SseReader) => reader.events().filter((e) => e.type !== "existing");

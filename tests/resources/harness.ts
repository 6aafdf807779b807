/** What the resource suites need from a database: a Drizzle db over the test tables and a reset. */
import type { BlogTables, pgPeople, sqlitePeople } from "./schema.js";

export interface DbHarness {
  name: string;
  dialect: "sqlite" | "postgres";
  table: typeof sqlitePeople | typeof pgPeople;
  /** authors, profiles, posts, comments, tags, post_tags in this database's dialect. */
  blog: BlogTables;
  db: any;
  /** Empties every test table and restarts its ids. */
  reset(): Promise<void>;
  /** Whether `canary` still exists (injection attempts must not drop it). */
  canaryExists(): Promise<boolean>;
  /**
   * Counts the SQL statements the database runs while `fn` runs (for query-count assertions).
   * Every harness implements it by wrapping its driver.
   */
  countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }>;
}

/** A Drizzle `logger` that counts statements, and the `countQueries` built on it. */
export function queryCounter() {
  let queries = 0;
  return {
    logger: { logQuery: () => void queries++ },
    async countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
      const start = queries;
      const result = await fn();
      return { result, queries: queries - start };
    },
  };
}

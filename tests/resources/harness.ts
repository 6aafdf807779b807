/** What the resource suite needs from a database: a Drizzle db over the `people` table and a reset. */
import type { pgPeople, sqlitePeople } from "./schema.js";

export interface DbHarness {
  name: string;
  dialect: "sqlite" | "postgres";
  table: typeof sqlitePeople | typeof pgPeople;
  db: any;
  /** Empties `people` and restarts its ids. */
  reset(): Promise<void>;
  /** Whether `canary` still exists (injection attempts must not drop it). */
  canaryExists(): Promise<boolean>;
}

/** The example app: users and todos as live resources. Shared by the Node server and the Worker. */
import { createCovara, type RealtimeOptions } from "../src/index.js";
import { todos, users } from "./schema.js";

/**
 * Builds the example app over any Drizzle SQLite database (better-sqlite3 file on Node, D1 on
 * Workers); `realtime` picks the hub (in memory by default, the Durable Object on Workers).
 */
export function buildExampleApp(db: unknown, realtime?: RealtimeOptions) {
  return createCovara({ cors: true, realtime })
    .resource("/users", users, { id: users.id, db })
    .resource("/todos", todos, { id: todos.id, db });
}

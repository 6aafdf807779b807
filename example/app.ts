/** The example app: users and todos as live resources. Shared by the Node server and the Worker. */
import { createCovara } from "../src/index.js";
import { todos, users } from "./schema.js";

/** Builds the example app over any Drizzle SQLite database (better-sqlite3 file on Node, D1 on Workers). */
export function buildExampleApp(db: unknown) {
  return createCovara({ cors: true })
    .resource("/users", users, { id: users.id, db })
    .resource("/todos", todos, { id: todos.id, db });
}

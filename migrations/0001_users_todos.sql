-- Example app tables (example/schema.ts). Applied by `wrangler d1 migrations apply`
-- and, in the workerd test project, by tests/workerd/apply-migrations.ts.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT DEFAULT 'user',
  age INTEGER,
  created_at INTEGER
);

CREATE TABLE todos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  position INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER
);

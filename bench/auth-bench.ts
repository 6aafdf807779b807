/**
 * Cost of authentication on a scoped list: requests/s of `GET /api/people?limit=20` with a read
 * scope, signed in through a cookie session (memory store) and through a JWT bearer, beside the
 * same list on an app without auth. better-sqlite3 file database with 200 people; an
 * in-process `app.request` loop (no network), each measured for `--seconds` after a warm-up,
 * best of `--rounds` interleaved rounds. (That the scope function runs once per request, not
 * per row, is asserted in tests/auth/use-auth-readme.suite.ts, not here.)
 *
 *   npx tsx bench/auth-bench.ts [--seconds 1] [--rounds 3]
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCovara, type CovaraApp } from "../src/index.js";
import type { ResourceAuth } from "../src/resource/config.js";
import { cookieSession, InMemorySessionStore, jwtSession, rsql, useAuth, type AuthUser, type SessionStrategy } from "../src/auth/index.js";
import { SQLITE_DDL, sqlitePeople } from "../tests/resources/schema.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const seconds = option("--seconds", 1);
const rounds = option("--rounds", 3);

const dir = mkdtempSync(join(tmpdir(), "covara-auth-bench-"));
const sqlite = new Database(join(dir, "bench.db"));
sqlite.pragma("journal_mode = WAL");
for (const stmt of SQLITE_DDL) sqlite.exec(stmt);
const db = drizzle(sqlite);
await db.insert(sqlitePeople).values(Array.from({ length: 200 }, (_, i) => ({ name: `p${i}`, email: `p${i}@x.co`, role: i % 4 === 0 ? "admin" : "user" })));

const ada: AuthUser = { id: "u1", email: "ada@example.com", name: "Ada", metadata: { role: "user" } };
const getUserById = async (id: string) => (id === ada.id ? ada : null);
const validateCredentials = async (email: string, password: string) => (email === ada.email && password === "pw" ? ada : null);
const scoped: ResourceAuth = { read: (user) => rsql`role==${String((user.metadata as { role?: string } | undefined)?.role ?? "none")}` };

function appWith(session: SessionStrategy | null): CovaraApp {
  const base = session ? createCovara({ health: false, auth: useAuth({ session, login: { validateCredentials } }) }) : createCovara({ health: false });
  return base.resource("/people", sqlitePeople, { id: sqlitePeople.id, db, ...(session ? { auth: scoped } : {}) });
}

async function signIn(app: CovaraApp): Promise<Record<string, string>> {
  const res = await app.request("/api/auth/login", { method: "POST", body: JSON.stringify({ email: ada.email, password: "pw" }) });
  const body = (await res.json()) as { accessToken?: string; sessionId?: string };
  return body.accessToken ? { authorization: `Bearer ${body.accessToken}` } : { cookie: `session=${body.sessionId}` };
}

const cases: { name: string; app: CovaraApp; headers: Record<string, string> }[] = [];
const open = appWith(null);
cases.push({ name: "no auth", app: open, headers: {} });
const cookieApp = appWith(cookieSession({ getUserById, store: new InMemorySessionStore() }));
cases.push({ name: "cookie session + scope", app: cookieApp, headers: await signIn(cookieApp) });
const jwtApp = appWith(jwtSession({ getUserById, secret: "auth-bench-secret-0123456789-abcdefghijkl" }));
cases.push({ name: "JWT bearer + scope", app: jwtApp, headers: await signIn(jwtApp) });

const path = "/api/people?limit=20";
async function measure(app: CovaraApp, headers: Record<string, string>): Promise<number> {
  const check = await app.request(path, { headers });
  if (check.status !== 200) throw new Error(`${path} answered ${check.status}: ${await check.text()}`);
  for (const until = performance.now() + 300; performance.now() < until; ) await (await app.request(path, { headers })).text();
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    await (await app.request(path, { headers })).text();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const best = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  for (const { name, app, headers } of cases) best.set(name, Math.max(best.get(name) ?? 0, await measure(app, headers)));
}
const baseline = best.get("no auth")!;
console.log(`GET ${path} (better-sqlite3, 200 rows, in-process, best of ${rounds} × ${seconds}s)`);
for (const [name, rps] of best) console.log(`  ${name.padEnd(24)} ${rps.toFixed(0).padStart(7)} req/s  ${((rps / baseline) * 100).toFixed(0).padStart(4)}% of no auth`);
sqlite.close();
rmSync(dir, { recursive: true, force: true });

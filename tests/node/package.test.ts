/**
 * The published package works as the README shows: build, `npm pack`, install the tarball into a
 * fresh project (from npm's cache where it can, else the registry), and run the README's Node quick start against it.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("npm package", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "covara-pack-"));
    npm(["run", "build"], root);
    npm(["pack", "--pack-destination", dir], root);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    npm(["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`, "hono", "drizzle-orm", "zod", "@libsql/client", "react"], dir);
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ships only dist and the README, with typings for every entry point", () => {
    const pkg = JSON.parse(npm(["pkg", "get", "exports"], join(dir, "node_modules/covara")));
    for (const entry of [".", "./server", "./node", "./kv", "./kv/redis", "./node/redis", "./cloudflare", "./env", "./auth", "./client", "./client/react"]) {
      expect(pkg[entry].types).toMatch(/\.d\.ts$/);
      expect(pkg[entry].default).toMatch(/\.js$/);
    }
    const files = readdirSync(join(dir, "node_modules/covara"));
    expect(files.sort()).toEqual(["README.md", "dist", "package.json"].sort());
  });

  it("runs the README quick start from the installed package", async () => {
    writeFileSync(
      join(dir, "app.mjs"),
      `import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/libsql";
import { createClient } from "@libsql/client";
import { createCovara } from "covara";
import { startServer } from "covara/node";
import { createKV } from "covara/kv";
import { CovaraKVDurableObject } from "covara/cloudflare";
import { createEnv } from "covara/env";
const kv = await createKV({ type: "memory" });
await kv.set("greeting", "hello", { ttlMs: 60000 });
import { z } from "zod";
const env = createEnv({ PUBLIC_NAME: z.string().default("demo"), SECRET: z.string().default("hidden") });
const usersTable = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  role: text("role").default("user"),
});
const client = createClient({ url: "file:./data.db" });
await client.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user')");
const db = drizzle(client);
const app = createCovara({ cors: true }).resource("/users", usersTable, { id: usersTable.id, db });
const res = await app.request("/api/users", { method: "POST", body: JSON.stringify({ name: "Alice", email: "alice@example.com" }), headers: { "content-type": "application/json" } });
const server = await startServer(app, { port: 0, gracefulShutdown: false });
const list = await (await fetch("http://127.0.0.1:" + server.port + "/api/users")).json();
const { createClient: createCovaraClient } = await import("covara/client");
const viaClient = await createCovaraClient({ baseUrl: "http://127.0.0.1:" + server.port + "/api" }).resource("/users").list();
const hooks = await import("covara/client/react");
console.log(JSON.stringify({ status: res.status, list, viaClient, kv: await kv.get("greeting"), doClass: typeof CovaraKVDurableObject, env: env.getPublicEnvironmentVariables(), hooks: ["useLiveList", "useAuth", "useJWTAuth", "initJWTClient"].map((name) => typeof hooks[name]) }));
await server.close();
`,
    );
    const output = await new Promise<string>((resolveRun, reject) => {
      const child = spawn(process.execPath, ["app.mjs"], { cwd: dir });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("exit", (code) => (code === 0 ? resolveRun(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
    const result = JSON.parse(output.trim().split("\n").pop()!);
    expect(result.status).toBe(201);
    expect(result.list.items).toEqual([{ id: 1, name: "Alice", email: "alice@example.com", role: "user" }]);
    expect(result.viaClient).toEqual(result.list);
    expect(result.kv).toBe("hello");
    expect(result.doClass).toBe("function");
    expect(result.env).toEqual({ PUBLIC_NAME: "demo" });
    expect(result.hooks).toEqual(["function", "function", "function", "function"]);
  }, 60_000);
});

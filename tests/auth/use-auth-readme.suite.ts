/**
 * The product README's usage, verbatim, on every database (registered in the resource runners):
 * resources first, then `app.route("/api/auth", router)` and `app.use("*", middleware)`. A
 * resource without `auth` then needs a signed-in user; a scoped resource calls its scope function
 * once per request, however many rows it returns.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara } from "../../src/index.js";
import { cookieSession, InMemorySessionStore, jwtSession, rsql, useAuth } from "../../src/auth/index.js";
import type { DbHarness } from "../resources/harness.js";
import { client, directory, SECRET } from "./use-auth-fixtures.js";

/** README snippet and scope-per-request checks against one database. */
export function useAuthReadmeSuite(getHarness: () => DbHarness): void {
  describe("useAuth: the README snippet", () => {
    let h: DbHarness;
    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });

    it("resources mounted first, then router and middleware: anonymous writes are 401, signed-in ones succeed", async () => {
      const dir = directory();
      dir.add("ada@example.com", "pw", { name: "Ada" });
      const adapter = cookieSession({ getUserById: dir.getUserById, store: new InMemorySessionStore() });
      const validateCredentials = dir.validateCredentials;
      const createUser = async ({ email, password }: { email: string; password: string }) => dir.add(email, password);

      const app = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db });
      // --- README ---
      const { router, middleware } = useAuth({ session: adapter, login: { validateCredentials }, signup: { createUser } });
      app.route("/api/auth", router);
      app.use("*", middleware);
      // --------------

      const anonymous = await app.request("/api/people", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Eve", email: "eve@x.co" }) });
      expect(anonymous.status).toBe(401);
      expect((await app.request("/api/people")).status).toBe(401);
      const c = client(app);
      expect((await c.post("/login", { email: "ada@example.com", password: "pw" })).status).toBe(200);
      const created = await c.post("/api/people", { name: "Ada", email: "ada@x.co" }, { "content-type": "application/json" });
      expect(created.status).toBe(201);
      const list = await c.get("/api/people");
      expect(list.body.items.map((row: { name: string }) => row.name)).toEqual(["Ada"]);
      // Signed up users are signed in too.
      const other = client(app);
      expect((await other.post("/signup", { email: "bob@example.com", password: "pw2" })).status).toBe(200);
      expect((await other.get("/api/people")).status).toBe(200);
    });

    for (const transport of ["cookie", "jwt"] as const) {
      it(`runs the scope function once per request, not per row (${transport})`, async () => {
        const dir = directory();
        dir.add("ada@example.com", "pw", { metadata: { role: "user" } });
        let calls = 0;
        const session =
          transport === "cookie"
            ? cookieSession({ getUserById: dir.getUserById, store: new InMemorySessionStore() })
            : jwtSession({ getUserById: dir.getUserById, secret: SECRET });
        const app = createCovara({ auth: useAuth({ session, login: { validateCredentials: dir.validateCredentials } }) }).resource("/people", h.table, {
          id: h.table.id,
          db: h.db,
          auth: {
            read: () => {
              calls++;
              return rsql`role==${"user"}`;
            },
          },
        });
        await h.db.insert(h.table).values(Array.from({ length: 25 }, (_, i) => ({ name: `p${i}`, email: `p${i}@x.co`, role: i % 5 === 0 ? "admin" : "user" })));
        const c = Object.assign(client(app), { bearer: transport === "jwt" });
        await c.post("/login", { email: "ada@example.com", password: "pw" });
        const list = await c.get("/api/people?limit=100");
        expect(list.status).toBe(200);
        expect(list.body.items).toHaveLength(20);
        expect(calls).toBe(1);
        await c.get("/api/people?limit=100");
        expect(calls).toBe(2);
      });
    }
  });
}

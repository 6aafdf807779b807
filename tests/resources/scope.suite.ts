/** Authorization scopes and field masking on the generated routes, on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

const signIn = headerAuth();

const as = (user: string | null, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}), ...(init.headers as Record<string, string>) },
});

export function scopeSuite(getHarness: () => DbHarness) {
  describe("scopes and masking", () => {
    let h: DbHarness;
    let ids: Record<string, number>;
    const build = (config: Partial<ResourceConfig> = {}, withAuth = true) =>
      createCovara(withAuth ? { auth: { middleware: signIn } } : {}).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const owned = (): Partial<ResourceConfig> => ({
      auth: {
        read: (user) => rsql`role==${String(user.role)}`,
        create: (user) => rsql`role==${String(user.role)}`,
        update: (user) => rsql`role==${String(user.role)}`,
        delete: (user) => rsql`role==${String(user.role)}`,
      },
    });

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      const open = build({}, false);
      ids = {};
      for (const [name, role] of [["a1", "admin"], ["a2", "admin"], ["u1", "user"]]) {
        const res = await open.request("/api/people", { method: "POST", body: JSON.stringify({ name, email: `${name}@x`, role, age: 30 }), headers: { "content-type": "application/json" } });
        ids[name!] = (await res.json()).id;
      }
    });

    it("needs a signed-in user once an auth adapter is installed, unless public", async () => {
      const app = build();
      expect((await app.request("/api/people", as(null))).status).toBe(401);
      expect((await (await app.request("/api/people", as(null))).json()).code).toBe("UNAUTHORIZED");
      expect((await app.request("/api/people", as("1:user"))).status).toBe(200);
      const pub = build({ auth: { public: true } });
      expect((await pub.request("/api/people", as(null))).status).toBe(200);
      expect((await pub.request("/api/people", as(null, { method: "POST", body: JSON.stringify({ name: "z", email: "z" }) }))).status).toBe(401);
    });

    it("reads only rows in scope: list, count and get", async () => {
      const app = build(owned());
      const list = await (await app.request("/api/people", as("9:user"))).json();
      expect(list.items.map((r: { name: string }) => r.name)).toEqual(["u1"]);
      // A client filter can never widen the scope.
      const widened = await (await app.request(`/api/people?filter=${encodeURIComponent('role=="admin",role!="admin"')}`, as("9:user"))).json();
      expect(widened.items.map((r: { name: string }) => r.name)).toEqual(["u1"]);
      expect(await (await app.request("/api/people/count", as("9:user"))).json()).toEqual({ count: 1 });
      expect((await app.request(`/api/people/${ids.a1}`, as("9:user"))).status).toBe(404);
      expect((await app.request(`/api/people/${ids.u1}`, as("9:user"))).status).toBe(200);
    });

    it("refuses to create a row outside the create scope, writing nothing", async () => {
      const app = build(owned());
      const res = await app.request("/api/people", as("9:user", { method: "POST", body: JSON.stringify({ name: "x", email: "x", role: "admin" }) }));
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe("FORBIDDEN");
      // The column default ('user') counts as the stored value.
      expect((await app.request("/api/people", as("9:user", { method: "POST", body: JSON.stringify({ name: "y", email: "y" }) }))).status).toBe(201);
      expect(await (await build({}, false).request("/api/people/count")).json()).toEqual({ count: 4 });
    });

    it("refuses to move a row out of the update scope, and hides rows outside it", async () => {
      const app = build(owned());
      const moved = await app.request(`/api/people/${ids.u1}`, as("9:user", { method: "PATCH", body: JSON.stringify({ role: "admin" }) }));
      expect(moved.status).toBe(403);
      expect((await app.request(`/api/people/${ids.a1}`, as("9:user", { method: "PATCH", body: JSON.stringify({ age: 1 }) }))).status).toBe(404);
      expect((await app.request(`/api/people/${ids.a1}`, as("9:user", { method: "DELETE" }))).status).toBe(404);
      const rows = (await (await build({}, false).request("/api/people")).json()).items;
      expect(rows.map((r: { role: string; age: number }) => [r.role, r.age])).toEqual([["admin", 30], ["admin", 30], ["user", 30]]);
    });

    it("fails closed: a throwing scope denies, an empty scope denies, an invalid scope is a 500", async () => {
      const throwing = build({ auth: { read: () => { throw new Error("lookup failed"); }, create: () => "" } });
      expect((await (await throwing.request("/api/people", as("1:user"))).json()).items).toEqual([]);
      expect((await throwing.request("/api/people", as("1:user", { method: "POST", body: JSON.stringify({ name: "q", email: "q" }) }))).status).toBe(403);
      const invalid = build({ auth: { read: () => "role=broken" } });
      const res = await invalid.request("/api/people", as("1:user"));
      expect(res.status).toBe(500);
      expect((await res.json()).code).toBe("INTERNAL_ERROR");
    });

    it("masks non-readable columns everywhere and never lets a caller probe them", async () => {
      const app = build({ fields: { readable: [h.table.id, h.table.name, h.table.role] } }, false);
      const row = (await (await app.request(`/api/people/${ids.a1}`)).json()) as Record<string, unknown>;
      expect(Object.keys(row).sort()).toEqual(["id", "name", "role"]);
      const list = await (await app.request("/api/people?select=name,nosuch")).json();
      expect(list.items[0]).toEqual({ name: "a1" });
      // Naming a masked column in select is refused, as filter and orderBy on it are (spec 10 §10).
      const bySelect = await app.request("/api/people?select=name,email");
      expect(bySelect.status).toBe(400);
      expect((await bySelect.json()).code).toBe("VALIDATION_ERROR");
      const byHidden = await app.request(`/api/people?filter=${encodeURIComponent('email=="a1@x"')}`);
      const byMissing = await app.request(`/api/people?filter=${encodeURIComponent('nosuch=="a1@x"')}`);
      expect(byHidden.status).toBe(400);
      expect(byMissing.status).toBe(400);
      expect((await byHidden.json()).code).toBe((await byMissing.json()).code);
      expect((await app.request("/api/people?orderBy=email")).status).toBe(400);
      const created = await app.request("/api/people", as(null, { method: "POST", body: JSON.stringify({ name: "m", email: "m@x" }) }));
      expect(Object.keys(await created.json()).sort()).toEqual(["id", "name", "role"]);
    });

    it("drops non-writable fields and ignores a body id of any type on PATCH", async () => {
      const app = build({ fields: { writable: [h.table.name, h.table.email] } }, false);
      const created = await (await app.request("/api/people", as(null, { method: "POST", body: JSON.stringify({ name: "w", email: "w", role: "admin" }) }))).json();
      expect(created.role).toBe("user");
      const patched = await app.request(`/api/people/${created.id}`, as(null, { method: "PATCH", body: JSON.stringify({ id: "abc", role: "admin", name: "w2" }) }));
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ id: created.id, role: "user", name: "w2" });
    });

    it("adds computed fields to every response", async () => {
      const app = build({ computed: { label: (row) => `${row.name} <${row.email}>` } }, false);
      expect((await (await app.request(`/api/people/${ids.a1}?select=id`)).json())).toEqual({ id: ids.a1, label: "a1 <a1@x>" });
    });
  });
}

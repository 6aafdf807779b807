/** CRUD endpoints, status codes, bodies and bad input, run unchanged on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { createCovara } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

export function crudSuite(getHarness: () => DbHarness) {
  describe("CRUD endpoints", () => {
    let h: DbHarness;
    let app: ReturnType<typeof createCovara>;
    const count = async () => (await (await app.request("/api/people/count")).json()).count as number;
    const create = async (body: Record<string, unknown>) => {
      const res = await app.request("/api/people", { method: "POST", ...json(body) });
      expect(res.status).toBe(201);
      return res.json() as Promise<Record<string, any>>;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      app = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db });
    });

    it("creates a row: 201, stored values and defaults, problem-free headers", async () => {
      const res = await app.request("/api/people", { method: "POST", ...json({ name: "Ada", email: "ada@example.com", age: 36, createdAt: "2024-01-15T10:00:00.000Z" }) });
      expect(res.status).toBe(201);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const row = await res.json();
      expect(row).toMatchObject({ name: "Ada", email: "ada@example.com", role: "user", age: 36, active: true, score: null, createdAt: "2024-01-15T10:00:00.000Z" });
      expect(typeof row.id).toBe("number");
      const got = await app.request(`/api/people/${row.id}`);
      expect(got.status).toBe(200);
      expect(await got.json()).toEqual(row);
    });

    it("echoes x-covara-optimistic-id as _optimisticId", async () => {
      const res = await app.request("/api/people", { method: "POST", ...json({ name: "A", email: "a@x" }, { "x-covara-optimistic-id": "tmp-1" }) });
      expect((await res.json())._optimisticId).toBe("tmp-1");
    });

    it.each([
      ["invalid JSON", "{not json", "VALIDATION_ERROR"],
      ["a JSON array", "[1,2]", "VALIDATION_ERROR"],
      ["a missing required field", JSON.stringify({ email: "x@y" }), "VALIDATION_ERROR"],
      ["a wrong type", JSON.stringify({ name: "A", email: "a@x", age: "old" }), "VALIDATION_ERROR"],
      ["a fractional integer", JSON.stringify({ name: "A", email: "a@x", age: 1.5 }), "VALIDATION_ERROR"],
      ["a string for a boolean", JSON.stringify({ name: "A", email: "a@x", active: "yes" }), "VALIDATION_ERROR"],
      ["null for a NOT NULL column", JSON.stringify({ name: null, email: "a@x" }), "VALIDATION_ERROR"],
      ["an invalid date", JSON.stringify({ name: "A", email: "a@x", createdAt: "yesterday" }), "VALIDATION_ERROR"],
    ])("rejects %s with a 400 problem and writes nothing", async (_label, body, code) => {
      const res = await app.request("/api/people", { method: "POST", body, headers: { "content-type": "application/json" } });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json();
      expect(problem).toMatchObject({ type: "/__covara/problems/validation-error", status: 400, code });
      expect(await count()).toBe(0);
    });

    it("names each failing field", async () => {
      const res = await app.request("/api/people", { method: "POST", ...json({ age: "x" }) });
      const problem = await res.json();
      const fields = problem.errors.map((e: { field: string }) => e.field).sort();
      expect(fields).toEqual(["age", "email", "name"]);
    });

    it("ignores unknown body fields, and rejects them with strictInput", async () => {
      const res0 = await app.request("/api/people", { method: "POST", ...json('{"name":"A","email":"a@x","isAdmin":true,"__proto__":{"role":"admin"}}') });
      const row = await res0.json();
      expect(res0.status).toBe(201);
      expect(row).not.toHaveProperty("isAdmin");
      expect(row.role).toBe("user");
      const strict = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, strictInput: true });
      const res = await strict.request("/api/people", { method: "POST", ...json({ name: "B", email: "b@x", isAdmin: true }) });
      expect(res.status).toBe(400);
      expect((await res.json()).errors).toEqual([{ field: "isAdmin", message: "Unknown field" }]);
      expect(await count()).toBe(1);
    });

    it("answers 413 for a body over the limit, declared or streamed, and writes nothing", async () => {
      const small = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, bodyLimit: 1024 });
      const big = JSON.stringify({ name: "x".repeat(5000), email: "a@x" });
      const declared = await small.request("/api/people", { method: "POST", ...json(big) });
      expect(declared.status).toBe(413);
      expect((await declared.json()).code).toBe("PAYLOAD_TOO_LARGE");
      const stream = new ReadableStream({ start(ctrl) { ctrl.enqueue(new TextEncoder().encode(big)); ctrl.close(); } });
      const streamed = await small.fetch(new Request("http://localhost/api/people", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit));
      expect(streamed.status).toBe(413);
      expect(await count()).toBe(0);
    });

    it("gets a row and answers 404 problems for unknown or impossible ids", async () => {
      const row = await create({ name: "A", email: "a@x" });
      expect((await app.request(`/api/people/${row.id}`)).status).toBe(200);
      for (const id of [String(row.id + 1000), "abc", "1%20OR%201=1", "1;DROP TABLE people"]) {
        const res = await app.request(`/api/people/${id}`);
        expect(res.status).toBe(404);
        const problem = await res.json();
        expect(problem).toMatchObject({ type: "/__covara/problems/not-found", code: "NOT_FOUND", resource: "people" });
      }
      expect(await h.canaryExists()).toBe(true);
    });

    it("projects fields with select, ignoring unknown ones", async () => {
      const row = await create({ name: "A", email: "a@x", age: 3 });
      const res = await app.request(`/api/people/${row.id}?select=name,age,nope`);
      expect(await res.json()).toEqual({ name: "A", age: 3 });
    });

    it("patches only the given fields", async () => {
      const row = await create({ name: "A", email: "a@x", age: 3 });
      const res = await app.request(`/api/people/${row.id}`, { method: "PATCH", ...json({ age: 4 }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ...row, age: 4 });
    });

    it("rejects a bad patch and leaves the row unchanged", async () => {
      const row = await create({ name: "A", email: "a@x", age: 3 });
      for (const body of [{ age: "x" }, { name: null }, "{oops"]) {
        const res = await app.request(`/api/people/${row.id}`, { method: "PATCH", ...json(body) });
        expect(res.status).toBe(400);
      }
      expect(await (await app.request(`/api/people/${row.id}`)).json()).toEqual(row);
    });

    it("never moves a row through a body id", async () => {
      const row = await create({ name: "A", email: "a@x" });
      const res = await app.request(`/api/people/${row.id}`, { method: "PATCH", ...json({ id: 999, name: "B" }) });
      expect(await res.json()).toMatchObject({ id: row.id, name: "B" });
      expect((await app.request("/api/people/999")).status).toBe(404);
    });

    it("PATCH and PUT on a missing row are 404", async () => {
      expect((await app.request("/api/people/4242", { method: "PATCH", ...json({ age: 1 }) })).status).toBe(404);
      expect((await app.request("/api/people/4242", { method: "PUT", ...json({ name: "A", email: "b" }) })).status).toBe(404);
    });

    it("PUT validates a full payload and keeps omitted columns", async () => {
      const row = await create({ name: "A", email: "a@x", age: 3 });
      const missing = await app.request(`/api/people/${row.id}`, { method: "PUT", ...json({ name: "B" }) });
      expect(missing.status).toBe(400);
      const res = await app.request(`/api/people/${row.id}`, { method: "PUT", ...json({ name: "B", email: "b@x" }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ...row, name: "B", email: "b@x" });
    });

    it("deletes with 204 and an empty body; then 404", async () => {
      const row = await create({ name: "A", email: "a@x" });
      const res = await app.request(`/api/people/${row.id}`, { method: "DELETE" });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect((await app.request(`/api/people/${row.id}`)).status).toBe(404);
      expect((await app.request(`/api/people/${row.id}`, { method: "DELETE" })).status).toBe(404);
    });

    it("counts through the filter", async () => {
      await create({ name: "A", email: "a@x", role: "admin" });
      await create({ name: "B", email: "b@x" });
      expect(await count()).toBe(2);
      const res = await app.request(`/api/people/count?filter=${encodeURIComponent('role=="admin"')}`);
      expect(await res.json()).toEqual({ count: 1 });
    });

    it("answers unknown routes with a not-found problem", async () => {
      const res = await app.request("/api/nope/x", { method: "POST" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "NOT_FOUND", detail: "Route POST /api/nope/x not found" });
    });

    it("routes can be disabled with capabilities", async () => {
      const ro = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, capabilities: { enableCreate: false, enableDelete: false } });
      expect((await ro.request("/api/people", { method: "POST", ...json({ name: "A", email: "a" }) })).status).toBe(404);
      expect(await count()).toBe(0);
    });
  });
}

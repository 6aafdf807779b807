/**
 * The README's client snippets, verbatim, against a real server: the "Client Library" setup
 * (`getOrCreateClient` with `offline: true`, so writes are optimistic and sync in the background)
 * and the whole "Low-level API" block. Only `baseUrl` points at the test server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordExternalMutation } from "../../src/index.js";
import { getOrCreateClient } from "../../src/client/index.js";
import { eventually, openDb, serve, writeThroughApp, type TestDb, type TestServer } from "./fixture.js";

interface User {
  id: string;
  name: string;
  email: string;
  role?: string | null;
}

describe("README client snippets", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db });
    await writeThroughApp(server.app, "POST", "/api/users", { id: "123", name: "Alice", email: "alice@example.com", role: "admin" });
    await writeThroughApp(server.app, "POST", "/api/users", { id: "200", name: "Bob", email: "bob@example.com" });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });

  it("runs the Low-level API block as written", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const client = getOrCreateClient({
        baseUrl: `${server.origin}/api`,
        credentials: "include",
        offline: true, // optimistic updates + mutation queue + persistence
      });

      // --- README "Low-level API", verbatim ---
      const users = client.resource<User>("/users");
      // CRUD operations
      const allUsers = await users.list({ filter: 'role=="admin"', limit: 10 });
      const user = await users.get("123");
      const newUser = await users.create({ name: "Alice", email: "[email protected]" });
      await users.update("123", { name: "Alice Smith" });
      await users.delete("123");
      // Real-time subscriptions
      const subscription = users.subscribe(
        { filter: 'role=="admin"' },
        {
          onAdded: (user) => console.log("New admin:", user),
          onChanged: (user) => console.log("Updated:", user),
          onRemoved: (id) => console.log("Removed:", id),
          onInvalidate: () => console.log("Out-of-band change, refetching"),
          onConnected: (seq) => console.log("Live from sequence", seq),
          onError: (err) => console.error(err),
        }
      );
      // --- end of snippet ---

      expect(allUsers.items).toEqual([{ id: "123", name: "Alice", email: "alice@example.com", role: "admin" }]);
      expect(user).toEqual(allUsers.items[0]);
      // With `offline: true` the write resolves at once with an optimistic row, then syncs.
      expect(newUser).toEqual({ id: expect.stringMatching(/^optimistic_/), name: "Alice", email: "[email protected]" });
      await client.offline!.syncPendingMutations();
      expect(client.getPendingCount()).toBe(0);
      const serverId = client.offline!.resolveId(newUser.id);
      expect(serverId).not.toBe(newUser.id);
      expect((await users.list()).items.map((u) => u.id).sort()).toEqual(["200", serverId].sort());

      // The background sync of the update and delete of 123 may land after the stream is live:
      // those two events belong to the snippet's own writes, not to the changes made below.
      const own = (call: unknown[]) => (call[0] === "Updated:" && (call[1] as User).id === "123") || (call[0] === "Removed:" && call[1] === "123");
      const calls = () => log.mock.calls.filter((call) => !own(call));
      await eventually(() => calls().some(([first]) => first === "Live from sequence"));
      await writeThroughApp(server.app, "POST", "/api/users", { id: "300", name: "Carol", email: "carol@example.com", role: "admin" });
      await writeThroughApp(server.app, "PATCH", "/api/users/300", { name: "Carol B." });
      await writeThroughApp(server.app, "PATCH", "/api/users/300", { role: "user" });
      await recordExternalMutation("users", "update", { hub: server.hub });
      await eventually(() => calls().length >= 6);
      subscription.unsubscribe();
      expect(calls().map((call) => call[0])).toEqual([
        "Live from sequence",
        "New admin:",
        "Updated:",
        "Removed:",
        "Out-of-band change, refetching",
        "Live from sequence",
      ]);
      expect(calls()[1]![1]).toMatchObject({ id: "300", role: "admin" });
      expect(calls()[3]![1]).toBe("300");
      expect(error).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

/**
 * Conflicts against real 412s and 409s (spec 80 §6.2, contract O9): `notes` has optimistic
 * locking (`etag: { versionField: "version" }`) and a unique slug. The client creates a note
 * through the queue (learning its ETag), another party edits it, and the client's queued edit
 * meets the new version. Each strategy and `onConflict` decide as the spec says.
 */
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, type TransportError } from "../../src/client/index.js";
import { enableOffline, mergeConflict, type OfflineConfig, type OfflineEvent, type OfflineManager } from "../../src/client/offline/index.js";
import { eventually, writeThroughApp } from "./fixture.js";
import { serveOffline, type Note, type OfflineServer } from "./offline-fixture.js";

describe("offline conflicts", () => {
  let srv: OfflineServer;
  let offline: OfflineManager;
  let events: OfflineEvent[];

  /** Empties the tables (ids restart at 1). */
  const resetNotes = () => {
    srv.db.db.run(sql`DELETE FROM notes`);
    srv.db.reset();
  };
  const stored = async (id = 1) => (await (await writeThroughApp(srv.server.app, "GET", `/api/notes/${id}`)).json()) as Note;
  /** A note created through the queue, then changed on the server by someone else; the client is offline. */
  const setup = async (config: Partial<OfflineConfig>, theirs: Partial<Note> = { title: "theirs" }) => {
    const client = createClient({ baseUrl: srv.origin });
    offline = enableOffline(client, { enabled: true, retryDelay: 20, ...config });
    events = [];
    offline.subscribe((event) => events.push(event));
    const notes = client.resource<Note>("/api/notes");
    const created = await notes.create({ slug: "s1", title: "original", body: "body" });
    await eventually(() => offline.getPendingCount() === 0);
    const base = await stored();
    expect(base.version).toBe(1);
    const res = await writeThroughApp(srv.server.app, "PATCH", "/api/notes/1", theirs);
    expect(res.status).toBe(200);
    offline.setOnlineStatus(false);
    return { notes, created, base };
  };
  const reconnect = async () => {
    srv.log.length = 0;
    offline.setOnlineStatus(true);
    await eventually(() => offline.getPendingCount() === 0, 5000, "the queue to settle");
  };

  beforeAll(async () => {
    srv = await serveOffline();
  });
  afterAll(() => srv.close());
  beforeEach(() => resetNotes());
  afterEach(() => offline?.destroy());

  it("sends If-Match with the ETag its own create returned", async () => {
    const { notes, created } = await setup({}, { body: "x" });
    // The optimistic id still works: it is mapped before sending.
    await notes.update(created.id, { title: "mine" });
    await reconnect();
    expect(srv.log.map((r) => [r.method, r.path, r.ifMatch, r.status])).toEqual([["PATCH", "/api/notes/1", '"1"', 412]]);
  });

  it("server-wins drops the queued edit", async () => {
    const { notes } = await setup({ conflictResolution: "server-wins" });
    await notes.update(1, { title: "mine" });
    await reconnect();
    expect(await stored()).toMatchObject({ title: "theirs", version: 2 });
    expect(events.find((e) => e.type === "dropped")).toMatchObject({ reason: "conflict", mutation: { type: "update", objectId: "1" } });
  });

  it("manual without onConflict drops it too", async () => {
    const { notes } = await setup({ conflictResolution: "manual" });
    await notes.update(1, { title: "mine" });
    await reconnect();
    expect(await stored()).toMatchObject({ title: "theirs", version: 2 });
  });

  it("client-wins sends it again against the current version", async () => {
    const { notes } = await setup({ conflictResolution: "client-wins" });
    await notes.update(1, { title: "mine" });
    await reconnect();
    expect(srv.log.filter((r) => r.method === "PATCH").map((r) => [r.ifMatch, r.status])).toEqual([['"1"', 412], ['"2"', 200]]);
    expect(srv.log[0]!.idempotencyKey).not.toBe(srv.log.at(-1)!.idempotencyKey);
    expect(await stored()).toMatchObject({ title: "mine", body: "body", version: 3 });
  });

  it("merge keeps the client's fields the server did not touch and the server's where both changed", async () => {
    const { notes, base } = await setup({ conflictResolution: "merge" }, { body: "their body", title: "their title" });
    await notes.update(1, { slug: "mine", title: "my title" }, { baseState: base });
    await reconnect();
    const retry = srv.log.filter((r) => r.method === "PATCH").at(-1)!;
    // Only the mutation's own keys go out: slug (client only) and title (the server's value).
    expect(retry.body).toEqual({ slug: "mine", title: "their title" });
    expect(await stored()).toMatchObject({ slug: "mine", title: "their title", body: "their body", version: 3 });
  });

  it("merge without a base counts every field of the edit as the client's", async () => {
    const { notes } = await setup({ conflictResolution: "merge" }, { body: "their body", title: "their title" });
    await notes.update(1, { title: "my title" });
    await reconnect();
    expect(await stored()).toMatchObject({ title: "my title", body: "their body" });
  });

  it("onConflict decides over the strategy, with the server's row and the error", async () => {
    const onConflict = vi.fn(() => ({ data: { title: "resolved" } }));
    const { notes } = await setup({ conflictResolution: "server-wins", onConflict });
    await notes.update(1, { title: "mine" });
    await reconnect();
    expect(onConflict).toHaveBeenCalledTimes(1);
    const [mutation, serverState, error] = onConflict.mock.calls[0] as unknown as [{ data: unknown }, Note, TransportError];
    expect(mutation.data).toEqual({ title: "mine" });
    expect(serverState).toMatchObject({ id: 1, title: "theirs", version: 2 });
    expect(error.status).toBe(412);
    expect(await stored()).toMatchObject({ title: "resolved", version: 3 });
  });

  it("onConflict may discard, or retry unchanged", async () => {
    const discard = await setup({ onConflict: () => "discard", conflictResolution: "client-wins" });
    await discard.notes.update(1, { title: "mine" });
    await reconnect();
    expect(await stored()).toMatchObject({ title: "theirs" });
    offline.destroy();
    resetNotes();

    const retry = await setup({ onConflict: () => "retry" });
    await retry.notes.update(1, { title: "mine" });
    await reconnect();
    expect(await stored()).toMatchObject({ title: "mine" });
  });

  it("a 409 on create (unique slug) is a conflict: dropped by default, renamed by onConflict", async () => {
    const client = createClient({ baseUrl: srv.origin });
    await writeThroughApp(srv.server.app, "POST", "/api/notes", { slug: "taken", title: "first" });
    offline = enableOffline(client, { enabled: true });
    const notes = client.resource<Note>("/api/notes");
    await notes.create({ slug: "taken", title: "second" });
    await eventually(() => offline.getPendingCount() === 0);
    expect(srv.log.at(-1)!.status).toBe(409);
    offline.destroy();

    const remapped = vi.fn();
    offline = enableOffline(client, {
      enabled: true,
      onIdRemapped: remapped,
      onConflict: (mutation) => ({ data: { ...(mutation.data as object), slug: "taken-2" }, retryWith: "create" }),
    });
    const second = await notes.create({ slug: "taken", title: "second" });
    await eventually(() => offline.getPendingCount() === 0);
    const all = (await (await writeThroughApp(srv.server.app, "GET", "/api/notes?orderBy=id")).json()) as { items: Note[] };
    expect(all.items.map((n) => n.slug)).toEqual(["taken", "taken-2"]);
    expect(remapped).toHaveBeenCalledWith(second.id, String(all.items[1]!.id));
  });

  it("mergeConflict merges per field", () => {
    const base = { title: "a", body: "b", done: false, tags: ["x"] };
    expect(mergeConflict(base, { title: "client" }, { ...base, body: "server" })).toEqual({ title: "client", body: "server", done: false, tags: ["x"] });
    expect(mergeConflict(base, { title: "client" }, { ...base, title: "server" })).toEqual({ ...base, title: "server" });
    expect(mergeConflict(base, { title: "a", done: true }, { ...base, title: "server" })).toEqual({ ...base, title: "server", done: true });
    expect(mergeConflict(base, { tags: ["x"] }, { ...base, tags: ["y"] })).toEqual({ ...base, tags: ["y"] });
    expect(mergeConflict(undefined, { title: "client" }, { ...base, title: "server" })).toEqual({ ...base, title: "client" });
  });
});

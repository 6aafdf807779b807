/**
 * Correctness under churn (issue #5): writers create, update and delete while subscribers with
 * different users and filters connect, drop and resume at random. At the end every subscriber's
 * view equals a fresh scoped, filtered GET; no connection saw an event twice or out of order;
 * no event revealed a row outside the subscriber's scope. Bounded: a fixed number of writes.
 * Runs on any hub (memory, Redis, Durable Object) and any database.
 */
import { describe, expect, it } from "vitest";
import { createCovara, rsql } from "../../src/index.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic pseudo-random sequence (mulberry32), so a failure replays the same run. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Viewer {
  user: string;
  role: string;
  filter: string;
  view: Map<string, Record<string, any>>;
  position: string | undefined;
  reader: SseReader | undefined;
  /** Frames of the current connection already applied. */
  applied: number;
  synced: boolean;
  violations: string[];
  /** Writes left before a dropped viewer reconnects. */
  offline: number;
}

/** Registers the churn test for one hub backend. */
export function churnSuite(name: string, getHarness: () => DbHarness, makeHub: () => Promise<{ hub: HubBackend; close(): Promise<void> }>, options: { writes?: number; seed?: number } = {}) {
  describe(`churn (${name})`, () => {
    it("every subscriber ends with the view a fresh GET gives, in order, without duplicates or leaks", { timeout: 60_000 }, async () => {
      const h = getHarness();
      await h.reset();
      const { hub, close } = await makeHub();
      const rand = random(options.seed ?? 7);
      const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
      const app = createCovara({ realtime: { hub, sse: { heartbeatMs: 0 } }, auth: { middleware: headerAuth() } }).resource("/people", h.table, {
        id: h.table.id,
        db: h.db,
        auth: { scope: (user) => rsql`role==${String(user.role)}` },
      });
      const writer = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const roles = ["staff", "admin"];
      const viewers: Viewer[] = [
        ["1:staff", ""],
        ["2:staff", "age=gt=40"],
        ["3:admin", ""],
        ["4:admin", "name=like=\"a*\""],
        ["5:staff", "age=le=40"],
        ["6:admin", "age=gt=20;name=like=\"*b*\""],
      ].map(([user, filter]) => ({ user: user!, role: user!.split(":")[1]!, filter: filter!, view: new Map(), position: undefined, reader: undefined, applied: 0, synced: false, violations: [], offline: 0 }));

      const connect = async (v: Viewer) => {
        const query = v.filter ? `?filter=${encodeURIComponent(v.filter)}` : "";
        const headers: Record<string, string> = { "x-user": v.user };
        if (v.position !== undefined) headers["last-event-id"] = v.position;
        else v.view.clear();
        const res = await app.request(`/api/people/subscribe${query}`, { headers });
        if (res.status !== 200) throw new Error(`subscribe ${res.status}: ${await res.text()}`);
        v.reader = readSse(res);
        v.applied = 0;
        v.synced = false;
      };
      /** Applies new frames of the current connection to the view (client contract, spec 20 §4–§5). */
      const apply = (v: Viewer) => {
        const frames = v.reader!.frames;
        let lastSeq = 0;
        let lastId = -1;
        for (const f of frames.slice(0, v.applied)) {
          if (f.data?.seq !== undefined && f.event === undefined) lastSeq = f.data.seq;
          if (f.id !== undefined) lastId = Number(f.id);
        }
        for (; v.applied < frames.length; v.applied++) {
          const f = frames[v.applied]!;
          if (f.id !== undefined) {
            if (Number(f.id) < lastId) v.violations.push(`id went back: ${lastId} → ${f.id}`);
            lastId = Number(f.id);
          }
          if (f.event === "synced") {
            v.synced = true;
            v.position = f.id;
            continue;
          }
          if (f.event !== undefined || f.data === undefined) continue;
          const e = f.data;
          if (e.seq !== undefined && e.seq !== lastSeq + 1) v.violations.push(`seq ${lastSeq} → ${e.seq}`);
          if (e.seq !== undefined) lastSeq = e.seq;
          if (e.type === "invalidate") {
            v.view.clear();
            v.position = undefined;
            continue;
          }
          if (e.type === "removed") v.view.delete(e.objectId);
          else {
            if (e.object.role !== v.role) v.violations.push(`leak: ${v.user} saw ${JSON.stringify(e.object)}`);
            v.view.set(String(e.object.id), e.object);
          }
          if (f.id !== undefined && v.synced) v.position = f.id;
        }
      };
      const drop = async (v: Viewer) => {
        apply(v);
        await v.reader!.close();
        // A fresh connection cut before `synced` restarts fresh.
        if (!v.synced) v.position = undefined;
      };

      for (const v of viewers) await connect(v);
      const ids: number[] = [];
      const writes = options.writes ?? 150;
      for (let i = 0; i < writes; i++) {
        const roll = rand();
        if (roll < 0.45 || ids.length < 3) {
          const res = await writer.request("/api/people", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: pick(["ann", "bob", "abe", "cab", "zed"]), email: "e", role: pick(roles), age: Math.floor(rand() * 80) }) });
          ids.push((await res.json()).id);
        } else if (roll < 0.85) {
          const id = pick(ids);
          await writer.request(`/api/people/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(rand() < 0.5 ? { age: Math.floor(rand() * 80) } : { role: pick(roles), name: pick(["ann", "bob", "abe"]) }) });
        } else {
          const id = ids.splice(Math.floor(rand() * ids.length), 1)[0]!;
          await writer.request(`/api/people/${id}`, { method: "DELETE" });
        }
        // Dropped viewers stay away for a few writes, so resuming has something to replay.
        for (const v of viewers) if (v.offline > 0 && --v.offline === 0) await connect(v);
        if (rand() < 0.12) {
          const v = pick(viewers.filter((x) => x.offline === 0));
          await drop(v);
          v.offline = 1 + Math.floor(rand() * 8);
        }
        if (i % 10 === 0) for (const v of viewers) if (v.offline === 0) apply(v);
      }
      for (const v of viewers) {
        if (v.offline === 0) continue;
        v.offline = 0;
        await connect(v);
      }

      // Quiescence: every viewer is synced and has seen the head.
      const head = (await hub.window("people")).head;
      for (const v of viewers) {
        await v.reader!.until(() => {
          apply(v);
          return v.synced;
        });
      }
      await sleep(100);
      for (const v of viewers) {
        apply(v);
        const query = v.filter ? `&filter=${encodeURIComponent(v.filter)}` : "";
        const res = await app.request(`/api/people?limit=1000${query}`, { headers: { "x-user": v.user } });
        const expected = new Map<string, unknown>(((await res.json()).items as Record<string, any>[]).map((row) => [String(row.id), row]));
        expect(v.violations, v.user).toEqual([]);
        expect(Object.fromEntries(v.view), `${v.user} ${v.filter} (head ${head})`).toEqual(Object.fromEntries(expected));
        await v.reader!.close();
      }
      await close();
    });
  });
}

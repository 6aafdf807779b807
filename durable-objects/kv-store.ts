/**
 * `KvStoreObject` (bound as `CovaraKVDurableObject`): one shard of the Durable Object KV. A thin
 * shell over `SqlKvEngine` on the object's SQLite storage: `fetch` decodes one JSON operation and
 * runs it synchronously (so it is atomic in the single-threaded object), `alarm` sweeps expired
 * rows. Requests for `HUB_ORIGIN` go to the hub handler instead, so an app that binds only
 * `COVARA_KV` gets its per-resource hubs as instances `hub:<resource>` of this class (spec 20 §0).
 * No `cloudflare:workers` import: a plain class with `constructor(ctx, env)` and `fetch()` is a
 * valid Durable Object, and this module stays importable from Node.
 * @module
 */
import { KvError } from "../src/ports/kv-store.js";
import { SqlKvEngine, type KvRequest, type KvSql } from "../src/kv/sql-engine.js";
import { ChangelogHubHandler, type HubObjectState, type HubSocket } from "./changelog-hub.js";

/** The part of `DurableObjectState` the object uses (structural: no Cloudflare types needed). */
export interface KvObjectState extends HubObjectState {
  storage: {
    sql: KvSql;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
  };
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/**
 * How long after the first expiry a sweep runs. Expired rows are already invisible (lazy expiry);
 * the alarm only reclaims storage, so it batches a minute of expiries into one wake-up instead of
 * waking the object for every short-lived rate-limit window.
 */
export const KV_SWEEP_DELAY_MS = 60_000;
/** Rows one alarm deletes at most before it yields and re-arms. */
const SWEEP_MAX_ROWS = 10_000;

/** Reply of the object: `{ ok: true, value }` or, for a `KvError`, `{ ok: false, code, message }` with status 400. */
export type KvObjectReply = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/**
 * One KV shard. Bind it in wrangler.toml and re-export it from the Worker entry:
 * @example
 * ```ts
 * // src/index.ts
 * export { CovaraKVDurableObject } from "covara/cloudflare";
 * ```
 * ```toml
 * [durable_objects]
 * bindings = [{ name = "COVARA_KV", class_name = "CovaraKVDurableObject" }]
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["CovaraKVDurableObject"]
 * ```
 */
export class KvStoreObject {
  private readonly engine: SqlKvEngine;
  /** Serves the instances that are hubs; creates its tables only when first used. */
  private readonly hub: ChangelogHubHandler;
  /** The alarm currently set (epoch ms) or null; read once at start-up, then kept in step. */
  private alarmAt: number | null = null;

  constructor(
    private readonly ctx: KvObjectState,
    env?: unknown,
  ) {
    this.engine = new SqlKvEngine(ctx.storage.sql);
    // `env`: a sharded hub's objects find their own namespace among the bindings.
    this.hub = new ChangelogHubHandler(ctx, env);
    // Known before the first request, so scheduling decisions below are synchronous (no races).
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Runs one operation: POST with a JSON `KvRequest` body, or a hub request (`HUB_ORIGIN`). */
  async fetch(request: Request): Promise<Response> {
    if (ChangelogHubHandler.matches(request)) return this.hub.fetch(request);
    let body: KvRequest;
    try {
      body = (await request.json()) as KvRequest;
    } catch {
      return reply({ ok: false, code: "INVALID_ARGUMENT", message: "body must be a JSON KV request" }, 400);
    }
    let value: unknown;
    try {
      value = this.engine.run(body);
    } catch (err) {
      if (err instanceof KvError) return reply({ ok: false, code: err.code, message: err.message }, 400);
      throw err;
    }
    await this.scheduleSweep(this.engine.takeEarliestExpiry());
    return reply({ ok: true, value }, 200);
  }

  /** Deletes expired rows and sets the next alarm, if anything still expires. */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    const { removed, nextExpiry } = this.engine.sweep(SWEEP_MAX_ROWS);
    // A full batch means more may be waiting: come back right away rather than after the delay.
    if (removed >= SWEEP_MAX_ROWS) await this.setAlarm(Date.now());
    else if (nextExpiry !== null) await this.scheduleSweep(nextExpiry);
  }

  /** Hibernation event of a hub subscriber socket (see `ChangelogHub`). */
  webSocketMessage(ws: HubSocket, message: string | ArrayBuffer): void {
    this.hub.webSocketMessage(ws, message);
  }

  /** Hibernation event: a hub subscriber closed its socket. */
  webSocketClose(ws: HubSocket, code: number, reason: string, wasClean: boolean): void {
    this.hub.webSocketClose(ws, code, reason, wasClean);
  }

  /** Hibernation event: a hub subscriber socket failed. */
  webSocketError(ws: HubSocket, error: unknown): void {
    this.hub.webSocketError(ws, error);
  }

  private async scheduleSweep(expiry: number | null): Promise<void> {
    if (expiry === null) return;
    await this.setAlarm(expiry + KV_SWEEP_DELAY_MS);
  }

  private async setAlarm(at: number): Promise<void> {
    // Decided and recorded synchronously: concurrent requests only ever move the alarm earlier,
    // and storage applies the setAlarm calls in order, so the last one set is the earliest.
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

function reply(body: KvObjectReply, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

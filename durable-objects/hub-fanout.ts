/**
 * Sharding a hot resource's hub by subscriber (DESIGN.md "Realtime in more detail"). The primary
 * object `hub:<resource>` stays the one writer; subscriber sockets live on fan-out objects
 * `hub:<resource>#<i>`. `FanOutSender` is the primary's side: it remembers which shards asked
 * for a window (only those may hold sockets) and forwards every append to them, one request at a
 * time per shard so each shard sees seq order. `FanOutShard` is a shard's side: it broadcasts
 * forwards in seq order, never twice and never with a silent hole. No `cloudflare:workers` import.
 * @module
 */
import { log } from "../src/log/logger.js";
import type { ChangeEntry, ChangelogRetention, ChangelogWindow } from "../src/realtime/types.js";
import type { HubObjectState } from "./changelog-hub.js";
import type { HubSql } from "../src/realtime/hub-sql.js";
import { BadRequest, broadcast, closeSocket, deliverySockets } from "./hub-sockets.js";
import { primaryName, shardName, type HubPeers } from "./hub-peers.js";

const SHARDS = "covara_hub_shards";
const POSITIONS = "covara_hub_fanout";
/**
 * Entries queued per shard while a forward is in flight. Older ones are dropped beyond it: the
 * shard reads them back from the primary through the gap rule, so memory stays bounded when a
 * shard is slow or unreachable.
 */
const MAX_QUEUED = 1000;
/** Entries a shard reads from the primary per `since` while it closes a gap. */
const GAP_PAGE = 500;

/** The primary's side: which shards to forward to, and the per-shard forward queues. */
export class FanOutSender {
  /** Registered shards per resource, loaded from storage on first use. */
  readonly #shards = new Map<string, Set<number>>();
  readonly #queues = new Map<string, { entries: ChangeEntry[]; running: boolean }>();
  #table: boolean | undefined;

  constructor(
    private readonly ctx: HubObjectState,
    private readonly sql: HubSql,
    private readonly peers: HubPeers,
  ) {}

  /**
   * Records that `shard` may hold sockets of `resource`. Called in the same synchronous step
   * that reads the window the shard hands its new socket, so every later entry is forwarded.
   */
  register(resource: string, shard: number): void {
    const shards = this.registered(resource);
    if (shards.has(shard)) return;
    if (!this.#table) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS ${SHARDS} (resource TEXT NOT NULL, shard INTEGER NOT NULL, PRIMARY KEY (resource, shard)) WITHOUT ROWID`);
      this.#table = true;
    }
    this.sql.exec(`INSERT OR IGNORE INTO ${SHARDS} (resource, shard) VALUES (?, ?)`, resource, shard);
    shards.add(shard);
  }

  /**
   * Queues appended entries for every registered shard and starts a forward where none is in
   * flight. Never throws and never delays the append: the writer has committed.
   */
  forward(resource: string, entries: ChangeEntry[]): void {
    for (const shard of this.registered(resource)) {
      const key = shardName(resource, shard);
      let queue = this.#queues.get(key);
      if (!queue) this.#queues.set(key, (queue = { entries: [], running: false }));
      queue.entries.push(...entries);
      if (queue.entries.length > MAX_QUEUED) queue.entries.splice(0, queue.entries.length - MAX_QUEUED);
      if (!queue.running) {
        queue.running = true;
        const pumping = this.pump(resource, shard, queue);
        this.ctx.waitUntil?.(pumping);
      }
    }
  }

  /** Sends the queue's entries, a batch per request, until it is empty. Never rejects. */
  private async pump(resource: string, shard: number, queue: { entries: ChangeEntry[]; running: boolean }): Promise<void> {
    try {
      while (queue.entries.length > 0) {
        const entries = queue.entries;
        queue.entries = [];
        try {
          await this.peers.call(primaryName(resource), shardName(resource, shard), { op: "forward", resource, shard, entries });
        } catch (error) {
          // The shard reads what it missed from the primary when the next forward reaches it.
          log("error", "Hub forward to a fan-out shard failed", { resource, shard, firstSeq: entries[0]?.seq, lastSeq: entries.at(-1)?.seq, error: String(error) });
        }
      }
    } finally {
      queue.running = false;
    }
  }

  private registered(resource: string): Set<number> {
    let shards = this.#shards.get(resource);
    if (shards) return shards;
    // Unsharded hubs never create the table: look before reading.
    this.#table ??= this.sql.exec(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, SHARDS).toArray().length > 0;
    const rows = this.#table ? this.sql.exec(`SELECT shard FROM ${SHARDS} WHERE resource = ?`, resource).toArray() : [];
    shards = new Set(rows.map((row) => Number(row.shard)));
    this.#shards.set(resource, shards);
    return shards;
  }
}

/** What a forward request carries to a shard. */
export interface ForwardRequest {
  resource: string;
  shard: number;
  entries: ChangeEntry[];
}

/**
 * A fan-out shard's side. Forwards and connects of one resource run one at a time (they await
 * the primary, and other requests interleave while an object awaits), around a position kept
 * in storage: the last seq broadcast, which survives eviction.
 */
export class FanOutShard {
  readonly #chains = new Map<string, Promise<unknown>>();
  #table = false;

  constructor(
    private readonly ctx: HubObjectState,
    private readonly sql: HubSql,
    private readonly peers: HubPeers,
  ) {}

  /**
   * Connects a subscriber: asks the primary for the window (which registers this shard for
   * forwards), then `admit` runs in the same synchronous step, so no forward can slip between
   * the window and the socket. `admit` answers 101 when it accepted the socket.
   */
  connect(resource: string, shard: number, retention: ChangelogRetention | undefined, admit: (window: ChangelogWindow) => Response): Promise<Response> {
    return this.serial(resource, async () => {
      const window = (await this.peers.call(shardName(resource, shard), primaryName(resource), { op: "window", resource, retention, shard })) as ChangelogWindow;
      // Entries after the previous position that this shard has not broadcast yet still go to
      // the sockets already here; the new socket starts at the window (its attachment says so).
      const idle = deliverySockets(this.ctx, resource).length === 0;
      const response = admit(window);
      if (response.status === 101) {
        const { position, maxAfter } = this.read(resource);
        if (idle || position === undefined) this.write(resource, Math.max(position ?? 0, window.head), window.head);
        else this.write(resource, position, Math.max(maxAfter, window.head));
      }
      return response;
    });
  }

  /**
   * Broadcasts a forwarded batch (ascending seqs). Entries at or below the position were sent
   * already and are ignored; a batch that starts past `position + 1` is preceded by the missing
   * entries, read from the primary. Entries the primary no longer retains cannot be delivered:
   * the sockets are closed so their holders resume through `since` (and learn of the gap).
   */
  forward(request: ForwardRequest): Promise<{ position: number }> {
    const { resource, shard, entries } = checkForward(request);
    return this.serial(resource, async () => {
      const { position, maxAfter } = this.read(resource);
      const last = entries.at(-1)?.seq;
      if (last === undefined || (position !== undefined && last <= position)) return { position: position ?? 0 };
      if (deliverySockets(this.ctx, resource).length === 0) {
        // Nobody to deliver to: a later socket starts from the primary's window anyway.
        this.write(resource, last, maxAfter);
        return { position: last };
      }
      let after = position ?? entries[0]!.seq - 1;
      const first = entries.find((entry) => entry.seq > after)!.seq;
      while (after + 1 < first) {
        const page = (await this.peers.call(shardName(resource, shard), primaryName(resource), {
          op: "since",
          resource,
          after,
          limit: Math.min(GAP_PAGE, first - 1 - after),
        })) as ChangeEntry[];
        if (page[0]?.seq !== after + 1) {
          log("warn", "Hub fan-out shard missed entries the primary no longer retains; closing its sockets", { resource, shard, after });
          for (const ws of deliverySockets(this.ctx, resource)) closeSocket(ws, 1011, "hub shard missed entries");
          this.write(resource, last, maxAfter);
          return { position: last };
        }
        broadcast(this.ctx, resource, page, maxAfter);
        after = page.at(-1)!.seq;
        this.write(resource, after, maxAfter);
      }
      broadcast(this.ctx, resource, entries.filter((entry) => entry.seq > after), maxAfter);
      this.write(resource, last, maxAfter);
      return { position: last };
    });
  }

  /** Runs `task` after every earlier task of `resource` has settled. */
  private serial<T>(resource: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(resource) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.catch(() => {});
    this.#chains.set(resource, settled);
    void settled.then(() => {
      if (this.#chains.get(resource) === settled) this.#chains.delete(resource);
    });
    return run;
  }

  /** The last seq broadcast (undefined before the first socket) and the largest socket start. */
  private read(resource: string): { position: number | undefined; maxAfter: number } {
    this.ensureTable();
    const [row] = this.sql.exec(`SELECT position, max_after FROM ${POSITIONS} WHERE resource = ?`, resource).toArray();
    return row ? { position: Number(row.position), maxAfter: Number(row.max_after) } : { position: undefined, maxAfter: 0 };
  }

  private write(resource: string, position: number, maxAfter: number): void {
    this.sql.exec(
      `INSERT INTO ${POSITIONS} (resource, position, max_after) VALUES (?, ?, ?) ON CONFLICT(resource) DO UPDATE SET position = excluded.position, max_after = excluded.max_after`,
      resource,
      position,
      maxAfter,
    );
  }

  private ensureTable(): void {
    if (this.#table) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${POSITIONS} (resource TEXT PRIMARY KEY, position INTEGER NOT NULL, max_after INTEGER NOT NULL)`);
    this.#table = true;
  }
}

/** A forward with a resource, a shard index and entries in strictly ascending seq order. */
function checkForward(request: ForwardRequest): ForwardRequest {
  if (!Number.isInteger(request.shard) || request.shard < 0) throw new BadRequest("shard must be a non-negative integer");
  if (!Array.isArray(request.entries)) throw new BadRequest("entries must be an array");
  let previous = -Infinity;
  for (const entry of request.entries) {
    if (typeof entry?.seq !== "number" || !(entry.seq > previous)) throw new BadRequest("entries must be in ascending seq order");
    previous = entry.seq;
  }
  return request;
}

/**
 * The realtime outbox (DESIGN.md invariant 4): with a remote hub, a write also records its
 * changes in `covara_outbox`, in the same transaction (on D1, in the same batch). After the
 * commit the changes are published with per-change outbox ids and the row is deleted. When the
 * publish fails, the row stays and a drain publishes it later; the hub ingests each outbox id at
 * most once, so a publish that arrived but whose answer was lost is not applied twice.
 * @module
 */
import { eq, sql } from "drizzle-orm";
import type { PendingStatement } from "../../resource/transaction.js";
import type { Logger } from "../../log/logger.js";
import type { Dialect } from "../../resource/model.js";
import type { ChangeInput, HubBackend } from "../types.js";
import { jsonImage } from "../publish.js";
import { deleteOutboxRow, ensureOutbox, insertOutboxRow, oldestOutboxRows, sqliteOutbox } from "./table.js";
import { idFromPath, INVALID } from "../../resource/coerce.js";

/** `realtime.outbox`: always, never, or only with a hub outside this process (default). */
export type OutboxMode = boolean | "auto";

/** What the outbox needs of a resource. */
export interface OutboxResource {
  db: any;
  model: { name: string; dialect: Dialect; table: any; idColumn: any; idKey: string };
}

/** Marks the place of the id of a row inserted by the same D1 batch. */
const ROWID = "__covara_rowid__";
const DRAIN_PAGE = 100;
const MAX_BACKOFF_MS = 30_000;
/** The first retry after a failed publish; doubled per failure up to MAX_BACKOFF_MS. */
const FIRST_RETRY_MS = 1000;

/** The outbox of one app. */
export class Outbox {
  readonly #resources = new Map<string, OutboxResource>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #backoff = FIRST_RETRY_MS;
  #draining: Promise<number> | undefined;
  /** Set after a failed publish: the next successful one drains first. */
  #pending = false;
  /** Databases drained once at start. */
  readonly #started = new WeakSet<object>();

  constructor(
    readonly mode: OutboxMode,
    private readonly hub: () => HubBackend,
    private readonly logger: Logger,
  ) {}

  /** Makes a resource's table known to the drain. */
  register(resource: OutboxResource): void {
    this.#resources.set(resource.model.name, resource);
  }

  /** Whether writes record their changes. */
  enabled(): boolean {
    return this.mode === true || (this.mode === "auto" && this.hub().kind !== "memory");
  }

  /**
   * Creates the table if needed (call before a transaction opens). The first time for a database
   * it also drains what an earlier process left behind (one that crashed between its commit and
   * its publish), before this process adds rows of its own.
   */
  async prepare(resource: OutboxResource): Promise<void> {
    await ensureOutbox(resource.db, resource.model.dialect);
    if (this.#started.has(resource.db)) return;
    this.#started.add(resource.db);
    await this.drain().catch(() => 0);
  }

  /** Inserts the outbox row on `db` (the transaction handle when there is one). */
  async record(db: any, resource: OutboxResource, id: string, changes: ChangeInput[]): Promise<void> {
    await insertOutboxRow(db, resource.model.dialect, { id, resource: resource.model.name, changes: JSON.stringify(changes) });
  }

  /**
   * D1: the outbox statement that rides in the write's batch. A create whose id the database
   * assigns takes it from `last_insert_rowid()`; updates and deletes are guarded by `changes()`,
   * so a statement that matched no row records nothing. Built as query builders: Drizzle's D1
   * batch cannot bind parameters of raw `db.run(sql)` items.
   */
  batchStatement(db: any, resource: OutboxResource, id: string, change: ChangeInput, idKnown: boolean): PendingStatement {
    const now = Date.now();
    const name = resource.model.name;
    const table = sqliteOutbox;
    if (change.type === "create") {
      const payload = JSON.stringify([idKnown ? change : { ...change, objectId: ROWID }]);
      const changes = idKnown ? payload : sql`replace(${payload}, ${JSON.stringify(ROWID)}, json_quote(cast(last_insert_rowid() as text)))`;
      return db.insert(table).values({ id, resource: name, changes, createdAt: now });
    }
    const fields = {
      id: sql`${id}`.as("id"),
      resource: sql`${name}`.as("resource"),
      changes: sql`${JSON.stringify([change])}`.as("changes"),
      createdAt: sql`${now}`.as("created_at"),
    };
    return db.insert(table).select(db.select(fields).from(sql`(select 1) as covara_one`).where(sql`changes() > 0`));
  }

  /**
   * Keeps changes whose direct publish failed (writes through a tracked db, which have no outbox
   * row of their own) in the outbox of the resource's database, and schedules a drain. False when
   * no resource of that name is known or the row cannot be written.
   */
  async keep(name: string, changes: ChangeInput[]): Promise<boolean> {
    const resource = this.#resources.get(name);
    if (!resource) return false;
    try {
      await this.prepare(resource);
      await this.record(resource.db, resource, crypto.randomUUID(), changes);
    } catch {
      return false;
    }
    this.logger.warn(`Realtime publish failed for ${name}; the outbox will retry`, { resource: name });
    this.#schedule();
    return true;
  }

  /** Publishes a recorded write; deletes its row once the hub has it. */
  async publish(resource: OutboxResource, id: string, changes: ChangeInput[]): Promise<void> {
    if (this.#pending) await this.drain().catch(() => undefined);
    const published = await this.#append(resource.model.name, id, changes);
    if (published) await this.#forget(resource, id);
  }

  async #append(name: string, id: string, changes: ChangeInput[]): Promise<boolean> {
    try {
      await this.hub().append(name, changes.map((change, i) => ({ ...change, outboxId: `${id}#${i}` })));
      return true;
    } catch (error) {
      this.logger.warn(`Realtime publish failed for ${name}; the outbox will retry`, { resource: name, error: String(error) });
      this.#schedule();
      return false;
    }
  }

  async #forget(resource: OutboxResource, id: string): Promise<boolean> {
    try {
      await deleteOutboxRow(resource.db, resource.model.dialect, id);
      return true;
    } catch {
      // Left behind: the next drain publishes it again and the hub drops the duplicate.
      return false;
    }
  }

  #schedule(): void {
    this.#pending = true;
    if (this.#timer) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.drain().catch(() => undefined);
    }, delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /**
   * Publishes every recorded write, oldest first, on every database the app's resources use.
   * Resolves with the number of rows published. Safe to run from several processes at once.
   */
  drain(): Promise<number> {
    return (this.#draining ??= this.#drainAll().finally(() => (this.#draining = undefined)));
  }

  async #drainAll(): Promise<number> {
    let published = 0;
    const seen = new Set<unknown>();
    for (const resource of this.#resources.values()) {
      if (seen.has(resource.db)) continue;
      seen.add(resource.db);
      published += await this.#drainDatabase(resource);
    }
    this.#pending = false;
    this.#backoff = FIRST_RETRY_MS;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return published;
  }

  async #drainDatabase(any: OutboxResource): Promise<number> {
    await this.prepare(any);
    let published = 0;
    for (;;) {
      const rows = await oldestOutboxRows(any.db, any.model.dialect, DRAIN_PAGE);
      if (rows.length === 0) return published;
      let forgotten = 0;
      for (const row of rows) {
        const recorded = JSON.parse(row.changes) as ChangeInput[];
        // A table with no resource here (a nested write's target) keeps its recorded images.
        const resource = this.#resources.get(row.resource);
        const changes = resource && resource.db === any.db ? await this.#complete(resource, recorded) : recorded;
        if (!(await this.#append(row.resource, row.id, changes))) throw new Error("hub unavailable");
        if (await this.#forget(any, row.id)) forgotten++;
        published++;
      }
      // Rows that cannot be deleted would come back forever: stop, the next drain retries.
      if (rows.length < DRAIN_PAGE || forgotten === 0) return published;
    }
  }

  /**
   * The current rows as after-images: a drained write is late, and a newer write to the same row
   * may already be in the changelog, so its own image would move subscribers back in time. A row
   * that is gone is dropped (its delete follows, or is already there).
   */
  async #complete(resource: OutboxResource, changes: ChangeInput[]): Promise<ChangeInput[]> {
    const out: ChangeInput[] = [];
    for (const change of changes) {
      if (change.type === "delete" || change.objectId === "*") {
        out.push(change);
        continue;
      }
      const { table, idColumn } = resource.model;
      const id = idFromPath(idColumn, change.objectId);
      if (id === INVALID) continue;
      const [row] = await resource.db.select().from(table).where(eq(idColumn, id));
      if (row) out.push({ ...change, object: jsonImage(row) });
    }
    return out;
  }
}

/**
 * The hub's changelog over SQLite: what the `ChangelogHub` Durable Object (and hub instances of
 * the KV object) run on `ctx.storage.sql`, kept out of the DO shell so any synchronous SQLite can
 * drive it. Every method is one synchronous call, so a single-threaded object runs it atomically
 * and numbering survives eviction: the head lives in storage, never only in memory.
 * @module
 */
import { DEFAULT_MAX_ENTRIES, type ChangeEntry, type ChangeInput, type ChangelogRetention, type ChangelogWindow } from "./types.js";

/** A value SQLite hands back or takes as a binding. */
export type HubSqlValue = string | number | null;

/** The slice of `ctx.storage.sql` the changelog needs (structural, so no Cloudflare import). */
export interface HubSql {
  exec(query: string, ...bindings: HubSqlValue[]): { toArray(): Record<string, unknown>[] };
}

// Prefixed so that hub instances hosted by the KV object never meet its `covara_kv` table.
const HEADS = "covara_hub_heads";
const ENTRIES = "covara_hub_entries";
const OUTBOX = "covara_hub_outbox";
/** Rows examined per step of age pruning. */
const AGE_BATCH = 100;

/**
 * One or more resources' changelogs in one SQLite database. Durable numbering: a fresh resource
 * has the window `{ head: 0, oldest: 1 }`, and the head is kept even when every entry is pruned.
 */
export class SqlChangelog {
  constructor(
    private readonly sql: HubSql,
    private readonly now: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ${HEADS} (resource TEXT PRIMARY KEY, head INTEGER NOT NULL)`);
    // The whole entry as JSON (images, user, reason…), keyed so that `since` is one range scan.
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ${ENTRIES} (resource TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (resource, seq)) WITHOUT ROWID`,
    );
    // Its own table (not a column of the entries) so ids could one day outlive their entries.
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ${OUTBOX} (resource TEXT NOT NULL, outbox_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (resource, outbox_id)) WITHOUT ROWID`,
    );
    sql.exec(`CREATE INDEX IF NOT EXISTS ${OUTBOX}_seq ON ${OUTBOX} (resource, seq)`);
  }

  /**
   * Numbers `changes` `head + 1 …` in order, stores them and prunes to the retention; an input
   * whose `outboxId` is already held is skipped. Returns the entries it appended.
   */
  append(resource: string, changes: ChangeInput[], retention: ChangelogRetention = {}): ChangeEntry[] {
    let head = this.head(resource);
    const timestamp = this.now();
    const appended: ChangeEntry[] = [];
    for (const change of changes) {
      if (change.outboxId !== undefined) {
        const [seen] = this.sql.exec(`SELECT 1 AS x FROM ${OUTBOX} WHERE resource = ? AND outbox_id = ?`, resource, change.outboxId).toArray();
        if (seen) continue;
      }
      const entry: ChangeEntry = { ...change, seq: ++head, resource, timestamp };
      this.sql.exec(`INSERT INTO ${ENTRIES} (resource, seq, ts, entry) VALUES (?, ?, ?, ?)`, resource, entry.seq, timestamp, JSON.stringify(entry));
      if (change.outboxId !== undefined) {
        this.sql.exec(`INSERT INTO ${OUTBOX} (resource, outbox_id, seq) VALUES (?, ?, ?)`, resource, change.outboxId, entry.seq);
      }
      appended.push(entry);
    }
    if (appended.length > 0) {
      this.sql.exec(
        `INSERT INTO ${HEADS} (resource, head) VALUES (?, ?) ON CONFLICT(resource) DO UPDATE SET head = excluded.head`,
        resource,
        head,
      );
    }
    const maxEntries = retention.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (head - maxEntries >= 1) this.dropThrough(resource, head - maxEntries);
    this.pruneByAge(resource, retention.maxAgeMs, timestamp);
    return appended;
  }

  /** The resource's window, after pruning entries older than `maxAgeMs` (if given). */
  window(resource: string, retention: ChangelogRetention = {}): ChangelogWindow {
    this.pruneByAge(resource, retention.maxAgeMs, this.now());
    const head = this.head(resource);
    const [first] = this.sql.exec(`SELECT MIN(seq) AS seq FROM ${ENTRIES} WHERE resource = ?`, resource).toArray();
    return { head, oldest: first?.seq == null ? head + 1 : Number(first.seq) };
  }

  /** Retained entries with `seq > after`, ascending, at most `limit`. */
  since(resource: string, after: number, limit: number, retention: ChangelogRetention = {}): ChangeEntry[] {
    this.pruneByAge(resource, retention.maxAgeMs, this.now());
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    return this.sql
      .exec(`SELECT entry FROM ${ENTRIES} WHERE resource = ? AND seq > ? ORDER BY seq LIMIT ?`, resource, Math.floor(after), count)
      .toArray()
      .map((row) => JSON.parse(String(row.entry)) as ChangeEntry);
  }

  private head(resource: string): number {
    const [row] = this.sql.exec(`SELECT head FROM ${HEADS} WHERE resource = ?`, resource).toArray();
    return row ? Number(row.head) : 0;
  }

  /** Forgets entries (and their outbox ids) up to and including `seq`. */
  private dropThrough(resource: string, seq: number): void {
    this.sql.exec(`DELETE FROM ${ENTRIES} WHERE resource = ? AND seq <= ?`, resource, seq);
    this.sql.exec(`DELETE FROM ${OUTBOX} WHERE resource = ? AND seq <= ?`, resource, seq);
  }

  /**
   * Drops the oldest entries while they are older than `maxAgeMs`. Only a prefix goes, as in the
   * memory hub: should the clock step back, the window keeps no holes. Reads a batch at a time,
   * so the usual case (nothing expired) costs one indexed row.
   */
  private pruneByAge(resource: string, maxAgeMs: number | undefined, now: number): void {
    if (maxAgeMs === undefined) return;
    const cutoff = now - maxAgeMs;
    for (;;) {
      const rows = this.sql
        .exec(`SELECT seq, ts FROM ${ENTRIES} WHERE resource = ? ORDER BY seq LIMIT ?`, resource, AGE_BATCH)
        .toArray();
      let last: number | undefined;
      for (const row of rows) {
        if (Number(row.ts) >= cutoff) break;
        last = Number(row.seq);
      }
      if (last === undefined) return;
      this.dropThrough(resource, last);
      if (last !== Number(rows[rows.length - 1]!.seq)) return;
    }
  }
}

/**
 * One live subscription's state machine (spec 20 §4–§7), shared by every hub backend and both
 * transports (a standalone SSE stream, a multiplexed channel). It owns the known set K, the
 * per-subscription delivery counter, the initial data (snapshot, hybrid or replay), the buffer of
 * live entries that arrive meanwhile, gap filling, classification and the scope recheck.
 * @module
 */
import type { ChangeEntry, HubConnection } from "./types.js";
import type { LiveQuery } from "./live-query.js";
import { isProduction } from "../env/runtime-env.js";
import { matches, presented } from "./entry-sharing.js";
import { CATCHUP_REASON, GAP_REASON, isCoarse, metaOf, previousOf, replayEntries } from "./replay.js";
import type { LiveEvent, LiveSubscriptionOptions } from "./live-types.js";

type Row = Record<string, unknown>;

export type { LiveEvent, LiveOutput, LiveStart, LiveSubscriptionOptions } from "./live-types.js";

/** Rows whose first live entry decides K from its before-image, tracked for this long at most. */
const SETTLE_MS = 30_000;
const SETTLE_ROWS = 10_000;

// A coarse entry (raw SQL, db.batch, recordExternalMutation) invalidates every subscription, even
// when it names one row (spec 20 §13): its reason marks it.

/** A live subscription. Call `connect()` before answering (it may refuse), then `run()`. */
export class LiveSubscription {
  readonly #o: LiveSubscriptionOptions;
  #query: LiveQuery;
  #conn: HubConnection | undefined;
  /**
   * The known set K (spec 20 §6.1). Undefined while K is "the rows whose latest image matches P"
   * (after a snapshot, a hybrid start without `knownIds`, a replay, a gap, a recheck), which every
   * live entry keeps true: a row's next before-image then says whether K holds it, and no ids are
   * kept (10,000 of them cost a subscriber ~350 KB). A `Set` for `knownIds` and join scopes.
   */
  #known: Set<string> | undefined = new Set();
  #counter = 0;
  /** The last changelog position processed. */
  #last = 0;
  #live = false;
  #buffer: ChangeEntry[] = [];
  #overflow = false;
  /** Live entries delivered but not processed yet. */
  #queued = 0;
  #chain: Promise<void> = Promise.resolve();
  #recheck: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /**
   * Rows already touched by a live entry (explicit K only). The initial query reads the database,
   * which can be ahead of the head H (a write commits, then publishes): for a row's first entry
   * after H the before-image says what the client holds, not K. Bounded; dropped once settled.
   */
  #touched: Set<string> | undefined = new Set();
  #liveSince = 0;

  constructor(options: LiveSubscriptionOptions) {
    this.#o = options;
    this.#query = options.query;
  }

  /** Registers with the hub (claims limits; may throw `SlotLimitError`) and captures the head. */
  async connect(): Promise<void> {
    this.#conn = await this.#o.hub.connect(this.#o.resource, (entries) => this.#receive(entries), {
      claims: this.#o.claims,
      onLost: () => this.close(),
    });
    this.#last = this.#conn.window.head;
  }

  /** Sends `connected`, the initial data and `synced`, then goes live. */
  async run(): Promise<void> {
    const head = this.#conn!.window.head;
    const out = this.#o.output;
    try {
      out.connected(head);
      await this.#initial(head);
      if (this.#closed || !out.open) return;
      out.synced(head);
      this.#goLive();
    } catch (error) {
      this.#o.onError?.(error);
      // Database messages name tables, columns and parameters: only outside production.
      if (out.open) out.error(error instanceof Error && !isProduction() ? error.message : "Subscription failed");
      this.close();
      out.end();
    }
  }

  /** Unregisters from the hub and stops timers. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn?.close();
    if (this.#recheck) clearInterval(this.#recheck);
    this.#buffer = [];
    this.#o.output.end();
    this.#o.onClose?.();
  }

  #event(type: LiveEvent["type"], fields: Partial<LiveEvent>, timestamp = Date.now()): LiveEvent {
    return { id: crypto.randomUUID(), subscriptionId: this.#o.subscriptionId, seq: ++this.#counter, timestamp, type, ...fields };
  }

  async #initial(head: number): Promise<void> {
    const start = this.#o.start;
    if (start.mode === "fresh") return this.#snapshot();
    if (start.mode === "hybrid") {
      if (start.knownIds) this.#known = await this.#query.matchingIds(start.knownIds);
      else await this.#matchingNow();
      return;
    }
    const window = this.#conn!.window;
    // An invalidated client refetches and resubscribes: no need to learn what matches now.
    if (start.after > head || start.after + 1 < window.oldest) {
      this.#o.output.initial(this.#event("invalidate", { reason: GAP_REASON }));
      return;
    }
    // After a clean replay, K is what matches now, so later events classify right.
    if (await this.#replay(start.after, head)) await this.#matchingNow();
  }

  /** K := the rows matching P now; implicit where P can be evaluated on images (see `#known`). */
  async #matchingNow(): Promise<void> {
    this.#known = this.#query.matcher.test ? undefined : await this.#query.matchingIds();
    if (!this.#known) this.#touched = undefined;
  }

  async #snapshot(): Promise<void> {
    const size = this.#o.pageSize ?? 200;
    const out = this.#o.output;
    let after: unknown;
    // The snapshot is what matches P: K stays implicit unless P needs the database.
    const known = this.#query.matcher.test ? undefined : new Set<string>();
    this.#known = known;
    for (;;) {
      const rows = await this.#query.page(after, size);
      const bodies = await this.#query.present(rows);
      for (let i = 0; i < rows.length; i++) {
        known?.add(this.#query.idOf(rows[i]!));
        out.initial(this.#event("existing", { object: bodies[i] }));
      }
      if (rows.length < size || !out.open) return;
      after = this.#query.keyOf(rows[rows.length - 1]!);
      await out.drained();
    }
  }

  /** Replays `after < seq ≤ head` (replay.ts); false when it ended in an invalidate. */
  #replay(after: number, head: number): Promise<boolean> {
    return replayEntries(
      {
        query: this.#query,
        hub: this.#o.hub,
        resource: this.#o.resource,
        output: this.#o.output,
        event: (type, fields, timestamp) => this.#event(type, fields, timestamp),
        present: (row) => this.#one(row),
      },
      after,
      head,
    );
  }

  #one(row: Row): Promise<Row> {
    return presented(this.#query, row, this.#o.presentation);
  }

  #receive(entries: ChangeEntry[]): void {
    if (this.#closed || this.#overflow) return;
    const cap = this.#o.maxBuffered ?? 1000;
    if (!this.#live) {
      // A long snapshot must not hold an unbounded backlog: drop it and re-read the changelog.
      if (this.#buffer.length + entries.length > cap) {
        this.#buffer = [];
        this.#overflow = true;
        return;
      }
      for (const entry of entries) this.#buffer.push(entry);
      return;
    }
    // Live, but processing (presentation, includes, the database) is slower than the writes:
    // stop queueing and catch up from the changelog instead.
    if (this.#queued + entries.length > cap) {
      this.#overflow = true;
      this.#enqueue([]);
      return;
    }
    this.#enqueue(entries);
  }

  #goLive(): void {
    this.#live = true;
    this.#liveSince = Date.now();
    if (!this.#known) this.#touched = undefined;
    const buffered = this.#buffer;
    this.#buffer = [];
    // With an overflowed buffer, the first entry after `last` makes `#process` fill the gap.
    if (this.#overflow) this.#enqueue([]);
    if (buffered.length > 0) this.#enqueue(buffered);
    const every = this.#o.recheckMs;
    if (every > 0) {
      this.#recheck = setInterval(() => this.#chainUp(() => this.#rescope()), every);
      (this.#recheck as { unref?: () => void }).unref?.();
    }
  }

  #enqueue(entries: ChangeEntry[]): void {
    this.#queued += entries.length;
    this.#chainUp(() => this.#process(entries).finally(() => (this.#queued -= entries.length)));
  }

  #chainUp(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((error) => {
      this.#o.onError?.(error);
      this.close();
    });
  }

  async #process(entries: ChangeEntry[]): Promise<void> {
    if (this.#overflow) {
      this.#overflow = false;
      await this.#fill(Number.POSITIVE_INFINITY);
    }
    for (const entry of entries) {
      if (this.#closed) return;
      if (entry.seq <= this.#last) continue;
      if (entry.seq > this.#last + 1) await this.#fill(entry.seq - 1);
      if (entry.seq <= this.#last) continue;
      await this.#apply(entry);
      this.#last = entry.seq;
    }
  }

  /** Reads entries `last < seq ≤ upTo` from the changelog; a pruned gap becomes an invalidate. */
  async #fill(upTo: number): Promise<void> {
    while (this.#last < upTo && !this.#closed) {
      const entries = await this.#o.hub.since(this.#o.resource, this.#last, 500);
      // Nothing after `last` although `upTo` exists, or the first one retained comes later: pruned.
      const pruned = entries.length === 0 ? upTo !== Number.POSITIVE_INFINITY : entries[0]!.seq > this.#last + 1;
      if (pruned) {
        this.#o.output.live(this.#event("invalidate", { reason: GAP_REASON }));
        await this.#matchingNow();
        this.#last = upTo === Number.POSITIVE_INFINITY ? entries[entries.length - 1]!.seq : upTo;
        return;
      }
      const wanted = entries.filter((e) => e.seq <= upTo);
      if (wanted.length === 0) return;
      for (const entry of wanted) {
        await this.#apply(entry);
        this.#last = entry.seq;
      }
      if (entries.length < 500) return;
    }
  }

  async #apply(entry: ChangeEntry): Promise<void> {
    const out = this.#o.output;
    if (isCoarse(entry)) {
      out.live(this.#event("invalidate", { reason: entry.reason ?? "external-mutation" }, entry.timestamp));
      return;
    }
    const query = this.#query;
    if (query.matcher.deny) return;
    const id = entry.objectId;
    const held = this.#held(entry);
    if (held === undefined && !(entry.type === "update" && query.matcher.test && matches(query, entry))) {
      // Nothing says whether the client holds the row, and naming it could reveal a row it never
      // could read: let it refetch.
      out.live(this.#event("invalidate", { reason: CATCHUP_REASON }, entry.timestamp));
      return;
    }
    if (entry.type === "delete") {
      if (!held) return;
      this.#known?.delete(id);
      out.live(this.#event("removed", { objectId: id }, entry.timestamp), entry.seq);
      return;
    }
    if (query.expiresAt !== undefined && Date.now() >= query.expiresAt) {
      out.live(this.#event("invalidate", { reason: "Authentication expired" }));
      this.close();
      return;
    }
    let image = entry.object!;
    let inside: boolean;
    if (query.matcher.test) inside = matches(query, entry);
    else {
      // Relation-path scope: the images cannot decide, the database can (spec 20 §6.2).
      const [row] = await query.rowsByIds([id]);
      inside = row !== undefined;
      if (row) image = row;
    }
    if (inside && held && entry.type === "update") {
      // Held by the before-image rule but not yet in K (a hybrid start): it is held now.
      this.#known?.add(id);
      out.live(this.#event("changed", { object: await this.#one(image), ...previousOf(entry) }, entry.timestamp), entry.seq);
    } else if (inside) {
      this.#known?.add(id);
      out.live(this.#event("added", { object: await this.#one(image), ...metaOf(entry) }, entry.timestamp), entry.seq);
    } else if (held) {
      this.#known?.delete(id);
      out.live(this.#event("removed", { objectId: id }, entry.timestamp), entry.seq);
    }
  }

  /**
   * Whether the client holds the entry's row (see `#known` and `#touched`); undefined when an
   * implicit K meets a change without a before-image (a tracked write whose pre-read failed).
   */
  #held(entry: ChangeEntry): boolean | undefined {
    const known = this.#known;
    if (!known) {
      // A create names a row that did not exist.
      if (entry.type === "create") return false;
      return entry.previousObject ? matches(this.#query, entry, "previousObject") : undefined;
    }
    const id = entry.objectId;
    const touched = this.#touched;
    if (!touched || touched.has(id) || !entry.previousObject || !this.#query.matcher.test) {
      touched?.add(id);
      return known.has(id);
    }
    if (touched.size >= SETTLE_ROWS || Date.now() - this.#liveSince > SETTLE_MS) this.#touched = undefined;
    else touched.add(id);
    return matches(this.#query, entry, "previousObject");
  }

  /** Spec 20 §7: a changed (or relation-path) scope re-queries and reconciles K. */
  async #rescope(): Promise<void> {
    const expiresAt = this.#query.expiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt) {
      this.#o.output.live(this.#event("invalidate", { reason: "Authentication expired" }));
      this.close();
      return;
    }
    const alive = this.#query.sessionAlive;
    if (alive && !(await alive())) {
      // Spec 40 §9 [dev]: a logged-out or revoked session stops receiving at once, not at expiry.
      this.#o.output.live(this.#event("invalidate", { reason: "Session revoked" }));
      this.close();
      return;
    }
    if (!this.#o.scoped) return;
    let next: LiveQuery | undefined;
    try {
      next = await this.#query.recheck();
    } catch {
      return; // retried on the next tick
    }
    if (!next || this.#closed) return;
    const matching = await next.matchingIds();
    // An implicit K is the rows the old predicate matches now.
    const known = this.#known ?? (await this.#query.matchingIds());
    const out = this.#o.output;
    for (const id of [...known]) {
      if (matching.has(id)) continue;
      known.delete(id);
      out.live(this.#event("removed", { objectId: id }));
    }
    const entering = [...matching].filter((id) => !known.has(id));
    if (entering.length > 0) {
      const rows = await next.rowsByIds(entering);
      const bodies = await next.present(rows);
      rows.forEach((row, i) => {
        known.add(next.idOf(row));
        out.live(this.#event("added", { object: bodies[i] }));
      });
    }
    this.#query = next;
    // K is now what the new predicate matches: implicit again where it can be.
    this.#known = next.matcher.test ? undefined : known;
    if (!this.#known) this.#touched = undefined;
  }
}

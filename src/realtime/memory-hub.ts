/**
 * The in-memory hub: one process (or one Worker isolate with no Durable Object bound). Runtime-
 * neutral on purpose. Not durable, so each resource's counter starts at the hub's start-up time
 * in ms: positions issued before a restart fall below the new window and resuming clients get
 * `invalidate` instead of a replay of unrelated entries (spec 20 §1).
 * @module
 */
import {
  DEFAULT_MAX_ENTRIES,
  SlotLimitError,
  type ChangeEntry,
  type ChangeInput,
  type ChangelogRetention,
  type ChangelogWindow,
  type HubBackend,
  type HubConnectOptions,
  type HubConnection,
  type SlotClaim,
} from "./types.js";

type Deliver = (entries: ChangeEntry[]) => void;

interface ResourceLog {
  /**
   * Entries from `start` on are retained, oldest first. Pruning moves `start` and compacts the
   * array now and then, so an append at the window's limit does not shift 10,000 entries.
   */
  entries: ChangeEntry[];
  start: number;
  head: number;
  outboxIds: Set<string>;
  listeners: Set<MemoryConnection>;
  /** Claim key → holders. */
  slots: Map<string, Set<object>>;
}

/** Options of `createMemoryHub`. */
export interface MemoryHubOptions extends ChangelogRetention {
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
}

/** A hub that lives in this process's memory. */
export class MemoryHub implements HubBackend {
  readonly kind = "memory";
  readonly #logs = new Map<string, ResourceLog>();
  readonly #start: number;
  readonly #maxEntries: number;
  readonly #maxAgeMs: number | undefined;
  readonly #now: () => number;

  constructor(options: MemoryHubOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#maxAgeMs = options.maxAgeMs;
  }

  #log(resource: string): ResourceLog {
    let log = this.#logs.get(resource);
    if (!log) {
      log = { entries: [], start: 0, head: this.#start, outboxIds: new Set(), listeners: new Set(), slots: new Map() };
      this.#logs.set(resource, log);
    }
    return log;
  }

  /** Appends synchronously, so a write that awaited it has reached every local subscriber. */
  async append(resource: string, changes: ChangeInput[]): Promise<ChangeEntry[]> {
    const log = this.#log(resource);
    const timestamp = this.#now();
    const appended: ChangeEntry[] = [];
    for (const change of changes) {
      if (change.outboxId !== undefined) {
        if (log.outboxIds.has(change.outboxId)) continue;
        log.outboxIds.add(change.outboxId);
      }
      const entry: ChangeEntry = { ...change, seq: ++log.head, resource, timestamp };
      log.entries.push(entry);
      appended.push(entry);
    }
    this.#prune(log, timestamp);
    if (appended.length > 0) {
      for (const connection of [...log.listeners]) {
        // One listener's failure must not keep the entries from the others (or fail the append).
        try {
          connection.deliver(appended);
        } catch {
          // The listener's own error handling applies.
        }
      }
    }
    return appended;
  }

  #prune(log: ResourceLog, now: number): void {
    const { entries } = log;
    let start = Math.max(log.start, entries.length - this.#maxEntries);
    if (this.#maxAgeMs !== undefined) {
      const cutoff = now - this.#maxAgeMs;
      while (start < entries.length && entries[start]!.timestamp < cutoff) start++;
    }
    for (let i = log.start; i < start; i++) {
      const outboxId = entries[i]!.outboxId;
      if (outboxId !== undefined) log.outboxIds.delete(outboxId);
    }
    log.start = start;
    if (start > 1024 && start * 2 > entries.length) {
      log.entries = entries.slice(start);
      log.start = 0;
    }
  }

  #window(log: ResourceLog): ChangelogWindow {
    if (this.#maxAgeMs !== undefined) this.#prune(log, this.#now());
    return { head: log.head, oldest: log.entries[log.start]?.seq ?? log.head + 1 };
  }

  async window(resource: string): Promise<ChangelogWindow> {
    return this.#window(this.#log(resource));
  }

  async since(resource: string, after: number, limit: number): Promise<ChangeEntry[]> {
    const log = this.#log(resource);
    this.#window(log);
    const first = log.entries[log.start]?.seq;
    if (first === undefined) return [];
    const from = log.start + Math.max(0, Math.floor(after) + 1 - first);
    return log.entries.slice(from, from + Math.max(0, limit));
  }

  async connect(resource: string, deliver: Deliver, options: HubConnectOptions = {}): Promise<HubConnection> {
    const log = this.#log(resource);
    const claims = options.claims ?? [];
    for (const claim of claims) {
      if ((log.slots.get(claim.key)?.size ?? 0) >= claim.limit) throw new SlotLimitError(claim);
    }
    // Registration and the window are read in one synchronous step: no append can fall between.
    const connection = new MemoryConnection(log, deliver, claims, this.#window(log));
    for (const claim of claims) {
      let holders = log.slots.get(claim.key);
      if (!holders) log.slots.set(claim.key, (holders = new Set()));
      holders.add(connection);
    }
    log.listeners.add(connection);
    return connection;
  }

  async close(): Promise<void> {
    for (const log of this.#logs.values()) log.listeners.clear();
  }
}

/**
 * One registration with a resource's log. A class, not a record of closures: one is held per
 * idle subscriber. It is also the holder of its claims' slots.
 */
class MemoryConnection implements HubConnection {
  #open = true;

  constructor(
    private readonly log: ResourceLog,
    readonly deliver: Deliver,
    private readonly claims: readonly SlotClaim[],
    readonly window: ChangelogWindow,
  ) {}

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.log.listeners.delete(this);
    for (const claim of this.claims) {
      const holders = this.log.slots.get(claim.key);
      holders?.delete(this);
      if (holders?.size === 0) this.log.slots.delete(claim.key);
    }
  }
}

/** An in-memory hub (one process, or one Worker isolate). */
export function createMemoryHub(options?: MemoryHubOptions): MemoryHub {
  return new MemoryHub(options);
}

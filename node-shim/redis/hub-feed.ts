/**
 * One resource's live feed in one Redis hub: turns the pub/sub messages of the resource's channel
 * into an in-order, gap-free sequence for every local connection. Pub/sub drops whatever is
 * published while the subscriber socket is down, so a skipped seq (or a reconnect) is filled from
 * the changelog before anything later is delivered.
 * @module
 */
import type { ChangeEntry } from "../../src/realtime/types.js";

type Deliver = (entries: ChangeEntry[]) => void;

/** What a feed reads from and reports to: its hub. */
export interface FeedSource {
  /** Retained entries with `seq > after`, ascending, at most `limit`. */
  since(after: number, limit: number): Promise<ChangeEntry[]>;
  onError(error: Error): void;
}

/** A local connection's place in the feed. */
export interface FeedListener {
  /**
   * Starts delivery of the entries after `head` (the connection's window). Entries that arrived
   * between `add` and `open` were held back and go out now.
   */
  open(head: number): void;
  /** Stops delivery. */
  remove(): void;
}

interface Listener {
  /** Deliver only seqs above this; undefined while the connection's window is being read. */
  after: number | undefined;
  held: ChangeEntry[];
  deliver: Deliver;
}

/** Entries read per changelog page while filling a gap. */
const PAGE = 500;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

/** Orders and fans out one resource's entries to its local listeners. */
export class ResourceFeed {
  readonly #source: FeedSource;
  readonly #listeners = new Set<Listener>();
  /** The newest seq handed to listeners; set by `start`. */
  #lastSeq = 0;
  /** Every message and catch-up runs on this chain, one at a time, in arrival order. */
  #chain: Promise<void>;
  #begin!: () => void;
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(source: FeedSource) {
    this.#source = source;
    // Messages may arrive before the starting head is known; they wait behind `start`.
    this.#chain = new Promise<void>((resolve) => (this.#begin = resolve));
  }

  /** Begins ordered delivery: `head` was read after the channel's SUBSCRIBE was confirmed. */
  start(head: number): void {
    this.#lastSeq = head;
    this.#begin();
  }

  /** Queues one pub/sub message's entries (one append, ascending seqs). */
  receive(entries: ChangeEntry[]): void {
    this.#enqueue(() => this.#receive(entries));
  }

  /** Queues a read of everything after the last delivered seq (after a resubscribe). */
  catchUp(): void {
    this.#enqueue(async () => {
      await this.#fill(Number.POSITIVE_INFINITY);
    });
  }

  /** Registers a connection; it receives nothing until `open`. */
  add(deliver: Deliver): FeedListener {
    const listener: Listener = { after: undefined, held: [], deliver };
    this.#listeners.add(listener);
    return {
      open: (head) => {
        listener.after = head;
        const held = listener.held;
        listener.held = [];
        // Held entries all precede anything dispatched later, so order is kept.
        if (held.length > 0) this.#deliverTo(listener, held);
      },
      remove: () => {
        this.#listeners.delete(listener);
      },
    };
  }

  /** Stops all work; pending steps become no-ops. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return;
      try {
        await step();
      } catch (err) {
        this.#source.onError(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async #receive(entries: ChangeEntry[]): Promise<void> {
    const first = entries[0];
    if (!first) return;
    // If the gap cannot be read now, these entries stay back too: the scheduled catch-up reads
    // them from the changelog after the missing ones.
    if (first.seq > this.#lastSeq + 1 && !(await this.#fill(first.seq - 1))) return;
    this.#dispatch(entries);
  }

  /**
   * Delivers retained entries after the last delivered seq, up to `upTo`. Entries trimmed away
   * meanwhile are skipped: listeners then see a jump in seq and resolve it as any gap (a
   * `since` that starts past their position means `invalidate`). Returns false when the read
   * failed; a retry is then scheduled.
   */
  async #fill(upTo: number): Promise<boolean> {
    try {
      while (this.#lastSeq < upTo && !this.#closed) {
        const page = await this.#source.since(this.#lastSeq, PAGE);
        const wanted = page.filter((entry) => entry.seq <= upTo);
        this.#dispatch(wanted);
        if (wanted.length < PAGE) break;
      }
      this.#retryMs = RETRY_MIN_MS;
      return true;
    } catch (err) {
      this.#source.onError(err instanceof Error ? err : new Error(String(err)));
      this.#scheduleRetry();
      return false;
    }
  }

  #scheduleRetry(): void {
    if (this.#retry || this.#closed) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(delay * 2, RETRY_MAX_MS);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.catchUp();
    }, delay);
    this.#retry.unref?.();
  }

  /** Hands entries above the last delivered seq to every listener, as the same objects. */
  #dispatch(entries: ChangeEntry[]): void {
    const fresh = entries[0] && entries[0].seq > this.#lastSeq ? entries : entries.filter((e) => e.seq > this.#lastSeq);
    const last = fresh[fresh.length - 1];
    if (!last) return;
    this.#lastSeq = last.seq;
    for (const listener of [...this.#listeners]) {
      // A holder may close another connection from inside its callback.
      if (!this.#listeners.has(listener)) continue;
      if (listener.after === undefined) listener.held.push(...fresh);
      else this.#deliverTo(listener, fresh);
    }
  }

  #deliverTo(listener: Listener, entries: ChangeEntry[]): void {
    const after = listener.after ?? 0;
    const mine = entries[0] && entries[0].seq > after ? entries : entries.filter((e) => e.seq > after);
    if (mine.length === 0) return;
    try {
      listener.deliver(mine);
    } catch (err) {
      // One holder's failure must not starve the others.
      this.#source.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/**
 * The server's side of a live list: the rows the server sent (pages and events), kept in the
 * order the subscription mode asks for, and the view built from them plus the pending local
 * writes. Events that arrive while a refetch is in flight are remembered (`touched`) so the
 * older page cannot overwrite them.
 * @module
 */
import type { Row } from "../resource-types.js";
import type { OptimisticState } from "./optimistic.js";
import { keepsSorted, parseOrderBy, rowComparator } from "./ordering.js";
import type { SubscriptionMode } from "./types.js";

type Compare = (a: Record<string, unknown>, b: Record<string, unknown>) => number;

/** Rows of a live list as the server knows them. */
export class LiveRows<T extends Row> {
  rows: T[] = [];
  /** More pages exist beyond the loaded ones. */
  hasMore = false;
  readonly #mode: SubscriptionMode;
  readonly #sorted: boolean;
  readonly #compare: Compare;
  /** Rows changed by events during a refetch (null: removed), applied over its result. */
  #touched: Map<string, T | null> | undefined;
  /** The last row of the last page loaded, as loaded: where the next page's cursor starts. */
  #windowEnd: T | undefined;

  constructor(mode: SubscriptionMode, orderBy: string | undefined) {
    const keys = parseOrderBy(orderBy);
    this.#mode = mode;
    this.#sorted = keepsSorted(mode, keys.length > 0);
    this.#compare = rowComparator(keys);
  }

  #index(id: string): number {
    return this.rows.findIndex((row) => String(row.id) === id);
  }

  has(id: string): boolean {
    return this.#index(id) >= 0;
  }

  /** Marks the start of a refetch: events from now on win over its result. */
  beginRefetch(): void {
    this.#touched = new Map();
  }

  /** A refetch failed: what events said meanwhile is simply current. */
  cancelRefetch(): void {
    this.#touched = undefined;
  }

  /**
   * Upserts a row from the server. Returns whether the list holds it afterwards: in `strict`
   * mode, while more pages exist, a row sorting after the last loaded one stays out (a later
   * page brings it). `force` keeps it anyway (the user's own create).
   */
  place(row: T, force = false): boolean {
    const id = String(row.id);
    this.#touched?.set(id, row);
    const at = this.#index(id);
    if (at >= 0) {
      if (!this.#sorted) {
        this.rows[at] = row;
        return true;
      }
      this.rows.splice(at, 1);
    } else if (!this.#sorted) {
      if (this.#mode === "prepend") this.rows.unshift(row);
      else this.rows.push(row);
      return true;
    }
    if (!force && this.#beyondWindow(row)) return false;
    let position = this.rows.findIndex((other) => this.#compare(row as Record<string, unknown>, other as Record<string, unknown>) < 0);
    if (position < 0) position = this.rows.length;
    this.rows.splice(position, 0, row);
    return true;
  }

  /** `strict` with more pages: whether a row sorts after the loaded window (a later page has it). */
  #beyondWindow(row: T): boolean {
    if (this.#mode !== "strict" || !this.hasMore || !this.#windowEnd) return false;
    return this.#compare(row as Record<string, unknown>, this.#windowEnd as Record<string, unknown>) > 0;
  }

  /** Removes a row; returns whether it was held. */
  remove(id: string): boolean {
    this.#touched?.set(id, null);
    const at = this.#index(id);
    if (at < 0) return false;
    this.rows.splice(at, 1);
    return true;
  }

  /**
   * Replaces the rows with a freshly fetched first page, keeping what events said since the
   * refetch started (their rows are newer than the page's).
   */
  replaceAll(page: readonly T[], hasMore: boolean): void {
    const touched = this.#touched ?? new Map<string, T | null>();
    this.#touched = undefined;
    const seen = new Set<string>();
    const rows: T[] = [];
    for (const row of page) {
      const id = String(row.id);
      seen.add(id);
      const newer = touched.get(id);
      if (newer === null) continue;
      rows.push(newer ?? row);
    }
    this.rows = rows;
    this.hasMore = hasMore;
    this.#windowEnd = page.at(-1);
    if (this.#sorted) this.rows.sort(this.#compare as (a: T, b: T) => number);
    for (const [id, row] of touched) if (row && !seen.has(id)) this.place(row);
  }

  /** Appends a further page; rows already held keep their (event-fresh) version. */
  appendPage(page: readonly T[], hasMore: boolean): void {
    this.#windowEnd = page.at(-1) ?? this.#windowEnd;
    this.hasMore = hasMore;
    for (const row of page) {
      if (this.has(String(row.id))) continue;
      if (this.#sorted) this.place(row, true);
      else this.rows.push(row);
    }
  }

  /** What the list shows: server rows with pending patches, minus local deletes, plus pending creates. */
  view(local: OptimisticState<T>): T[] {
    const shown: T[] = [];
    for (const row of this.rows) {
      const overlaid = local.overlay(row);
      if (overlaid) shown.push(overlaid);
    }
    const creates: T[] = [];
    for (const row of local.creates.values()) {
      const overlaid = local.overlay(row);
      if (overlaid) creates.push(overlaid);
    }
    if (this.#sorted) {
      const all = shown.concat(creates);
      // Pending patches can move a row (a new `position`): order the view, not only the rows.
      return all.sort(this.#compare as (a: T, b: T) => number);
    }
    return this.#mode === "prepend" ? creates.reverse().concat(shown) : shown.concat(creates);
  }
}

/**
 * Work on one changelog entry that every local subscriber can share. Backends hand all of a
 * process's subscribers the same entry objects, so a predicate verdict or a presented body is
 * computed once per entry, not once per subscriber: fan-out cost follows distinct predicates and
 * presentations (issue #5, performance).
 * @module
 */
import type { LiveQuery } from "./live-query.js";
import type { ChangeEntry } from "./types.js";

type Row = Record<string, unknown>;

/** Predicate results per entry object and predicate key. */
const verdicts = new WeakMap<ChangeEntry, Map<string, boolean>>();

/** P(image) for the entry's after-image (`object`) or before-image (`previousObject`). */
export function matches(query: LiveQuery, entry: ChangeEntry, image: "object" | "previousObject" = "object"): boolean {
  const test = query.matcher.test!;
  let byKey = verdicts.get(entry);
  if (!byKey) verdicts.set(entry, (byKey = new Map()));
  const key = image === "object" ? query.matcher.key : `${query.matcher.key}\u0000before`;
  let verdict = byKey.get(key);
  if (verdict === undefined) byKey.set(key, (verdict = test(entry[image]!)));
  return verdict;
}

/** Bodies of row images per presentation key. */
const bodies = new WeakMap<Row, WeakMap<object, Promise<Row>>>();

/**
 * The body of a row image as `query` presents it. Queries given the same `key` present alike (no
 * relation is loaded as the subscriber), so the first one builds the body and the others share
 * it; without a key every call builds its own.
 */
export function presented(query: LiveQuery, row: Row, key: object | undefined): Promise<Row> {
  if (key === undefined) return query.present([row]).then((out) => out[0]!);
  let byKey = bodies.get(row);
  if (!byKey) bodies.set(row, (byKey = new WeakMap()));
  let body = byKey.get(key);
  if (!body) byKey.set(key, (body = query.present([row]).then((out) => out[0]!)));
  return body;
}

/**
 * `mergeConflict(base, client, server)`: the three-way, per-field merge of the `merge` conflict
 * strategy (spec 80 §6.2). A field keeps the client's value when the client changed it and the
 * server did not; the server wins every field it changed.
 * @module
 */

type Fields = Record<string, unknown>;

/** Structural equality for JSON-like values (rows as they travel). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Fields)[key], (b as Fields)[key]));
}

/**
 * The server row with the client's edits laid over the fields only the client changed. Without
 * `base`, every field in `client` counts as a client change (and the server is assumed not to
 * have touched it).
 * @example
 * mergeConflict({ title: "a", done: false }, { title: "b" }, { title: "a", done: true })
 * // → { title: "b", done: true }
 */
export function mergeConflict<T extends Fields>(base: Partial<T> | undefined | null, client: Partial<T>, server: T): T {
  const merged: Fields = { ...server };
  for (const [key, value] of Object.entries(client)) {
    const clientChanged = !base || !sameValue(base[key], value);
    const serverChanged = !!base && !sameValue(base[key], server[key]);
    if (clientChanged && !serverChanged) merged[key] = value;
  }
  return merged as T;
}

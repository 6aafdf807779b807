/**
 * Turning a route's committed write into changelog inputs (spec 20 §1): row images made
 * JSON-safe (every hub stores the same values, whatever crosses a wire), the acting user, and the
 * optimistic id of a `POST /`.
 * @module
 */
import type { Context } from "hono";
import type { ResourceRuntime } from "../resource/runtime.js";
import type { ChangeInput, ChangeType } from "./types.js";

type Row = Record<string, unknown>;

/** The row with bigints as text and dates as ISO strings, as JSON would carry it. */
export function jsonImage(row: Row): Row {
  const out: Row = {};
  for (const key in row) {
    const value = row[key];
    out[key] = typeof value === "bigint" ? value.toString() : value instanceof Date ? (Number.isNaN(value.getTime()) ? null : value.toISOString()) : value;
  }
  return out;
}

/** Who made the write, when a user did. */
export function actingUser(c: Context | undefined): string | undefined {
  const user = c?.get("user" as never) as { id?: unknown } | null | undefined;
  return user?.id === undefined || user.id === null ? undefined : String(user.id);
}

/** One row change of `rt`'s table. */
export function rowChange(rt: ResourceRuntime, c: Context | undefined, type: ChangeType, after: Row | undefined, before: Row | undefined): ChangeInput {
  const key = rt.model.idKey;
  const change: ChangeInput = { type, objectId: String((after ?? before)![key]) };
  if (after) change.object = jsonImage(after);
  if (before) change.previousObject = jsonImage(before);
  const userId = actingUser(c);
  if (userId !== undefined) change.userId = userId;
  return change;
}

/** Publishes changes of `rt` on its app's hub (no-op for an empty list). */
export function publishChanges(rt: ResourceRuntime, changes: ChangeInput[]): Promise<void> {
  if (changes.length === 0) return Promise.resolve();
  return rt.realtime.publish(rt.model.name, changes);
}

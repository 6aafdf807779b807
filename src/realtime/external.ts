/**
 * `recordExternalMutation` (spec 20 §13): for writers the framework cannot see (cron jobs, other
 * services, manual edits, CDC). It appends a coarse entry, so every subscription of the resource
 * receives `invalidate` with reason `external-mutation` and refetches.
 * @module
 */
import { getGlobalHub } from "./default-hub.js";
import type { ChangeEntry, ChangeType, HubBackend } from "./types.js";

/** Options of `recordExternalMutation`. */
export interface ExternalMutationOptions {
  /** The row that changed; default `"*"`. Subscribers are invalidated either way. */
  objectId?: string | number;
  /** The hub to append to; default `getGlobalHub()` (the app's hub when it uses the global one). */
  hub?: HubBackend;
}

/**
 * Records a change made outside the tracked db. `resource` is the resource name (the table
 * name), not a path. Resolves with the appended entry; rejects when the hub cannot be reached
 * (unlike a tracked write, nothing has been committed by us that a failure could hide).
 * @example
 * // in a cron job, after a bulk import into todos:
 * await recordExternalMutation("todos", "update", { objectId: "todo-1" });
 */
export async function recordExternalMutation(resource: string, type: ChangeType, options: ExternalMutationOptions = {}): Promise<ChangeEntry> {
  if (type !== "create" && type !== "update" && type !== "delete") throw new TypeError(`recordExternalMutation: type must be create, update or delete, not ${String(type)}`);
  const hub = options.hub ?? getGlobalHub();
  const objectId = options.objectId === undefined ? "*" : String(options.objectId);
  const [entry] = await hub.append(resource, [{ type, objectId, reason: "external-mutation" }]);
  return entry!;
}

/**
 * Settling a conflict (spec 80 §6.2, contract O9): `onConflict` decides when given, else the
 * strategy: `server-wins` and `manual` drop the mutation, `client-wins` sends it again against
 * the server's current version, `merge` three-way merges an update per field and sends the
 * mutation's own fields again. A retry gets a fresh idempotency key (the body or the precondition
 * changed) and the server's current ETag as `If-Match`.
 * @module
 */
import { createIdempotencyKey } from "./ids.js";
import { mergeConflict } from "./merge.js";
import type { ConflictResolution, ConflictStrategy, OfflineConfig, OfflineMutation } from "./types.js";

/** What happens to the conflicting mutation. */
export type ConflictOutcome = { kind: "discard" } | { kind: "retry"; patch: Partial<OfflineMutation> };

/** The server's side of a conflict. */
export interface ServerSide {
  /** The row as the server holds it; null when it is gone, undefined when unknown. */
  state: unknown;
  /** Its current ETag, when known. */
  etag?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** What the configured strategy says, when no `onConflict` is given. */
export function strategyDecision(strategy: ConflictStrategy, mutation: OfflineMutation, server: ServerSide): ConflictResolution {
  if (strategy === "client-wins") return "retry";
  if (strategy !== "merge" || mutation.type !== "update" || !isRecord(server.state) || !isRecord(mutation.data)) return "discard";
  const merged = mergeConflict(isRecord(mutation.baseState) ? mutation.baseState : undefined, mutation.data, server.state);
  const own = Object.fromEntries(Object.keys(mutation.data).map((key) => [key, merged[key]]));
  return { data: own, retryWith: "update" };
}

/** Turns the decision for a conflicting mutation into what the queue does with it. */
export async function resolveConflict(
  config: Pick<OfflineConfig, "conflictResolution" | "onConflict">,
  mutation: OfflineMutation,
  server: ServerSide,
  error: unknown,
  now: number,
): Promise<ConflictOutcome> {
  const decision = config.onConflict
    ? await config.onConflict(mutation, server.state, error)
    : strategyDecision(config.conflictResolution ?? "server-wins", mutation, server);
  if (decision === "discard" || decision === undefined || decision === null) return { kind: "discard" };

  const type = decision === "retry" ? mutation.type : (decision.retryWith ?? mutation.type);
  const data = decision === "retry" ? mutation.data : decision.data;
  let objectId = type === "create" ? undefined : mutation.objectId;
  if (type !== "create" && objectId === undefined) {
    // An app turning a conflicting create into an update names the row in the data or takes the server's.
    const id = (isRecord(data) ? data.id : undefined) ?? (isRecord(server.state) ? server.state.id : undefined);
    if (typeof id !== "string" && typeof id !== "number") return { kind: "discard" };
    objectId = String(id);
  }
  return {
    kind: "retry",
    patch: {
      type,
      data,
      objectId,
      idempotencyKey: createIdempotencyKey(type, mutation.resource, objectId, now),
      // Without a known version the retry is unconditional: that is what "the client wins" means.
      ifMatch: type === "create" ? undefined : server.etag,
      baseState: isRecord(server.state) ? server.state : mutation.baseState,
    },
  };
}

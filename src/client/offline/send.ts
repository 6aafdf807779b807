/**
 * Sending one queued mutation and sorting the outcome (spec 80 §2, §6.2): create → `POST` with
 * `X-Covara-Optimistic-Id` and `X-Idempotency-Key`, update → `PATCH` (`PUT` for a replace),
 * delete → `DELETE`, each with `If-Match` when an ETag is known. Failures split into conflicts,
 * rejections (the server will never accept it), retryable failures, and an unreachable server.
 * @module
 */
import type { Transport } from "../transport.js";
import type { OfflineMutation, SyncResult } from "./types.js";

/** How a send ended. */
export type SendOutcome =
  | { kind: "ok"; data?: unknown; serverId?: string; etag?: string }
  /** 409 or 412: resolved by the conflict strategy. */
  | { kind: "conflict"; error: unknown }
  /** A 4xx the server will give again: dropped, reported through `onError`. */
  | { kind: "rejected"; error: unknown }
  /** 5xx, 429, 408, 401 or an unexpected error: retried with backoff up to `maxRetries`. */
  | { kind: "failed"; error: unknown }
  /** No response at all (network down, timeout): waits for the server without using up retries. */
  | { kind: "unreachable"; error: unknown };

const NETWORK_ERRORS = new Set(["TypeError", "AbortError", "TimeoutError"]);

/**
 * An HTTP failure: a `TransportError`, or any error a custom sync throws with a numeric `status`.
 * Duck-typed so this chunk does not share the error class with the core bundle.
 */
function httpFailure(error: unknown): { status: number; body?: unknown } | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status <= 599 ? (error as { status: number; body?: unknown }) : undefined;
}

/** Sorts a failure of `mutation`. */
export function classifyFailure(mutation: OfflineMutation, error: unknown): SendOutcome {
  const http = httpFailure(error);
  if (http) {
    const { status } = http;
    // The idempotency middleware's "the first request with this key is still running".
    if (status === 409 && (http.body as { reason?: unknown } | null)?.reason === "in_progress") return { kind: "failed", error };
    if (status === 409 || status === 412) return { kind: "conflict", error };
    // Deleting a row that is already gone reached the goal.
    if (status === 404 && mutation.type === "delete") return { kind: "ok" };
    if (status === 401 || status === 408 || status === 429 || status >= 500) return { kind: "failed", error };
    return { kind: "rejected", error };
  }
  // fetch rejects with a TypeError when nothing answered; an abort or timeout gives no answer either.
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === "string" && NETWORK_ERRORS.has(name)) return { kind: "unreachable", error };
  return { kind: "failed", error };
}

/** The URL path of the row a mutation targets. */
export const rowPath = (mutation: OfflineMutation, id = mutation.objectId ?? "") => `${mutation.resource}/${encodeURIComponent(id)}`;

/** Sends a mutation (its ids already replaced) through the client's transport. */
export async function sendOverTransport(transport: Transport, mutation: OfflineMutation): Promise<SendOutcome> {
  const headers: Record<string, string> = { "x-idempotency-key": mutation.idempotencyKey };
  if (mutation.ifMatch) headers["if-match"] = mutation.ifMatch;
  let method = "DELETE";
  if (mutation.type === "create") {
    method = "POST";
    if (mutation.optimisticId) headers["x-covara-optimistic-id"] = mutation.optimisticId;
  } else if (mutation.type === "update") {
    method = mutation.replace ? "PUT" : "PATCH";
  }
  try {
    const response = await transport.request<Record<string, unknown> | undefined>({
      method,
      path: mutation.type === "create" ? mutation.resource : rowPath(mutation),
      body: mutation.type === "delete" ? undefined : (mutation.data ?? {}),
      headers,
    });
    const id = response.data?.id;
    return {
      kind: "ok",
      data: response.data,
      serverId: mutation.type === "create" && (typeof id === "string" || typeof id === "number") ? String(id) : undefined,
      etag: response.headers.etag,
    };
  } catch (error) {
    return classifyFailure(mutation, error);
  }
}

/** Sends through an app's own `onMutationSync`. */
export async function sendWithCallback(send: (mutation: OfflineMutation) => Promise<SyncResult>, mutation: OfflineMutation): Promise<SendOutcome> {
  try {
    const result = await send(mutation);
    if (result.success) return { kind: "ok", data: result.data, serverId: result.serverId, etag: result.etag };
    return classifyFailure(mutation, result.error ?? new Error("onMutationSync reported a failure"));
  } catch (error) {
    return classifyFailure(mutation, error);
  }
}

/**
 * The server's copy of a conflicting row and its ETag: from the problem body's `serverState` when
 * it has one, else `GET resource/<id>`. `state` is null when the row is gone, undefined when
 * unknown (a create, or the read failed).
 */
export async function fetchServerState(transport: Transport | undefined, mutation: OfflineMutation, error: unknown): Promise<{ state: unknown; etag?: string }> {
  const raw = httpFailure(error)?.body;
  const body = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : null;
  const currentETag = typeof body?.currentETag === "string" ? body.currentETag : undefined;
  if (body && "serverState" in body) return { state: body.serverState, etag: currentETag };
  if (!transport || mutation.objectId === undefined) return { state: undefined, etag: currentETag };
  try {
    const response = await transport.request({ path: rowPath(mutation) });
    return { state: response.data, etag: response.headers.etag ?? currentETag };
  } catch (readError) {
    if (httpFailure(readError)?.status === 404) return { state: null };
    return { state: undefined, etag: currentETag };
  }
}

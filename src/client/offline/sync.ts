/**
 * One sync pass (spec 80 §6.2, contracts O4, O7, O9): the queue is sent oldest first, one
 * mutation at a time. A retryable failure stops the pass, so nothing overtakes a mutation that
 * may be a precondition of the next (a create before the update of its row); a mutation that has
 * used up `maxRetries` stays `failed` and is passed over.
 * @module
 */
import type { ConflictOutcome, ServerSide } from "./conflict.js";
import type { MutationQueue } from "./queue.js";
import type { SendOutcome } from "./send.js";
import type { OfflineMutation } from "./types.js";

/** What a pass needs from its manager. */
export interface PassContext {
  queue: MutationQueue;
  maxRetries: number;
  retryDelay: number;
  now(): number;
  /** Online and leading: false stops the pass. */
  canSend(): boolean;
  /** Earliest time of the next automatic attempt, per mutation id (backoff). */
  notBefore: Map<string, number>;
  /** The mutation as it goes out: optimistic ids replaced, a known ETag filled in. */
  prepare(mutation: OfflineMutation): OfflineMutation;
  send(mutation: OfflineMutation): Promise<SendOutcome>;
  serverSide(mutation: OfflineMutation, error: unknown): Promise<ServerSide>;
  resolve(mutation: OfflineMutation, server: ServerSide, error: unknown): Promise<ConflictOutcome>;
  /** Bookkeeping of a success (id mapping, ETag, events); the entry is already gone from the queue. */
  synced(sent: OfflineMutation, outcome: Extract<SendOutcome, { kind: "ok" }>): void;
  /** A failure that keeps the mutation queued (`error` event, `onError`). */
  failed(mutation: OfflineMutation, error: unknown): void;
  /** The mutation left the queue unsent. */
  dropped(mutation: OfflineMutation, reason: "rejected" | "conflict", error: unknown): void;
  /** Asks for an automatic pass after `ms`. */
  schedule(ms: number): void;
  /** Consecutive sends that got no answer, for the wait before the next try. */
  unreachableStreak: number;
}

/** The longest wait for an unreachable server between tries, in ms. */
const MAX_UNREACHABLE_WAIT = 30_000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Backoff of spec 80 §6.1: `retryDelay × 2^(attempt−1)`. */
export const backoffDelay = (retryDelay: number, attempt: number) => retryDelay * 2 ** Math.max(0, attempt - 1);

/**
 * Sends queued mutations until the queue is done, a retryable failure stops it, or sending is no
 * longer allowed. With `ignoreBackoff` (an explicit sync, a reconnection) backoff waits are skipped.
 */
export async function runPass(ctx: PassContext, ignoreBackoff: boolean): Promise<void> {
  const { queue } = ctx;
  while (ctx.canSend()) {
    const next = queue.list().find((m) => m.status !== "synced" && m.retryCount < ctx.maxRetries);
    if (!next) return;
    const wait = (ctx.notBefore.get(next.id) ?? 0) - ctx.now();
    if (wait > 0 && !ignoreBackoff) return ctx.schedule(wait);

    await queue.update(next.id, { status: "processing" });
    const outgoing = ctx.prepare(next);
    const outcome = await ctx.send(outgoing);
    if (outcome.kind !== "unreachable") ctx.unreachableStreak = 0;

    switch (outcome.kind) {
      case "ok":
        ctx.notBefore.delete(next.id);
        await queue.remove(next.id);
        ctx.synced(outgoing, outcome);
        break;
      case "rejected":
        ctx.notBefore.delete(next.id);
        await queue.remove(next.id);
        ctx.dropped(outgoing, "rejected", outcome.error);
        break;
      case "unreachable": {
        // Nothing answered: the mutation never failed on the server, so it keeps its retries.
        await queue.update(next.id, { status: "pending", error: messageOf(outcome.error) });
        ctx.unreachableStreak++;
        ctx.failed(queue.get(next.id) ?? next, outcome.error);
        return ctx.schedule(Math.min(MAX_UNREACHABLE_WAIT, backoffDelay(ctx.retryDelay, ctx.unreachableStreak)));
      }
      case "failed": {
        const retryCount = next.retryCount + 1;
        await queue.update(next.id, { status: "failed", retryCount, error: messageOf(outcome.error) });
        ctx.failed(queue.get(next.id) ?? next, outcome.error);
        if (retryCount >= ctx.maxRetries) {
          // Out of retries: it stays visible as failed, and the rest of the queue goes on.
          ctx.notBefore.delete(next.id);
          break;
        }
        const delay = backoffDelay(ctx.retryDelay, retryCount);
        ctx.notBefore.set(next.id, ctx.now() + delay);
        return ctx.schedule(delay);
      }
      case "conflict": {
        const server = await ctx.serverSide(outgoing, outcome.error);
        const resolution = await ctx.resolve(outgoing, server, outcome.error);
        if (resolution.kind === "discard") {
          await queue.remove(next.id);
          ctx.dropped(outgoing, "conflict", outcome.error);
          break;
        }
        // Sent again at once (it is still the oldest); retries bound how often a conflict repeats.
        const retryCount = next.retryCount + 1;
        const exhausted = retryCount >= ctx.maxRetries;
        await queue.update(next.id, { ...resolution.patch, retryCount, status: exhausted ? "failed" : "pending", error: messageOf(outcome.error) });
        if (exhausted) ctx.failed(queue.get(next.id) ?? next, outcome.error);
        break;
      }
    }
  }
}

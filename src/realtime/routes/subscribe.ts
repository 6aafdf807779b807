/**
 * `GET <mount>/subscribe` (spec 20 §2–§5): every check that can fail happens before the first
 * stream byte, so failures are plain problem+json responses; then the stream opens and the
 * subscription runs until the client leaves, the server closes it, or shutdown.
 * @module
 */
import type { Context } from "hono";
import { resolveClientIp } from "../../auth/client-ip.js";
import { problemResponse, ValidationError } from "../../errors/problem.js";
import { includeLoader } from "../../resource/relations/index.js";
import type { ResourceRuntime } from "../../resource/runtime.js";
import { actingUser } from "../publish.js";
import { liveQuery } from "../live-query.js";
import { frame, SSE_HEADERS, SseStream } from "../sse.js";
import { LiveSubscription, type LiveOutput, type LiveStart } from "../subscription.js";
import { SlotLimitError, type SlotClaim } from "../types.js";
import type { ResolvedSseOptions } from "../options.js";

/** Most ids `knownIds` may name. */
const MAX_KNOWN_IDS = 10_000;

/** The resume position: `Last-Event-ID` over `resumeFrom`; undefined for a fresh start. */
export function resumePosition(c: Context): number | undefined {
  const raw = c.req.header("last-event-id") ?? c.req.query("resumeFrom");
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^-?\d{1,16}$/.test(raw.trim())) {
    throw new ValidationError("Invalid resume position", [{ field: "resumeFrom", message: "must be an integer changelog position" }]);
  }
  const position = Number(raw.trim());
  return position <= 0 ? undefined : position;
}

/** How the subscription starts, from `resumeFrom`/`Last-Event-ID`, `skipExisting` and `knownIds`. */
export function liveStart(c: Context): LiveStart {
  const after = resumePosition(c);
  if (after !== undefined) return { mode: "resume", after };
  if (c.req.query("skipExisting") !== "true") return { mode: "fresh" };
  const raw = c.req.query("knownIds");
  if (raw === undefined) return { mode: "hybrid" };
  const knownIds = raw.split(",").map((id) => id.trim()).filter((id) => id !== "");
  if (knownIds.length > MAX_KNOWN_IDS) {
    throw new ValidationError("Too many known ids", [{ field: "knownIds", message: `at most ${MAX_KNOWN_IDS} ids` }]);
  }
  return { mode: "hybrid", knownIds };
}

/** The subscription limits a caller claims (spec 20 §2): per user, or per IP when anonymous. */
export function subscriptionClaims(c: Context, sse: ResolvedSseOptions): SlotClaim[] {
  const userId = actingUser(c);
  const claims: SlotClaim[] = [{ key: "total", limit: sse.maxTotalSubscriptions, detail: `Maximum ${sse.maxTotalSubscriptions} subscriptions in total` }];
  if (userId !== undefined) claims.push({ key: `user:${userId}`, limit: sse.maxSubscriptionsPerUser, detail: `Maximum ${sse.maxSubscriptionsPerUser} subscriptions per user` });
  else claims.push({ key: `ip:${resolveClientIp(c)}`, limit: sse.maxSubscriptionsPerIP, detail: `Maximum ${sse.maxSubscriptionsPerIP} subscriptions per IP` });
  return claims;
}

/** The 429 for a refused claim (no `code`, spec 20 §2). */
export function tooManySubscriptions(error: SlotLimitError): Response {
  return problemResponse({ type: "/__covara/problems/rate-limit-exceeded", title: "Too many subscriptions", status: 429, detail: error.message });
}

/** The 400 for a relation-path subscribe scope that no recheck would ever reconcile. */
export function joinScopeNeedsRecheck(): ValidationError {
  return new ValidationError("Relation-path subscribe scopes require sse.scopeRecheckMs > 0");
}

/** A standalone stream's output: SSE frames (spec 20 §3). */
function streamOutput(stream: SseStream): LiveOutput {
  return {
    get open() {
      return stream.open;
    },
    connected: (seq) => stream.write(frame({ seq }, { event: "connected" })),
    initial: (event, id) => stream.write(frame(event, { id })),
    live: (event, id) => void stream.push(frame(event, { id })),
    synced: (seq) => stream.write(frame({ seq }, { id: seq, event: "synced" })),
    error: (message) => stream.write(frame({ error: message }, { event: "error" })),
    drained: () => stream.drained(),
    end: () => stream.close(),
  };
}

/** Handler of `GET /subscribe`. */
export function subscribeHandler(rt: ResourceRuntime) {
  const includes = includeLoader(rt);
  return async (c: Context): Promise<Response> => {
    const sse = rt.sse;
    const query = await liveQuery(rt, c, c.req.query("filter"), c.req.query("include"), includes);
    if (!query.matcher.test && !query.matcher.deny && sse.scopeRecheckMs <= 0) throw joinScopeNeedsRecheck();
    const start = liveStart(c);
    let subscription: LiveSubscription | undefined;
    let release: (() => void) | undefined;
    const stream = new SseStream({
      heartbeatMs: sse.heartbeatMs,
      maxQueueBytes: sse.maxQueueBytes,
      onBackpressure: sse.onBackpressure,
      onClose: () => subscription?.close(),
    });
    subscription = new LiveSubscription({
      hub: rt.realtime.hub(),
      resource: rt.model.name,
      query,
      start,
      output: streamOutput(stream),
      subscriptionId: `${crypto.randomUUID()}:${rt.model.name}`,
      claims: subscriptionClaims(c, sse),
      recheckMs: rt.config.auth ? sse.scopeRecheckMs : 0,
      pageSize: sse.snapshotPageSize,
      onClose: () => release?.(),
      onError: (error) => rt.realtime.logger.error(`Subscription on ${rt.model.name} failed`, { error: String(error) }),
    });
    try {
      await subscription.connect();
    } catch (error) {
      stream.close();
      if (error instanceof SlotLimitError) return tooManySubscriptions(error);
      throw error;
    }
    release = rt.realtime.hold(stream);
    void subscription.run();
    return new Response(stream.body, { headers: SSE_HEADERS });
  };
}

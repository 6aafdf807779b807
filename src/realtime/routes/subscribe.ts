/**
 * `GET <mount>/subscribe` (spec 20 §2–§5): every check that can fail happens before the first
 * stream byte, so failures are plain problem+json responses; then the stream opens and the
 * subscription runs until the client leaves, the server closes it, or shutdown. The validated
 * "parameters + caller → subscription" step is shared with multiplexed channels (spec 20 §10).
 * @module
 */
import type { Context } from "hono";
import { resolveClientIp } from "../../auth/client-ip.js";
import { problemResponse, ValidationError } from "../../errors/problem.js";
import { includeLoader, type IncludeLoader } from "../../resource/relations/index.js";
import type { ResourceRuntime } from "../../resource/runtime.js";
import { actingUser } from "../publish.js";
import { liveQuery, presentsAlike } from "../live-query.js";
import { eventFrame, frame, SSE_HEADERS, SseStream } from "../sse.js";
import { nodeTargetOf } from "../node-target.js";
import { LiveSubscription, type LiveEvent, type LiveOutput, type LiveStart } from "../subscription.js";
import { SlotLimitError, type SlotClaim } from "../types.js";
import type { ResolvedSseOptions } from "../options.js";

/** Most ids `knownIds` may name. */
const MAX_KNOWN_IDS = 10_000;

/** What a subscriber asks for, wherever it came from (a query string, a multiplex control body). */
export interface SubscribeParams {
  filter?: string;
  include?: string;
  /** `Last-Event-ID` or `resumeFrom`, as sent. */
  position?: string | number;
  skipExisting?: boolean;
  knownIds?: string[];
}

/** Parses a resume position; undefined (fresh start) when absent or ≤ 0. */
export function parsePosition(raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (text === "") return undefined;
  if (!/^-?\d{1,16}$/.test(text)) {
    throw new ValidationError("Invalid resume position", [{ field: "resumeFrom", message: "must be an integer changelog position" }]);
  }
  const position = Number(text);
  return position <= 0 ? undefined : position;
}

/** How a subscription starts: resume over hybrid (`skipExisting`, optional `knownIds`) over fresh. */
export function startOf(params: SubscribeParams): LiveStart {
  const after = parsePosition(params.position);
  if (after !== undefined) return { mode: "resume", after };
  if (!params.skipExisting) return { mode: "fresh" };
  if (params.knownIds === undefined) return { mode: "hybrid" };
  const knownIds = params.knownIds.map((id) => id.trim()).filter((id) => id !== "");
  if (knownIds.length > MAX_KNOWN_IDS) {
    throw new ValidationError("Too many known ids", [{ field: "knownIds", message: `at most ${MAX_KNOWN_IDS} ids` }]);
  }
  return { mode: "hybrid", knownIds };
}

/** The parameters of `GET /subscribe`. */
export function queryParams(c: Context): SubscribeParams {
  const knownIds = c.req.query("knownIds");
  return {
    filter: c.req.query("filter"),
    include: c.req.query("include"),
    position: c.req.header("last-event-id") ?? c.req.query("resumeFrom"),
    skipExisting: c.req.query("skipExisting") === "true",
    knownIds: knownIds === undefined ? undefined : knownIds.split(","),
  };
}

/** A resource's limit claims and messages, built once: every live subscription holds its claims. */
const limitsOf = new WeakMap<ResolvedSseOptions, { total: SlotClaim; user: string; ip: string }>();

/** The subscription limits a caller claims (spec 20 §2): per user, or per IP when anonymous. */
export function subscriptionClaims(c: Context, sse: ResolvedSseOptions): SlotClaim[] {
  let limits = limitsOf.get(sse);
  if (!limits) {
    limits = {
      total: { key: "total", limit: sse.maxTotalSubscriptions, detail: `Maximum ${sse.maxTotalSubscriptions} subscriptions in total` },
      user: `Maximum ${sse.maxSubscriptionsPerUser} subscriptions per user`,
      ip: `Maximum ${sse.maxSubscriptionsPerIP} subscriptions per IP`,
    };
    limitsOf.set(sse, limits);
  }
  const userId = actingUser(c);
  if (userId !== undefined) return [limits.total, { key: `user:${userId}`, limit: sse.maxSubscriptionsPerUser, detail: limits.user }];
  return [limits.total, { key: `ip:${resolveClientIp(c, { trustedProxies: sse.trustedProxies })}`, limit: sse.maxSubscriptionsPerIP, detail: limits.ip }];
}


/** The 429 for a refused claim (no `code`, spec 20 §2). */
export function tooManySubscriptions(error: SlotLimitError): Response {
  return problemResponse({ type: "/__covara/problems/rate-limit-exceeded", title: "Too many subscriptions", status: 429, detail: error.message });
}

/** The 400 for a relation-path subscribe scope that no recheck would ever reconcile. */
export function joinScopeNeedsRecheck(): ValidationError {
  return new ValidationError("Relation-path subscribe scopes require sse.scopeRecheckMs > 0");
}

/** One error logger per resource, not a closure per subscription (it would keep its scope alive). */
const errorLoggers = new WeakMap<ResourceRuntime, (error: unknown) => void>();

function errorLogger(rt: ResourceRuntime): (error: unknown) => void {
  let log = errorLoggers.get(rt);
  if (!log) errorLoggers.set(rt, (log = (error) => rt.realtime.logger.error(`Subscription on ${rt.model.name} failed`, { error: String(error) })));
  return log;
}

/** Builds the (not yet connected) subscription once its transport exists. */
export type SubscriptionFactory = (output: LiveOutput, onClose: () => void) => LiveSubscription;

/**
 * Validates a subscriber's parameters as the caller `c` (scope 401, filter/include/resume 400,
 * the join-scope rule) and returns the factory of its subscription: nothing is opened until every
 * check passed. The subscription claims the caller's limits when it connects.
 */
export async function prepareSubscription(rt: ResourceRuntime, c: Context, params: SubscribeParams, includes: IncludeLoader): Promise<SubscriptionFactory> {
  const sse = rt.sse;
  const query = await liveQuery(rt, c, params.filter, params.include, includes);
  if (!query.matcher.test && !query.matcher.deny && sse.scopeRecheckMs <= 0) throw joinScopeNeedsRecheck();
  const start = startOf(params);
  const claims = subscriptionClaims(c, sse);
  return (output, onClose) =>
    new LiveSubscription({
      hub: rt.realtime.hub(),
      resource: rt.model.name,
      query,
      start,
      output,
      subscriptionId: `${crypto.randomUUID()}:${rt.model.name}`,
      claims,
      recheckMs: rt.config.auth || query.sessionAlive ? sse.scopeRecheckMs : 0,
      scoped: rt.config.auth !== undefined,
      pageSize: sse.snapshotPageSize,
      presentation: presentsAlike(rt, params.include) ? rt : undefined,
      onClose,
      onError: errorLogger(rt),
    });
}

/**
 * A standalone stream's output: SSE frames (spec 20 §3). A class, not an object literal with a
 * getter and closures: one is held per idle subscriber, and this shape is several times smaller.
 */
class StreamOutput implements LiveOutput {
  constructor(readonly stream: SseStream) {}
  get open(): boolean {
    return this.stream.open;
  }
  connected(seq: number): void {
    this.stream.write(frame({ seq }, { event: "connected" }));
  }
  initial(event: LiveEvent, id?: number): void {
    this.stream.write(frame(event, { id }));
  }
  live(event: LiveEvent, id?: number): void {
    this.stream.push(eventFrame(event, id));
  }
  synced(seq: number): void {
    this.stream.write(frame({ seq }, { id: seq, event: "synced" }));
  }
  error(message: string): void {
    this.stream.write(frame({ error: message }, { event: "error" }));
  }
  drained(): Promise<void> {
    return this.stream.drained();
  }
  end(): void {
    this.stream.close();
  }
}

/** Handler of `GET /subscribe`. */
export function subscribeHandler(rt: ResourceRuntime) {
  const includes = includeLoader(rt);
  return async (c: Context): Promise<Response> => {
    const sse = rt.sse;
    const create = await prepareSubscription(rt, c, queryParams(c), includes);
    // HEAD says whether the stream would open (the checks above ran) without opening it.
    if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
    let subscription: LiveSubscription | undefined;
    let release: (() => void) | undefined;
    const stream = new SseStream({
      heartbeatMs: sse.heartbeatMs,
      maxQueueBytes: sse.maxQueueBytes,
      onBackpressure: sse.onBackpressure,
      target: nodeTargetOf(c.env),
      onClose: () => subscription?.close(),
    });
    subscription = create(new StreamOutput(stream), () => release?.());
    try {
      await subscription.connect();
    } catch (error) {
      stream.close();
      if (error instanceof SlotLimitError) return tooManySubscriptions(error);
      throw error;
    }
    release = rt.realtime.hold(stream);
    void subscription.run();
    return stream.response(SSE_HEADERS);
  };
}

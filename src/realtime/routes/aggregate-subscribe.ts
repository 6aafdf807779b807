/**
 * `GET <mount>/aggregate/subscribe` (spec 20 §11): the `/aggregate` query kept up to date over
 * SSE. Parameters, read scope and limits are checked, and the snapshot computed, before the
 * stream opens, so every failure up to then is a problem+json response (a bad `having` is only
 * found by running the query). The validated "parameters + caller → live aggregate" step is shared
 * with multiplexed channels (spec 20 §10).
 * @module
 */
import type { Context } from "hono";
import { ValidationError } from "../../errors/problem.js";
import { parseAggregateParams } from "../../resource/aggregate/params.js";
import { runAggregate } from "../../resource/aggregate/query.js";
import type { ResourceRuntime } from "../../resource/runtime.js";
import { resolveScope, type ResolvedScope } from "../../resource/scope.js";
import { LiveAggregate, type AggregateOutput } from "../live-aggregate.js";
import { frame, SSE_HEADERS, SseStream } from "../sse.js";
import { nodeTargetOf } from "../node-target.js";
import { SlotLimitError } from "../types.js";
import { subscriptionClaims, tooManySubscriptions } from "./subscribe.js";

type Row = Record<string, unknown>;

/** Reads one aggregate parameter (`groupBy`, `count`, `sum`, `avg`, `min`, `max`, `having`). */
export type AggregateParamReader = (name: string) => string | undefined;

/** Builds the (not yet connected) live aggregate once its transport exists. */
export type LiveAggregateFactory = (output: AggregateOutput, onClose: () => void) => LiveAggregate;

const sameScope = (a: ResolvedScope, b: ResolvedScope) => a.kind === b.kind && (a.kind !== "rsql" || a.text === (b as { text: string }).text);

/**
 * The in-memory test that lets a recompute be skipped: the subscribe matcher's, used only when
 * it decides exactly the rows the read scope ∧ filter aggregates. Otherwise (another subscribe
 * scope, a join scope, `withDeleted`, a matcher that cannot be built) every change recomputes.
 */
async function rowTest(rt: ResourceRuntime, c: Context, filter: string | undefined): Promise<((row: Row) => boolean) | undefined> {
  if (rt.softDelete && c.req.query("withDeleted") === "true") return undefined;
  try {
    const auth = rt.config.auth;
    if (auth) {
      const [read, subscribe] = await Promise.all([resolveScope(c, auth, "read", rt.model.name), resolveScope(c, auth, "subscribe", rt.model.name)]);
      if (!sameScope(read, subscribe)) return undefined;
    }
    const matcher = await rt.liveMatcher(c, filter);
    return matcher.deny ? () => false : matcher.test;
  } catch {
    return undefined;
  }
}

/**
 * Validates an aggregate subscriber's parameters as the caller `c` (read scope 401, parameters
 * 400) and returns the factory of its live aggregate. The scope is resolved once, here.
 */
export async function prepareLiveAggregate(rt: ResourceRuntime, c: Context, read: AggregateParamReader, filter: string | undefined): Promise<LiveAggregateFactory> {
  const { model } = rt;
  // Scope first: an anonymous caller gets 401 before any parameter is judged (as `/aggregate`).
  const where = await rt.where(c, "read", filter);
  const plan = parseAggregateParams(read, model.columns, rt.readable);
  const having = read("having");
  if (having !== undefined && having.trim() === "") {
    throw new ValidationError("Invalid having expression: empty", [{ field: "having", message: "Empty expression" }], { parameter: "having" });
  }
  const counts = await rowTest(rt, c, filter);
  const claims = subscriptionClaims(c, rt.sse);
  return (output, onClose) =>
    new LiveAggregate({
      hub: rt.realtime.hub(),
      resource: model.name,
      claims,
      compute: () => runAggregate(rt.db, model, plan, where, having),
      counts,
      debounceMs: rt.sse.aggregateDebounceMs,
      output,
      onClose,
      onError: (error) => rt.realtime.logger.error(`Live aggregate on ${model.name} failed to recompute`, { error: String(error) }),
    });
}

/** A standalone stream's output (spec 20 §3, §11). */
function streamOutput(stream: SseStream): AggregateOutput {
  return {
    get open() {
      return stream.open;
    },
    connected: (seq) => stream.write(frame({ seq }, { event: "connected" })),
    aggregate: (body, live) => {
      const text = frame(body, { id: body.seq, event: "aggregate" });
      if (live) return stream.push(text);
      stream.write(text);
      return stream.open;
    },
    error: (message) => stream.write(frame({ error: message }, { event: "error" })),
    end: () => stream.close(),
  };
}

/** Handler of `GET /aggregate/subscribe`. */
export function aggregateSubscribeHandler(rt: ResourceRuntime) {
  return async (c: Context): Promise<Response> => {
    const create = await prepareLiveAggregate(rt, c, (name) => c.req.query(name), c.req.query("filter"));
    // HEAD says whether the stream would open (the checks above ran) without opening it.
    if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
    const sse = rt.sse;
    let live: LiveAggregate | undefined;
    let release: (() => void) | undefined;
    const stream = new SseStream({
      heartbeatMs: sse.heartbeatMs,
      maxQueueBytes: sse.maxQueueBytes,
      onBackpressure: sse.onBackpressure,
      target: nodeTargetOf(c.env),
      onClose: () => live?.close(),
    });
    live = create(streamOutput(stream), () => release?.());
    try {
      await live.connect();
    } catch (error) {
      stream.close();
      if (error instanceof SlotLimitError) return tooManySubscriptions(error);
      throw error;
    }
    release = rt.realtime.hold(stream);
    live.run();
    return stream.response(SSE_HEADERS);
  };
}

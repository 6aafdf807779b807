/**
 * The control endpoints of a shared stream (spec 20 §10.2–§10.3): `subscribe` opens a channel as
 * the POSTing request (its user, its scope, its limits) and `unsubscribe` ends one. Failures use
 * `type: "/__covara/problems/multiplex"` with the statuses of the spec's error table.
 * @module
 */
import type { Context } from "hono";
import { isProduction } from "../../env/runtime-env.js";
import { problemResponse, ResourceError, type FieldError } from "../../errors/problem.js";
import { readJsonBody } from "../../resource/input.js";
import { includeLoader, type IncludeLoader } from "../../resource/relations/index.js";
import type { ResourceRuntime } from "../../resource/runtime.js";
import type { Realtime } from "../realtime.js";
import { actingUser } from "../publish.js";
import { prepareLiveAggregate } from "../routes/aggregate-subscribe.js";
import { prepareSubscription } from "../routes/subscribe.js";
import { SlotLimitError } from "../types.js";
import { channelRequest, ControlBodyError, unsubscribeChannel, type ChannelRequest } from "./body.js";
import { aggregateChannelOutput, subscriptionChannelOutput } from "./channel.js";
import type { MuxChannel, MuxRegistry, MuxStream } from "./stream.js";

/** What the control endpoints need of the app: its mounted resources and realtime side. */
export interface MultiplexSource {
  readonly resources: readonly { path: string; runtime: ResourceRuntime }[];
  readonly realtime: Realtime;
}

/** Largest control body: a long `knownIds` list fits. */
const CONTROL_BODY_LIMIT = 1024 * 1024;

/** A problem of the control endpoints. */
function problem(status: number, title: string, detail: string, extras: { code?: string; errors?: FieldError[] } = {}): Response {
  return problemResponse({ type: "/__covara/problems/multiplex", title, status, detail, ...extras });
}

const streamNotFound = () => problem(409, "Stream not found", "The stream is not open on this server", { code: "stream_not_found" });

/** Who a request acts as: the stream owner key (spec 20 §10.1). */
export const ownerOf = (c: Context): string => actingUser(c) ?? "anonymous";

/** The subscribable resource at a mount path (trailing slash ignored). */
function resourceAt(source: MultiplexSource, path: string, kind: ChannelRequest["kind"]): ResourceRuntime | undefined {
  const wanted = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const rt = source.resources.find((r) => r.path === wanted)?.runtime;
  const caps = rt?.config.capabilities ?? {};
  if (!rt || caps.enableSubscribe === false || (kind === "aggregate" && caps.enableAggregations === false)) return undefined;
  return rt;
}

/** A channel as the stream sees it, before and after its subscription exists. */
function pendingChannel(): MuxChannel & { attach(target: MuxChannel): void } {
  let target: MuxChannel | undefined;
  let closed = false;
  return {
    close() {
      closed = true;
      target?.close();
    },
    attach(next) {
      target = next;
      if (closed) next.close();
    },
  };
}

/** Control handlers over one app's registry of shared streams. */
export function controlHandlers(source: MultiplexSource, registry: MuxRegistry) {
  const loaders = new Map<ResourceRuntime, IncludeLoader>();
  const includesOf = (rt: ResourceRuntime) => {
    let loader = loaders.get(rt);
    if (!loader) loaders.set(rt, (loader = includeLoader(rt)));
    return loader;
  };

  /** Validates, connects and starts a channel's subscription; a Response when it cannot. */
  async function open(c: Context, mux: MuxStream, request: ChannelRequest, rt: ResourceRuntime, channel: ReturnType<typeof pendingChannel>): Promise<Response | undefined> {
    const { channelId } = request;
    let live: { connect(): Promise<void>; close(): void; run(): unknown };
    try {
      if (request.kind === "aggregate") {
        const create = await prepareLiveAggregate(rt, c, request.aggregate, request.params.filter);
        live = create(aggregateChannelOutput(mux, channelId, channel), () => mux.release(channelId, channel));
      } else {
        const create = await prepareSubscription(rt, c, request.params, includesOf(rt));
        live = create(subscriptionChannelOutput(mux, channelId, channel), () => mux.release(channelId, channel));
      }
      await live.connect();
    } catch (error) {
      if (error instanceof SlotLimitError) return problem(429, "Too many subscriptions", error.message);
      if (error instanceof ResourceError && error.status < 500) {
        const errors = error.extras.errors as FieldError[] | undefined;
        return problem(400, "Invalid subscription", error.detail, errors ? { errors } : {});
      }
      source.realtime.logger.error(`Multiplexed channel on ${rt.model.name} failed to start`, { error: String(error) });
      return problem(500, "Subscription failed", !isProduction() && error instanceof Error ? error.message : "The subscription could not be started");
    }
    // From here the stream can end the channel; if it already did, this closes it at once.
    channel.attach(live);
    if (!mux.open) {
      live.close();
      return streamNotFound();
    }
    // Unsubscribed while it was being set up: nothing more to start.
    if (!mux.holds(channelId, channel)) {
      live.close();
      return undefined;
    }
    void live.run();
    return undefined;
  }

  return {
    /** `POST /__covara/stream/:cid/subscribe`. */
    async subscribe(c: Context): Promise<Response> {
      const mux = registry.get(c.req.param("cid") ?? "");
      if (!mux) return streamNotFound();
      if (mux.owner !== ownerOf(c)) return problem(403, "Forbidden", "The stream belongs to another user");
      let request: ChannelRequest;
      try {
        request = channelRequest(await readJsonBody(c, CONTROL_BODY_LIMIT));
      } catch (error) {
        if (error instanceof ControlBodyError) return problem(400, "Invalid subscription", error.message);
        if (error instanceof ResourceError) return problem(error.status, "Invalid subscription", error.detail);
        throw error;
      }
      const { channelId } = request;
      if (mux.has(channelId)) return problem(409, "Channel already exists", `Channel '${channelId}' is already open on this stream`);
      if (mux.channels >= mux.maxChannels) return problem(429, "Too many channels", `Maximum ${mux.maxChannels} channels per connection`);
      const rt = resourceAt(source, request.resource, request.kind);
      if (!rt) return problem(404, "Resource not found", `No subscribable resource at '${request.resource}'`);
      const channel = pendingChannel();
      // Nothing was awaited since `has`: only an ended stream can refuse the claim.
      if (!mux.claim(channelId, channel)) return streamNotFound();
      const refused = await open(c, mux, request, rt, channel);
      if (refused) {
        mux.release(channelId, channel);
        return refused;
      }
      return c.json({ ok: true, channelId });
    },

    /** `POST /__covara/stream/:cid/unsubscribe`: 200 for unknown streams and channels too. */
    async unsubscribe(c: Context): Promise<Response> {
      const mux = registry.get(c.req.param("cid") ?? "");
      if (mux && mux.owner !== ownerOf(c)) return problem(403, "Forbidden", "The stream belongs to another user");
      let channelId: string | undefined;
      try {
        channelId = unsubscribeChannel(await readJsonBody(c, CONTROL_BODY_LIMIT));
      } catch {
        channelId = undefined;
      }
      if (mux && channelId !== undefined) mux.closeChannel(channelId);
      return c.json({ ok: true });
    },
  };
}

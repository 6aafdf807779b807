/**
 * Multiplexing (spec 20 §10): one SSE stream per client at `GET /__covara/stream`, carrying any
 * number of subscriptions and live aggregates as channels opened and closed by control POSTs.
 * The streams are registered per app and held for graceful shutdown. Mounted by `createCovara`
 * at a fixed path, whatever the `basePath`.
 * @module
 */
import { Hono, type Context } from "hono";
import { SSE_HEADERS } from "../sse.js";
import { nodeTargetOf } from "../node-target.js";
import { controlHandlers, ownerOf, type MultiplexSource } from "./control.js";
import { MuxRegistry, MuxStream } from "./stream.js";

/** `createCovara({ multiplex })` settings. */
export interface MultiplexOptions {
  /** Channels one stream may carry; default 200. */
  maxChannelsPerConnection?: number;
  /** Heartbeat interval; default the app's `sse.heartbeatMs` (20000 ms). */
  heartbeatMs?: number;
  /** Outbound queue high-water mark of the shared stream; default 262144 bytes. */
  maxQueueBytes?: number;
}

/** The fixed mount path of the shared stream. */
export const MULTIPLEX_PATH = "/__covara/stream";

/** The router of `GET /`, `POST /:cid/subscribe` and `POST /:cid/unsubscribe`. */
export function multiplexRouter(source: MultiplexSource, options: MultiplexOptions = {}): Hono {
  const registry = new MuxRegistry();
  const control = controlHandlers(source, registry);
  const router = new Hono();

  router.get("/", (c: Context) => {
    // HEAD says the stream exists without opening one.
    if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
    const sse = source.realtime.options.sse ?? {};
    let release: (() => void) | undefined;
    const mux: MuxStream = new MuxStream({
      owner: ownerOf(c),
      heartbeatMs: options.heartbeatMs ?? sse.heartbeatMs ?? 20_000,
      maxQueueBytes: options.maxQueueBytes ?? 262_144,
      onBackpressure: sse.onBackpressure ?? "invalidate",
      maxChannels: options.maxChannelsPerConnection ?? 200,
      target: nodeTargetOf(c.env),
      onClose: () => {
        registry.delete(mux);
        release?.();
      },
    });
    // The first frame goes out before any store is touched (spec 20 §10.1).
    mux.ready();
    registry.add(mux);
    release = source.realtime.hold(mux);
    return mux.response(SSE_HEADERS);
  });
  router.post("/:cid/subscribe", (c) => control.subscribe(c));
  router.post("/:cid/unsubscribe", (c) => control.unsubscribe(c));
  return router;
}

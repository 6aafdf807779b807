/**
 * The transport side of one multiplexed channel: a subscription's or live aggregate's output
 * written as `mux` frames on the shared stream. `d` is exactly the payload the standalone stream
 * would carry (spec 20 §10.4), so a channel sees the frames a standalone stream would.
 * @module
 */
import type { AggregateOutput } from "../live-aggregate.js";
import type { LiveOutput } from "../subscription.js";
import type { MuxChannel, MuxStream } from "./stream.js";

/**
 * Sends only while `channel` still holds its id: a frame still in flight when the channel was
 * unsubscribed must not reach a later channel that reuses the id.
 */
function guardedSend(mux: MuxStream, channelId: string, channel: MuxChannel): (...args: SendArgs) => boolean {
  return (...args) => mux.holds(channelId, channel) && mux.send(channelId, ...args);
}

type SendArgs = Parameters<MuxStream["send"]> extends [string, ...infer Rest] ? Rest : never;

/** A resource subscription's output on channel `channelId` (held by `channel`). */
export function subscriptionChannelOutput(mux: MuxStream, channelId: string, channel: MuxChannel): LiveOutput {
  const send = guardedSend(mux, channelId, channel);
  return {
    get open() {
      return mux.holds(channelId, channel);
    },
    connected: (seq) => void send("connected", { seq }),
    initial: (event, id) => void send("message", event, { id }),
    live: (event, id) => void send("message", event, { id, live: true }),
    synced: (seq) => void send("synced", { seq }, { id: seq }),
    error: (message) => void send("error", { error: message }),
    drained: () => mux.drained(),
    end: () => mux.release(channelId, channel),
  };
}

/** A live aggregate's output on channel `channelId` (held by `channel`). */
export function aggregateChannelOutput(mux: MuxStream, channelId: string, channel: MuxChannel): AggregateOutput {
  const send = guardedSend(mux, channelId, channel);
  return {
    get open() {
      return mux.holds(channelId, channel);
    },
    connected: (seq) => void send("connected", { seq }),
    aggregate: (body, live) => send("aggregate", body, { id: body.seq, live }),
    error: (message) => void send("error", { error: message }),
    end: () => mux.release(channelId, channel),
  };
}

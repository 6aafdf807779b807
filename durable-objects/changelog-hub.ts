/**
 * `ChangelogHub`: one resource's hub as a Durable Object (spec 20 §0), addressed by name
 * `hub:<resource>`. A thin shell over `SqlChangelog` on the object's SQLite storage, plus fan-out
 * to WebSockets accepted with the hibernation API, so an idle hub is evicted while its
 * subscribers stay connected (DESIGN.md "Realtime in more detail"). The same request handler
 * also runs inside `KvStoreObject`, for apps that bind only `COVARA_KV`. An instance may also
 * serve as a fan-out shard `hub:<resource>#<i>` of a sharded resource (hub-fanout.ts). No
 * `cloudflare:workers` import: structural types keep the module loadable in Node.
 * @module
 */
import { SqlChangelog, type HubSql } from "../src/realtime/hub-sql.js";
import type { ChangeInput, ChangelogRetention, ChangelogWindow, ChangeEntry } from "../src/realtime/types.js";
import { FanOutSender, FanOutShard, type ForwardRequest } from "./hub-fanout.js";
import { HubPeers } from "./hub-peers.js";
import { BadRequest, broadcast, closeSocket, MAX_CLAIMS, newWebSocketPair, openSockets, reply, send, tag, type Attachment } from "./hub-sockets.js";

/** A server-side hibernatable WebSocket, as far as the hub uses it. */
export interface HubSocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
  readonly readyState: number;
}

/** The part of `DurableObjectState` the hub uses (structural: no Cloudflare types needed). */
export interface HubObjectState {
  storage: { sql: HubSql };
  acceptWebSocket(ws: HubSocket, tags?: string[]): void;
  getWebSockets(tag?: string): HubSocket[];
  /** The object's id: a sharded hub finds its own namespace by it (hub-peers.ts). */
  readonly id?: { toString(): string };
  /** Keeps forwards to fan-out shards going after the append's response. */
  waitUntil?(promise: Promise<unknown>): void;
  /** Loopback bindings of the Worker's exports, where the runtime provides them. */
  readonly exports?: object;
}

/** Origin of hub requests; the KV object routes requests for this host to its hub handler. */
export const HUB_ORIGIN = "https://covara-hub.internal";

/**
 * One changelog operation as it travels from `createDurableObjectHub` to the object (JSON), or
 * between the objects of a sharded resource: a fan-out shard asks the primary for the `window`
 * naming itself (`shard`), and the primary `forward`s appended entries to the shards.
 */
export type HubRequest =
  | { op: "append"; resource: string; changes: ChangeInput[]; retention?: ChangelogRetention }
  | { op: "window"; resource: string; retention?: ChangelogRetention; shard?: number }
  | { op: "since"; resource: string; after: number; limit: number; retention?: ChangelogRetention }
  | { op: "forward"; resource: string; shard: number; entries: ChangeEntry[] };

/**
 * What a connect upgrade carries (JSON in the `q` search parameter). `shard`: the object is fan-out
 * shard `shard` of the resource. `hold`: the socket only holds its claims' slots (no window, no
 * entries), for a sharded connection whose claims live on other shards than its delivery socket.
 */
export interface HubConnectRequest {
  resource: string;
  claims?: { key: string; limit: number }[];
  retention?: ChangelogRetention;
  shard?: number;
  hold?: boolean;
}

/**
 * Reply of a changelog operation, or of a refused upgrade: `SLOT_LIMIT` (status 429) names the
 * index of the first claim that is over its limit.
 */
export type HubReply =
  | { ok: true; value: unknown }
  | { ok: false; code: "INVALID_ARGUMENT"; message: string }
  | { ok: false; code: "SLOT_LIMIT"; claim: number };

/** Messages the object sends down a subscriber socket. The window always comes first. */
export type HubSocketMessage = { type: "window"; window: ChangelogWindow } | { type: "entries"; entries: ChangeEntry[] };

/**
 * The hub's request and WebSocket handling, shared by `ChangelogHub` and `KvStoreObject`. Tables
 * are created on first use, so a KV shard that never serves a hub request holds none of them.
 */
export class ChangelogHubHandler {
  #log: SqlChangelog | undefined;
  #sender: FanOutSender | undefined;
  #shard: FanOutShard | undefined;
  readonly #peers: HubPeers;

  /** `env` is the Worker's env: a sharded resource's objects find their namespace in it. */
  constructor(
    private readonly ctx: HubObjectState,
    env?: unknown,
  ) {
    this.#peers = new HubPeers(ctx, env);
  }

  /** Whether a request to a shared object is meant for its hub (see `HUB_ORIGIN`). */
  static matches(request: Request): boolean {
    return request.url.startsWith(`${HUB_ORIGIN}/`);
  }

  private get log(): SqlChangelog {
    return (this.#log ??= new SqlChangelog(this.ctx.storage.sql));
  }

  /** The primary's forwarding to its fan-out shards (a no-op while none registered). */
  private get sender(): FanOutSender {
    return (this.#sender ??= new FanOutSender(this.ctx, this.ctx.storage.sql, this.#peers));
  }

  /** This object's role as a fan-out shard, once a sharded connect or forward reaches it. */
  private get shard(): FanOutShard {
    return (this.#shard ??= new FanOutShard(this.ctx, this.ctx.storage.sql, this.#peers));
  }

  /** Serves a WebSocket upgrade (`connect`) or a POSTed JSON `HubRequest`. */
  async fetch(request: Request): Promise<Response> {
    try {
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return await this.connect(request);
      let body: HubRequest;
      try {
        body = (await request.json()) as HubRequest;
      } catch {
        throw new BadRequest("body must be a JSON hub request");
      }
      if (body?.op === "forward") {
        checkResource(body.resource);
        return reply({ ok: true, value: await this.shard.forward(body as ForwardRequest) }, 200);
      }
      return reply({ ok: true, value: this.run(body) }, 200);
    } catch (err) {
      if (err instanceof BadRequest) return reply({ ok: false, code: "INVALID_ARGUMENT", message: err.message }, 400);
      throw err;
    }
  }

  private run(request: HubRequest): unknown {
    if (request === null || typeof request !== "object") throw new BadRequest("request must be an object");
    const resource = checkResource(request.resource);
    switch (request.op) {
      case "append": {
        if (!Array.isArray(request.changes)) throw new BadRequest("changes must be an array");
        const entries = this.log.append(resource, request.changes, request.retention);
        // Sent in the same synchronous step as the append: the object is single-threaded, so
        // every socket receives the appends in seq order (and each shard's queue fills in order).
        if (entries.length > 0) {
          broadcast(this.ctx, resource, entries);
          this.sender.forward(resource, entries);
        }
        return entries;
      }
      case "window":
        // A shard asking for a window is about to hand it to a new socket: from this step on,
        // every entry after it is forwarded to that shard.
        if (request.shard !== undefined) this.sender.register(resource, checkShard(request.shard));
        return this.log.window(resource, request.retention);
      case "since":
        if (!Number.isFinite(request.after) || !Number.isFinite(request.limit)) throw new BadRequest("after and limit must be numbers");
        return this.log.since(resource, request.after, request.limit, request.retention);
      default:
        throw new BadRequest(`unknown operation ${String((request as { op?: unknown }).op)}`);
    }
  }

  private async connect(request: Request): Promise<Response> {
    let params: HubConnectRequest;
    try {
      params = JSON.parse(new URL(request.url).searchParams.get("q") ?? "") as HubConnectRequest;
    } catch {
      throw new BadRequest("connect needs a JSON `q` parameter");
    }
    const resource = checkResource(params?.resource);
    const claims = params.claims ?? [];
    if (!Array.isArray(claims) || claims.length > MAX_CLAIMS) throw new BadRequest(`at most ${MAX_CLAIMS} claims per connection`);
    for (const claim of claims) {
      if (typeof claim?.key !== "string" || !Number.isFinite(claim.limit)) throw new BadRequest("a claim needs a key and a limit");
    }
    const shard = params.shard === undefined ? undefined : checkShard(params.shard);
    // Hashing (async) happens first; from here on nothing awaits (a shard awaits the primary's
    // window before `admit`), so counting the slots, registering the socket and reading the
    // window form one step no request can split.
    const claimTags = await Promise.all(claims.map((claim) => tag("claim:", claim.key)));
    const attachment: Attachment = { resource, claims: claims.map((claim) => claim.key) };
    if (params.hold === true) return this.admit(claims, claimTags, [], { ...attachment, hold: true });
    const tags = [await tag("r:", resource)];
    if (shard === undefined) return this.admit(claims, claimTags, tags, attachment, this.log.window(resource, params.retention));
    return this.shard.connect(resource, shard, params.retention, (window) => this.admit(claims, claimTags, tags, { ...attachment, after: window.head }, window));
  }

  /**
   * Refuses the connection (429 `SLOT_LIMIT`) if a claim is full, else accepts the socket with
   * its tags and sends the window first (a slot-holding socket gets no window).
   */
  private admit(claims: { limit: number }[], claimTags: string[], tags: string[], attachment: Attachment, window?: ChangelogWindow): Response {
    const refused = claimTags.findIndex((claimTag, i) => openSockets(this.ctx, claimTag).length >= claims[i]!.limit);
    if (refused >= 0) return reply({ ok: false, code: "SLOT_LIMIT", claim: refused }, 429);
    const pair = newWebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [...new Set([...tags, ...claimTags])]);
    server.serializeAttachment(attachment);
    if (window) send(server, JSON.stringify({ type: "window", window } satisfies HubSocketMessage));
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  /** Subscribers only listen; anything they send is ignored. */
  webSocketMessage(_ws: HubSocket, _message: string | ArrayBuffer): void {}

  /** Completes the closing handshake. The socket's slots were freed when it stopped being open. */
  webSocketClose(ws: HubSocket, _code: number, _reason: string, _wasClean: boolean): void {
    // The runtime may answer the close frame itself, in which case this close is a no-op.
    closeSocket(ws, 1000, "closed");
  }

  /** A broken socket is simply dropped: it leaves `getWebSockets`, and with it its slots. */
  webSocketError(ws: HubSocket, _error: unknown): void {
    closeSocket(ws, 1011, "error");
  }
}

/**
 * The hub Durable Object. Bind it as `COVARA_HUB` (optional: without it, hubs run as named
 * instances of the KV object) and re-export it from the Worker entry.
 * @example
 * ```ts
 * // src/index.ts
 * export { ChangelogHub } from "covara/cloudflare";
 * ```
 * ```toml
 * [[durable_objects.bindings]]
 * name = "COVARA_HUB"
 * class_name = "ChangelogHub"
 * [[migrations]]
 * tag = "v2"
 * new_sqlite_classes = ["ChangelogHub"]
 * ```
 */
export class ChangelogHub {
  private readonly hub: ChangelogHubHandler;

  constructor(ctx: HubObjectState, env?: unknown) {
    this.hub = new ChangelogHubHandler(ctx, env);
  }

  /** Serves one hub request (see `ChangelogHubHandler.fetch`). */
  fetch(request: Request): Promise<Response> {
    return this.hub.fetch(request);
  }

  /** Hibernation event: a subscriber sent a message. */
  webSocketMessage(ws: HubSocket, message: string | ArrayBuffer): void {
    this.hub.webSocketMessage(ws, message);
  }

  /** Hibernation event: a subscriber closed its socket. */
  webSocketClose(ws: HubSocket, code: number, reason: string, wasClean: boolean): void {
    this.hub.webSocketClose(ws, code, reason, wasClean);
  }

  /** Hibernation event: a subscriber socket failed. */
  webSocketError(ws: HubSocket, error: unknown): void {
    this.hub.webSocketError(ws, error);
  }
}

function checkResource(resource: unknown): string {
  if (typeof resource !== "string" || resource === "") throw new BadRequest("resource must be a non-empty string");
  return resource;
}

function checkShard(shard: unknown): number {
  if (typeof shard !== "number" || !Number.isInteger(shard) || shard < 0) throw new BadRequest("shard must be a non-negative integer");
  return shard;
}

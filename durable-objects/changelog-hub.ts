/**
 * `ChangelogHub`: one resource's hub as a Durable Object (spec 20 §0), addressed by name
 * `hub:<resource>`. A thin shell over `SqlChangelog` on the object's SQLite storage, plus fan-out
 * to WebSockets accepted with the hibernation API, so an idle hub is evicted while its
 * subscribers stay connected (DESIGN.md "Realtime in more detail"). The same request handler
 * also runs inside `KvStoreObject`, for apps that bind only `COVARA_KV`. No `cloudflare:workers`
 * import: structural types keep the module loadable in Node.
 * @module
 */
import { SqlChangelog, type HubSql } from "../src/realtime/hub-sql.js";
import type { ChangeInput, ChangelogRetention, ChangelogWindow, ChangeEntry } from "../src/realtime/types.js";

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
}

/** Origin of hub requests; the KV object routes requests for this host to its hub handler. */
export const HUB_ORIGIN = "https://covara-hub.internal";

/** One changelog operation as it travels from `createDurableObjectHub` to the object (JSON). */
export type HubRequest =
  | { op: "append"; resource: string; changes: ChangeInput[]; retention?: ChangelogRetention }
  | { op: "window"; resource: string; retention?: ChangelogRetention }
  | { op: "since"; resource: string; after: number; limit: number; retention?: ChangelogRetention };

/** What a connect upgrade carries (JSON in the `q` search parameter). */
export interface HubConnectRequest {
  resource: string;
  claims?: { key: string; limit: number }[];
  retention?: ChangelogRetention;
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

/** Per-connection state kept with the socket through hibernation (`serializeAttachment`). */
interface Attachment {
  resource: string;
  claims: string[];
}

/** `WebSocket.OPEN`: sockets in any other state hold no slot. */
const OPEN = 1;
/** Workers caps a socket at 10 tags (one goes to the resource) of at most 256 characters each. */
const MAX_CLAIMS = 9;
const MAX_TAG_LENGTH = 256;
/**
 * Characters of entry JSON per socket message: at most 3 UTF-8 bytes each, so a message stays
 * under the 1 MiB that older Workers runtimes accept.
 */
const MESSAGE_BUDGET = 256 * 1024;

class BadRequest extends Error {}

/**
 * The hub's request and WebSocket handling, shared by `ChangelogHub` and `KvStoreObject`. Tables
 * are created on first use, so a KV shard that never serves a hub request holds none of them.
 */
export class ChangelogHubHandler {
  #log: SqlChangelog | undefined;

  constructor(private readonly ctx: HubObjectState) {}

  /** Whether a request to a shared object is meant for its hub (see `HUB_ORIGIN`). */
  static matches(request: Request): boolean {
    return request.url.startsWith(`${HUB_ORIGIN}/`);
  }

  private get log(): SqlChangelog {
    return (this.#log ??= new SqlChangelog(this.ctx.storage.sql));
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
        // every socket receives the appends in seq order.
        if (entries.length > 0) this.broadcast(resource, entries);
        return entries;
      }
      case "window":
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
    // Hashing (async) happens first; from here on nothing awaits, so counting the slots,
    // registering the socket and reading the window form one step no request can split.
    const claimTags = await Promise.all(claims.map((claim) => tag("claim:", claim.key)));
    const resourceTag = await tag("r:", resource);
    const refused = claimTags.findIndex((claimTag, i) => this.open(claimTag).length >= claims[i]!.limit);
    if (refused >= 0) return reply({ ok: false, code: "SLOT_LIMIT", claim: refused }, 429);

    const pair = newWebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [...new Set([resourceTag, ...claimTags])]);
    const attachment: Attachment = { resource, claims: claims.map((claim) => claim.key) };
    server.serializeAttachment(attachment);
    send(server, JSON.stringify({ type: "window", window: this.log.window(resource, params.retention) } satisfies HubSocketMessage));
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  /** Open sockets carrying `tag`: a socket whose close is under way no longer holds its slots. */
  private open(tag: string): HubSocket[] {
    return this.ctx.getWebSockets(tag).filter((ws) => ws.readyState === OPEN);
  }

  /**
   * Sends appended entries to the resource's open sockets, in as few messages as fit the budget:
   * Workers refuses received messages over its size limit (1 MiB on older runtimes) by closing
   * the socket, and a closed socket makes its holder resume through `since` rather than lose
   * entries silently.
   */
  private broadcast(resource: string, entries: ChangeEntry[]): void {
    // Tags longer than the limit were hashed at connect; resource names that long are not
    // expected, so broadcasting falls back to the attachment for them rather than hashing here.
    const resourceTag = `r:${resource}`;
    const sockets = (
      resourceTag.length <= MAX_TAG_LENGTH
        ? this.ctx.getWebSockets(resourceTag)
        : this.ctx.getWebSockets().filter((ws) => (ws.deserializeAttachment() as Attachment | null)?.resource === resource)
    ).filter((ws) => ws.readyState === OPEN);
    if (sockets.length === 0) return;
    for (const message of entryMessages(entries)) for (const ws of sockets) send(ws, message);
  }

  /** Subscribers only listen; anything they send is ignored. */
  webSocketMessage(_ws: HubSocket, _message: string | ArrayBuffer): void {}

  /** Completes the closing handshake. The socket's slots were freed when it stopped being open. */
  webSocketClose(ws: HubSocket, _code: number, _reason: string, _wasClean: boolean): void {
    try {
      ws.close(1000, "closed");
    } catch {
      // Already closed (the runtime may answer the close frame itself).
    }
  }

  /** A broken socket is simply dropped: it leaves `getWebSockets`, and with it its slots. */
  webSocketError(ws: HubSocket, _error: unknown): void {
    try {
      ws.close(1011, "error");
    } catch {
      // Already closed.
    }
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

  constructor(ctx: HubObjectState, _env?: unknown) {
    this.hub = new ChangelogHubHandler(ctx);
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

/** A socket tag within the runtime's length limit: long values are replaced by their SHA-256. */
async function tag(prefix: string, value: string): Promise<string> {
  if (prefix.length + value.length <= MAX_TAG_LENGTH) return prefix + value;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return `${prefix}#${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** `new WebSocketPair()`, looked up at run time: the global exists only in workerd. */
function newWebSocketPair(): { 0: HubSocket; 1: HubSocket } {
  const Pair = (globalThis as { WebSocketPair?: new () => { 0: HubSocket; 1: HubSocket } }).WebSocketPair;
  if (!Pair) throw new Error("WebSocketPair is only available on Cloudflare Workers");
  return new Pair();
}

/**
 * `entries` as `HubSocketMessage` JSON strings of at most `MESSAGE_BUDGET` characters each (an
 * entry larger than that travels alone), in seq order.
 */
function entryMessages(entries: ChangeEntry[]): string[] {
  const messages: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) messages.push(`{"type":"entries","entries":[${batch.join(",")}]}`);
    batch = [];
    size = 0;
  };
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    if (size + json.length > MESSAGE_BUDGET) flush();
    batch.push(json);
    size += json.length + 1;
  }
  flush();
  return messages;
}

function send(ws: HubSocket, message: string): void {
  try {
    ws.send(message);
  } catch {
    // Closing tells the holder (onLost) to resume from its last seq instead of missing entries.
    try {
      ws.close(1011, "send failed");
    } catch {
      // Already closed: its close event releases it.
    }
  }
}

function reply(body: HubReply, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

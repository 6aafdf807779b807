/**
 * The `HubBackend` that talks to per-resource hub objects (`ChangelogHub`, or `KvStoreObject`
 * instances named `hub:<resource>`). Changelog operations are JSON requests; each `connect` opens
 * its own WebSocket inside the caller's request, since Workers forbids using one request's I/O
 * objects from another (spec 30-deploy §5.4). With `shards`, connects go to the resource's
 * fan-out objects `hub:<resource>#<i>` instead (hub-fanout.ts). Stubs are derived per operation
 * and never kept, so the backend itself is safe to memoise at module scope. No Cloudflare
 * imports: loads in Node.
 * @module
 */
import {
  SlotLimitError,
  type ChangeEntry,
  type ChangeInput,
  type ChangelogRetention,
  type ChangelogWindow,
  type HubBackend,
  type HubConnectOptions,
  type HubConnection,
  type SlotClaim,
} from "../src/realtime/types.js";
import { HUB_ORIGIN, type HubConnectRequest, type HubReply, type HubRequest, type HubSocketMessage } from "./changelog-hub.js";
import { primaryName, shardName } from "./hub-peers.js";
import { shardOf } from "./kv-client.js";

/** What the client needs of a Durable Object stub. */
export interface HubObjectStub {
  fetch(input: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Response>;
}

/** What the client needs of a `DurableObjectNamespace` (`env.COVARA_HUB` or `env.COVARA_KV`). */
export interface HubObjectNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): HubObjectStub;
}

/** Options of `createDurableObjectHub`: retention, applied by the hub on every append, and sharding. */
export interface DurableObjectHubOptions extends ChangelogRetention {
  /**
   * Fan-out objects that hold a resource's subscriber sockets: one number for every resource, or
   * a number per resource name (others get 1). With 1 (the default) the resource's one object
   * `hub:<resource>` does everything. With K > 1, `hub:<resource>` still numbers and stores every
   * entry and answers `window`/`since`, and forwards each append to `hub:<resource>#0 … #K-1`,
   * which hold the sockets (see docs/realtime-scaling.md).
   */
  shards?: number | Record<string, number>;
}

/** The client end of a hub socket (a Workers `WebSocket` from `response.webSocket`). */
interface ClientSocket {
  accept(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
  close(code?: number, reason?: string): void;
}

/** Attempts for reads (window, since) on an error the runtime marks retryable and not overloaded. */
const READ_ATTEMPTS = 3;
/** How long `close()` of the backend waits for the hub to acknowledge each socket's close. */
const CLOSE_WAIT_MS = 1000;

function isRetryable(err: unknown): boolean {
  const e = err as { retryable?: unknown; overloaded?: unknown } | null;
  return e !== null && typeof e === "object" && e.retryable === true && e.overloaded !== true;
}

/** A `HubBackend` on Durable Objects: one object instance per resource. */
export class DurableObjectHub implements HubBackend {
  readonly kind = "durable-object";
  private readonly retention: ChangelogRetention;
  private readonly shards: number | Record<string, number>;
  /** Close functions of this backend's live connections, for `close()`. */
  private readonly live = new Set<() => Promise<void>>();

  constructor(
    private readonly namespace: HubObjectNamespace,
    options: DurableObjectHubOptions = {},
  ) {
    this.retention = { maxEntries: options.maxEntries, maxAgeMs: options.maxAgeMs };
    this.shards = checkShards(options.shards ?? 1);
  }

  /** A hub object by name, derived for this operation only (see the module header). */
  private stub(name: string): HubObjectStub {
    return this.namespace.get(this.namespace.idFromName(name));
  }

  /** How many fan-out objects hold `resource`'s sockets (1: the primary holds them). */
  private shardsOf(resource: string): number {
    return typeof this.shards === "number" ? this.shards : (Object.hasOwn(this.shards, resource) ? this.shards[resource]! : 1);
  }

  async append(resource: string, changes: ChangeInput[]): Promise<ChangeEntry[]> {
    // Never retried: without outbox ids a repeated append would number the changes twice.
    return (await this.send({ op: "append", resource, changes, retention: this.retention })) as ChangeEntry[];
  }

  async window(resource: string): Promise<ChangelogWindow> {
    return (await this.send({ op: "window", resource, retention: this.retention }, true)) as ChangelogWindow;
  }

  async since(resource: string, after: number, limit: number): Promise<ChangeEntry[]> {
    return (await this.send({ op: "since", resource, after, limit, retention: this.retention }, true)) as ChangeEntry[];
  }

  async connect(resource: string, deliver: (entries: ChangeEntry[]) => void, options: HubConnectOptions = {}): Promise<HubConnection> {
    const claims = options.claims ?? [];
    const shards = this.shardsOf(resource);
    if (shards === 1) {
      const params: HubConnectRequest = { resource, claims: wireClaims(claims), retention: this.retention };
      const ws = await this.upgrade(resource, primaryName(resource), params, claims);
      return this.open(resource, ws, [], deliver, options.onLost);
    }
    // Every claim is counted on the one shard its key hashes to, so limits stay exact across
    // shards. The socket that receives entries goes to the last claim's shard (Covara lists the
    // resource-wide claim first and the per-user or per-IP one last, so subscribers spread);
    // claims of other shards are held there by slot-only sockets.
    const home = (claim: SlotClaim) => shardOf(claim.key, shards);
    const delivery = claims.length > 0 ? home(claims[claims.length - 1]!) : Math.floor(Math.random() * shards);
    const elsewhere = new Map<number, SlotClaim[]>();
    for (const claim of claims) {
      const shard = home(claim);
      if (shard !== delivery) elsewhere.set(shard, [...(elsewhere.get(shard) ?? []), claim]);
    }
    const own = claims.filter((claim) => home(claim) === delivery);
    // The delivery socket first: a refusal there (the usual one, per user or IP) leaves nothing to undo.
    const ws = await this.upgrade(resource, shardName(resource, delivery), { resource, claims: wireClaims(own), retention: this.retention, shard: delivery }, own);
    const holds: ClientSocket[] = [];
    try {
      for (const [shard, group] of elsewhere) {
        holds.push(await this.upgrade(resource, shardName(resource, shard), { resource, claims: wireClaims(group), hold: true }, group));
      }
    } catch (err) {
      for (const socket of [ws, ...holds]) abandon(socket);
      throw err;
    }
    return this.open(resource, ws, holds, deliver, options.onLost);
  }

  /**
   * Opens one hub socket on the object `name` (not yet accepted, so no message is dispatched
   * before its listeners exist). A refused claim (429) becomes `SlotLimitError` for that claim.
   */
  private async upgrade(resource: string, name: string, params: HubConnectRequest, claims: SlotClaim[]): Promise<ClientSocket> {
    const url = `${HUB_ORIGIN}/connect?q=${encodeURIComponent(JSON.stringify(params))}`;
    let response: Response;
    try {
      response = await this.stub(name).fetch(url, { headers: { Upgrade: "websocket" } });
    } catch (err) {
      throw new Error(`Durable Object hub ${resource}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const ws = (response as Response & { webSocket?: ClientSocket | null }).webSocket;
    if (response.status !== 101 || !ws) {
      const reply = (await response.json().catch(() => null)) as HubReply | null;
      const refused = reply && !reply.ok && reply.code === "SLOT_LIMIT" ? claims[reply.claim] : undefined;
      if (refused) throw new SlotLimitError(refused);
      throw new Error(`Durable Object hub ${resource} refused the connection (${response.status})`);
    }
    return ws;
  }

  /**
   * Accepts the sockets, waits for the window message, then delivers entries until a socket
   * closes. `holds` only hold claim slots: losing one loses the connection too, since its slots
   * are gone.
   */
  private open(resource: string, ws: ClientSocket, holds: ClientSocket[], deliver: (entries: ChangeEntry[]) => void, onLost?: (reason: string) => void): Promise<HubConnection> {
    return new Promise((resolve, reject) => {
      let state: "opening" | "open" | "closed" = "opening";
      const sockets = [ws, ...holds];
      // `close()` resolves once the hub has acknowledged every socket's close.
      const gone = new Set<ClientSocket>();
      let acknowledged: () => void = () => {};
      const closed = new Promise<void>((done) => (acknowledged = done));
      const ack = (socket: ClientSocket) => {
        gone.add(socket);
        if (gone.size === sockets.length) acknowledged();
      };
      const closeAll = (code: number, reason: string) => {
        for (const socket of sockets) {
          if (gone.has(socket)) continue;
          try {
            socket.close(code, reason);
          } catch {
            ack(socket);
          }
        }
      };

      const close = (): Promise<void> => {
        if (state !== "closed") {
          state = "closed";
          this.live.delete(close);
          closeAll(1000, "closed");
        }
        return closed;
      };
      const lose = (socket: ClientSocket, reason: string) => {
        ack(socket);
        if (state === "closed") return;
        const was = state;
        state = "closed";
        this.live.delete(close);
        // The connection's other sockets deliver or hold its slots: let them go with it.
        closeAll(1000, "connection lost");
        if (was === "opening") reject(new Error(`Durable Object hub ${resource} closed the connection: ${reason}`));
        else onLost?.(reason);
      };

      ws.addEventListener("message", (event) => {
        if (state === "closed") return;
        let message: HubSocketMessage;
        try {
          message = JSON.parse(String(event.data)) as HubSocketMessage;
        } catch {
          try {
            ws.close(1002, "malformed hub message");
          } catch {
            // Already closing.
          }
          lose(ws, "malformed hub message");
          return;
        }
        if (message.type === "window" && state === "opening") {
          state = "open";
          this.live.add(close);
          resolve({ window: message.window, close: () => void close() });
        } else if (message.type === "entries" && state === "open") {
          deliver(message.entries);
        }
      });
      for (const socket of sockets) {
        socket.addEventListener("close", (event) => lose(socket, `hub socket closed (${event.code ?? "no code"}${event.reason ? `: ${event.reason}` : ""})`));
        socket.addEventListener("error", () => lose(socket, "hub socket error"));
        socket.accept();
      }
    });
  }

  /** Closes this backend's connections and waits (briefly) until the hubs have let them go. */
  async close(): Promise<void> {
    const closing = [...this.live].map((close) => close());
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS));
    await Promise.race([Promise.all(closing), timeout]);
  }

  private async send(request: HubRequest, idempotent = false): Promise<unknown> {
    const init = { method: "POST", body: JSON.stringify(request), headers: { "content-type": "application/json" } };
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.stub(primaryName(request.resource)).fetch(`${HUB_ORIGIN}/`, init);
        break;
      } catch (err) {
        // The runtime already retries calls that never reached the object; reads may also be
        // retried after an ambiguous failure, appends may not.
        if (idempotent && attempt < READ_ATTEMPTS && isRetryable(err)) {
          await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (0.5 + Math.random())));
          continue;
        }
        throw new Error(`Durable Object hub ${request.resource}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    const reply = (await response.json().catch(() => null)) as HubReply | null;
    if (reply?.ok) return reply.value;
    const detail = reply && !reply.ok && reply.code === "INVALID_ARGUMENT" ? reply.message : `status ${response.status}`;
    throw new Error(`Durable Object hub ${request.resource} refused ${request.op}: ${detail}`);
  }
}

/** The claims as a connect request carries them (the detail text stays in the Worker). */
function wireClaims(claims: SlotClaim[]): { key: string; limit: number }[] {
  return claims.map(({ key, limit }) => ({ key, limit }));
}

/** Lets go of a socket that was opened but will not be used. */
function abandon(socket: ClientSocket): void {
  try {
    socket.accept();
    socket.close(1000, "not used");
  } catch {
    // Already closed.
  }
}

/** Validates `shards`: a positive integer, for every resource or per resource name. */
function checkShards(shards: number | Record<string, number>): number | Record<string, number> {
  const values = typeof shards === "number" ? [shards] : Object.values(shards ?? {});
  for (const value of values) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`createDurableObjectHub: shards must be positive integers (got ${String(value)})`);
  }
  return typeof shards === "number" ? shards : { ...shards };
}

/**
 * Creates a `HubBackend` on a Durable Object namespace: the dedicated `ChangelogHub` binding, or
 * the KV binding, whose class serves hub instances too. `shards` spreads a hot resource's
 * subscribers over fan-out objects (e.g. `{ shards: { messages: 8 } }`; docs/realtime-scaling.md).
 * @example
 * ```ts
 * import { createDurableObjectHub } from "covara/cloudflare";
 * export default {
 *   async fetch(request: Request, env: { COVARA_KV: DurableObjectNamespace; COVARA_HUB?: DurableObjectNamespace }) {
 *     const hub = createDurableObjectHub(env.COVARA_HUB ?? env.COVARA_KV, { maxEntries: 10_000 });
 *     const [entry] = await hub.append("todos", [{ type: "create", objectId: "1", object: { id: 1 } }]);
 *     return Response.json({ seq: entry?.seq });
 *   },
 * };
 * ```
 */
export function createDurableObjectHub(namespace: HubObjectNamespace, options?: DurableObjectHubOptions): DurableObjectHub {
  return new DurableObjectHub(namespace, options);
}

/**
 * The `HubBackend` that talks to per-resource hub objects (`ChangelogHub`, or `KvStoreObject`
 * instances named `hub:<resource>`). Changelog operations are JSON requests; each `connect` opens
 * its own WebSocket inside the caller's request, since Workers forbids using one request's I/O
 * objects from another (spec 30-deploy §5.4). Stubs are derived per operation and never kept, so
 * the backend itself is safe to memoise at module scope. No Cloudflare imports: loads in Node.
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
} from "../src/realtime/types.js";
import { HUB_ORIGIN, type HubConnectRequest, type HubReply, type HubRequest, type HubSocketMessage } from "./changelog-hub.js";

/** What the client needs of a Durable Object stub. */
export interface HubObjectStub {
  fetch(input: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Response>;
}

/** What the client needs of a `DurableObjectNamespace` (`env.COVARA_HUB` or `env.COVARA_KV`). */
export interface HubObjectNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): HubObjectStub;
}

/** Options of `createDurableObjectHub`: retention, applied by the hub on every append. */
export interface DurableObjectHubOptions extends ChangelogRetention {}

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
  /** Close functions of this backend's live connections, for `close()`. */
  private readonly live = new Set<() => Promise<void>>();

  constructor(
    private readonly namespace: HubObjectNamespace,
    options: DurableObjectHubOptions = {},
  ) {
    this.retention = { maxEntries: options.maxEntries, maxAgeMs: options.maxAgeMs };
  }

  /** The resource's hub object, derived for this operation only (see the module header). */
  private stub(resource: string): HubObjectStub {
    return this.namespace.get(this.namespace.idFromName(`hub:${resource}`));
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
    const params: HubConnectRequest = { resource, claims: claims.map(({ key, limit }) => ({ key, limit })), retention: this.retention };
    const url = `${HUB_ORIGIN}/connect?q=${encodeURIComponent(JSON.stringify(params))}`;
    let response: Response;
    try {
      response = await this.stub(resource).fetch(url, { headers: { Upgrade: "websocket" } });
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
    ws.accept();
    return this.open(resource, ws, deliver, options.onLost);
  }

  /** Waits for the window message, then delivers entries until the socket closes. */
  private open(resource: string, ws: ClientSocket, deliver: (entries: ChangeEntry[]) => void, onLost?: (reason: string) => void): Promise<HubConnection> {
    return new Promise((resolve, reject) => {
      let state: "opening" | "open" | "closed" = "opening";
      let acknowledged: () => void = () => {};
      const closed = new Promise<void>((done) => (acknowledged = done));

      const close = (): Promise<void> => {
        if (state !== "closed") {
          state = "closed";
          this.live.delete(close);
          try {
            ws.close(1000, "closed");
          } catch {
            acknowledged();
          }
        }
        return closed;
      };
      const lose = (reason: string) => {
        acknowledged();
        if (state === "opening") reject(new Error(`Durable Object hub ${resource} closed the connection: ${reason}`));
        else if (state === "open") {
          state = "closed";
          this.live.delete(close);
          onLost?.(reason);
        }
        state = "closed";
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
          lose("malformed hub message");
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
      ws.addEventListener("close", (event) => lose(`hub socket closed (${event.code ?? "no code"}${event.reason ? `: ${event.reason}` : ""})`));
      ws.addEventListener("error", () => lose("hub socket error"));
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
        response = await this.stub(request.resource).fetch(`${HUB_ORIGIN}/`, init);
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

/**
 * Creates a `HubBackend` on a Durable Object namespace: the dedicated `ChangelogHub` binding, or
 * the KV binding, whose class serves hub instances too.
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

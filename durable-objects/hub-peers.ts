/**
 * How a hub object reaches the other objects of its resource (primary ↔ fan-out shards): object
 * names, finding its own namespace among the Worker's bindings, and one JSON hub call with retry
 * of reads. A Durable Object is not handed its namespace, so it looks for the binding whose
 * `idFromName(own name)` is its own id. No `cloudflare:workers` import.
 * @module
 */
import { HUB_ORIGIN, type HubObjectState, type HubReply, type HubRequest } from "./changelog-hub.js";

/** A Durable Object stub, as far as hub objects call each other. */
interface PeerStub {
  fetch(input: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Response>;
}

/** A `DurableObjectNamespace`, as far as hub objects use it. */
interface PeerNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): PeerStub;
}

/** Attempts for reads (window, since) on an error the runtime marks retryable and not overloaded. */
const READ_ATTEMPTS = 3;

/** The name of a resource's primary hub object: the one writer (and the only object when unsharded). */
export function primaryName(resource: string): string {
  return `hub:${resource}`;
}

/** The name of fan-out shard `shard` of a resource, an instance of the same class. */
export function shardName(resource: string, shard: number): string {
  return `hub:${resource}#${shard}`;
}

/**
 * A Durable Object namespace binding (or a loopback one from `ctx.exports`), told apart by its
 * tag: service bindings answer any method name with an RPC call, so duck typing would call
 * `idFromName` on other Workers.
 */
function isNamespace(value: unknown): value is PeerNamespace {
  return (typeof value === "object" || typeof value === "function") && value !== null && /DurableObjectNamespace\]$/.test(Object.prototype.toString.call(value));
}

function isRetryable(err: unknown): boolean {
  const e = err as { retryable?: unknown; overloaded?: unknown } | null;
  return e !== null && typeof e === "object" && e.retryable === true && e.overloaded !== true;
}

/** Calls between the objects of a resource, from inside one object. */
export class HubPeers {
  #namespace: PeerNamespace | undefined;

  constructor(
    private readonly ctx: HubObjectState,
    private readonly env: unknown,
  ) {}

  /**
   * The namespace this object belongs to, found once: the binding (or `ctx.exports` entry) that
   * maps `ownName` to this object's id. Ids are derived per namespace, so only the own one matches.
   */
  private namespace(ownName: string): PeerNamespace {
    if (this.#namespace) return this.#namespace;
    const own = this.ctx.id === undefined ? undefined : String(this.ctx.id);
    const candidates = [...Object.values((this.env ?? {}) as object), ...Object.values(this.ctx.exports ?? {})];
    for (const candidate of candidates) {
      if (own === undefined || !isNamespace(candidate)) continue;
      try {
        if (String(candidate.idFromName(ownName)) === own) return (this.#namespace = candidate);
      } catch {
        // A namespace that refuses the name (e.g. restricted to unique ids): not ours.
      }
    }
    throw new Error(`hub object ${ownName} cannot find its own Durable Object binding: bind its class in the Worker that defines it`);
  }

  /**
   * Sends `request` to the object named `to`, on behalf of this object named `ownName`. Reads
   * are retried like the client's; a forward is not (the next one closes any gap).
   */
  async call(ownName: string, to: string, request: HubRequest): Promise<unknown> {
    const namespace = this.namespace(ownName);
    const init = { method: "POST", body: JSON.stringify(request), headers: { "content-type": "application/json" } };
    const idempotent = request.op === "window" || request.op === "since";
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await namespace.get(namespace.idFromName(to)).fetch(`${HUB_ORIGIN}/`, init);
        break;
      } catch (err) {
        if (idempotent && attempt < READ_ATTEMPTS && isRetryable(err)) {
          await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (0.5 + Math.random())));
          continue;
        }
        throw new Error(`hub object ${to}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    const reply = (await response.json().catch(() => null)) as HubReply | null;
    if (reply?.ok) return reply.value;
    const detail = reply && !reply.ok && reply.code === "INVALID_ARGUMENT" ? reply.message : `status ${response.status}`;
    throw new Error(`hub object ${to} refused ${request.op}: ${detail}`);
  }
}

/**
 * Direct SSE writes on Node. `@hono/node-server` pumps a `Response` body through a web
 * `ReadableStream` reader: a promise and several allocations per chunk per subscriber, which at
 * a thousand subscribers was a third of the fan-out time, and the stream objects themselves a
 * good part of each idle subscriber's memory. When `startServer` serves the request it offers its
 * `ServerResponse` here; an SSE route then writes frames straight to it, and `startServer` sends
 * the head from the route's `Response` (status and headers, after every middleware) and tells
 * the adapter the response is already sent. Under any other adapter nothing is offered and the
 * stream stays a `ReadableStream`. Structural types only: this module is bundled for Workers too.
 * @module
 */

/** The part of Node's `ServerResponse` an SSE stream writes to. */
export interface NodeTarget {
  write(chunk: string, callback?: () => void): boolean;
  end(): void;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  on(event: "close", listener: () => void): unknown;
  getHeaders(): Record<string, number | string | string[] | undefined>;
  removeHeader(name: string): void;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** A stream that can take over a Node response once its head is known. */
export interface AttachableStream {
  attach(target: NodeTarget, status: number, headers: Record<string, string | string[]>): void;
  close(): void;
}

/** Responses `startServer` serves: only these may be written to directly. */
const offered = new WeakSet<object>();
/** The stream waiting for each offered response's head. */
const claimed = new WeakMap<object, AttachableStream>();

/** Called by `startServer` for every request it serves. */
export function offerNodeTarget(outgoing: object): void {
  offered.add(outgoing);
}

/** The request's Node response when a stream may write to it directly. */
export function nodeTargetOf(env: unknown): NodeTarget | undefined {
  const outgoing = (env as { outgoing?: NodeTarget } | undefined)?.outgoing;
  return outgoing !== undefined && offered.has(outgoing) ? outgoing : undefined;
}

/**
 * Registers `stream` as the writer of `target`'s body (the route returns a body-less Response).
 * A claim that comes after the answer was sent (a timeout middleware answered first) closes the
 * stream at once: nothing would ever attach it.
 */
export function claimNodeTarget(target: NodeTarget, stream: AttachableStream): void {
  if (!offered.has(target)) {
    stream.close();
    return;
  }
  claimed.set(target, stream);
}

/** The marker `@hono/node-server` reads to leave a response alone. */
const ALREADY_SENT = "x-hono-already-sent";

/**
 * After the app answered: when a stream claimed `outgoing` and the answer is still its body-less
 * event stream, writes the head, hands the response to the stream and returns the adapter's
 * "already sent" marker. Any other answer (an error a later middleware made, say) wins and the
 * stream is closed. Returns `response` when there is nothing to take over.
 */
export function takeOverNodeTarget(outgoing: NodeTarget, response: Response): Response {
  offered.delete(outgoing);
  const stream = claimed.get(outgoing);
  if (stream === undefined) return response;
  claimed.delete(outgoing);
  if (response.body !== null || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    stream.close();
    return response;
  }
  const headers: Record<string, string | string[]> = {};
  // Headers set on the Node response beforehand (security headers) move into the head: left
  // there, Node keeps a record of them for the life of the stream.
  const preset = outgoing.getHeaders();
  for (const name in preset) {
    const value = preset[name];
    if (value !== undefined) headers[name] = typeof value === "number" ? String(value) : value;
    outgoing.removeHeader(name);
  }
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  stream.attach(outgoing, response.status, headers);
  // Node keeps the head it wrote as a string of ~50 concatenated pieces (1.6 KB per stream);
  // reading a character flattens it in place to one string of its length.
  const head = (outgoing as { _header?: unknown })._header;
  if (typeof head === "string") head.charCodeAt(0);
  const sent = new Response(null, { headers: { [ALREADY_SENT]: "1" } });
  // The adapter's own light Response takes a shortcut that ignores the marker until its body is
  // read once (which turns it into a standard Response); with the standard one this is a no-op.
  void sent.body;
  return sent;
}

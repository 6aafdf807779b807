/**
 * Socket plumbing shared by a hub object's two roles (the primary of a resource and its fan-out
 * shards, see hub-fanout.ts): socket tags, the per-socket attachment, broadcasting entries in
 * budgeted messages, and JSON replies. No `cloudflare:workers` import.
 * @module
 */
import type { ChangeEntry } from "../src/realtime/types.js";
import type { HubObjectState, HubReply, HubSocket } from "./changelog-hub.js";

/**
 * Per-connection state kept with the socket through hibernation (`serializeAttachment`).
 * `after`: on a fan-out shard, the window head the socket was given (it needs entries after it
 * only). `hold`: the socket only holds claim slots and receives nothing.
 */
export interface Attachment {
  resource: string;
  claims: string[];
  after?: number;
  hold?: true;
}

/** A request the hub refuses with 400 `INVALID_ARGUMENT`. */
export class BadRequest extends Error {}

/** `WebSocket.OPEN`: sockets in any other state hold no slot. */
export const OPEN = 1;
/** Workers caps a socket at 10 tags (one goes to the resource) of at most 256 characters each. */
export const MAX_CLAIMS = 9;
const MAX_TAG_LENGTH = 256;
/**
 * Characters of entry JSON per socket message: at most 3 UTF-8 bytes each, so a message stays
 * under the 1 MiB that older Workers runtimes accept.
 */
const MESSAGE_BUDGET = 256 * 1024;

/** A socket tag within the runtime's length limit: long values are replaced by their SHA-256. */
export async function tag(prefix: string, value: string): Promise<string> {
  if (prefix.length + value.length <= MAX_TAG_LENGTH) return prefix + value;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return `${prefix}#${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Open sockets carrying `tag`: a socket whose close is under way no longer holds its slots. */
export function openSockets(ctx: HubObjectState, tag: string): HubSocket[] {
  return ctx.getWebSockets(tag).filter((ws) => ws.readyState === OPEN);
}

/** The open sockets that receive `resource`'s entries (slot-holding sockets carry no resource tag). */
export function deliverySockets(ctx: HubObjectState, resource: string): HubSocket[] {
  // Tags longer than the limit were hashed at connect; resource names that long are not
  // expected, so this falls back to the attachment for them rather than hashing here.
  const resourceTag = `r:${resource}`;
  if (resourceTag.length <= MAX_TAG_LENGTH) return openSockets(ctx, resourceTag);
  return ctx.getWebSockets().filter((ws) => {
    const attachment = ws.deserializeAttachment() as Attachment | null;
    return ws.readyState === OPEN && attachment?.resource === resource && !attachment.hold;
  });
}

/**
 * Sends `entries` (ascending) to the resource's open sockets, in as few messages as fit the
 * budget: Workers refuses received messages over its size limit (1 MiB on older runtimes) by
 * closing the socket, and a closed socket makes its holder resume through `since` rather than
 * lose entries silently. Sockets whose attachment says they start after some of the entries
 * skip those; attachments are only read when `maxAfter` (the largest such start) says a socket
 * may need it.
 */
export function broadcast(ctx: HubObjectState, resource: string, entries: ChangeEntry[], maxAfter = 0): void {
  if (entries.length === 0) return;
  const sockets = deliverySockets(ctx, resource);
  if (sockets.length === 0) return;
  const first = entries[0]!.seq;
  const messages = entryMessages(entries);
  for (const ws of sockets) {
    const after = first <= maxAfter ? ((ws.deserializeAttachment() as Attachment | null)?.after ?? 0) : 0;
    const own = after < first ? messages : entryMessages(entries.filter((entry) => entry.seq > after));
    for (const message of own) send(ws, message);
  }
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

/** Sends one message; a socket that cannot take it is closed so its holder resumes. */
export function send(ws: HubSocket, message: string): void {
  try {
    ws.send(message);
  } catch {
    // Closing tells the holder (onLost) to resume from its last seq instead of missing entries.
    closeSocket(ws, 1011, "send failed");
  }
}

/** Closes a socket that may already be closed. */
export function closeSocket(ws: HubSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed: its close event releases it.
  }
}

/** `new WebSocketPair()`, looked up at run time: the global exists only in workerd. */
export function newWebSocketPair(): { 0: HubSocket; 1: HubSocket } {
  const Pair = (globalThis as { WebSocketPair?: new () => { 0: HubSocket; 1: HubSocket } }).WebSocketPair;
  if (!Pair) throw new Error("WebSocketPair is only available on Cloudflare Workers");
  return new Pair();
}

/** A JSON `HubReply` response. */
export function reply(body: HubReply, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

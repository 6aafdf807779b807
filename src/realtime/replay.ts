/**
 * Resuming a subscription from a changelog position (spec 20 §5): each retained entry after the
 * position becomes at most one event, and only about rows the subscriber could see.
 * @module
 */
import type { LiveQuery } from "./live-query.js";
import { matches } from "./entry-sharing.js";
import type { LiveEvent, LiveOutput } from "./live-types.js";
import type { ChangeEntry, HubBackend } from "./types.js";

type Row = Record<string, unknown>;

export const GAP_REASON = "Sequence gap - please refetch";
export const CATCHUP_REASON = "Catchup unavailable - please refetch";
const JOIN_CATCHUP_REASON = "Catchup unavailable for relation-scoped subscription - please refetch";

/** A replayed entry whose effect on this subscriber cannot be decided. */
const UNKNOWN = Symbol("unknown");

/** An entry without row images: raw SQL, `db.batch`, an external writer (spec 20 §1). */
export const isCoarse = (entry: ChangeEntry) => entry.reason !== undefined || entry.objectId === "*" || (entry.type !== "delete" && !entry.object);

/** `meta.optimisticId` of an `added`. */
export function metaOf(entry: ChangeEntry): Partial<LiveEvent> {
  return entry.optimisticId === undefined ? {} : { meta: { optimisticId: entry.optimisticId } };
}

/** `previousObjectId` of a `changed`, when a before-image was known. */
export function previousOf(entry: ChangeEntry): Partial<LiveEvent> {
  return entry.previousObject ? { previousObjectId: entry.objectId } : {};
}

/** What a replay needs of its subscription. */
export interface ReplayHost {
  query: LiveQuery;
  hub: HubBackend;
  resource: string;
  output: LiveOutput;
  event(type: LiveEvent["type"], fields: Partial<LiveEvent>, timestamp?: number): LiveEvent;
  present(row: Row): Promise<Row>;
}

/** Replays `after < seq ≤ head`; false when it ended in an invalidate (or nothing is visible). */
export async function replayEntries(host: ReplayHost, after: number, head: number): Promise<boolean> {
  const out = host.output;
  // A deny scope sees nothing, not even the ids of rows that changed.
  if (host.query.matcher.deny) return false;
  if (!host.query.matcher.test) {
    out.initial(host.event("invalidate", { reason: JOIN_CATCHUP_REASON }));
    return false;
  }
  let position = after;
  while (position < head && out.open) {
    const entries = (await host.hub.since(host.resource, position, 500)).filter((e) => e.seq <= head);
    // Pruned while we read (or never there): the client cannot be brought up to date.
    if (entries.length === 0 || entries[0]!.seq !== position + 1) {
      out.initial(host.event("invalidate", { reason: GAP_REASON }));
      return false;
    }
    for (const entry of entries) {
      position = entry.seq;
      const event = isCoarse(entry) ? UNKNOWN : await classify(host, entry);
      if (event === UNKNOWN) {
        out.initial(host.event("invalidate", { reason: CATCHUP_REASON }));
        return false;
      }
      if (event) out.initial(event, entry.seq);
    }
    await out.drained();
  }
  return true;
}

/**
 * Spec 20 §5, narrowed: a row leaves the client (`removed`) only when its before-image was
 * inside P, so a replay never names rows the subscriber could not see. Without a before-image
 * that cannot be decided: UNKNOWN.
 */
async function classify(host: ReplayHost, entry: ChangeEntry): Promise<LiveEvent | undefined | typeof UNKNOWN> {
  const before = entry.previousObject ? matches(host.query, entry, "previousObject") : undefined;
  if (entry.type === "delete") {
    if (before === undefined) return UNKNOWN;
    return before ? host.event("removed", { objectId: entry.objectId }, entry.timestamp) : undefined;
  }
  const inside = matches(host.query, entry);
  if (entry.type === "create") return inside ? host.event("added", { object: await host.present(entry.object!), ...metaOf(entry) }, entry.timestamp) : undefined;
  if (inside) {
    const type = before === false ? "added" : "changed";
    return host.event(type, { object: await host.present(entry.object!), ...(type === "changed" ? previousOf(entry) : {}) }, entry.timestamp);
  }
  if (before === undefined) return UNKNOWN;
  return before ? host.event("removed", { objectId: entry.objectId }, entry.timestamp) : undefined;
}

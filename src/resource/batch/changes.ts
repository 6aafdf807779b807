/**
 * Row changes of the multi-row write paths (batches, nested writes) and where they go: each
 * table's changes are published under its own resource name (spec 20 §1, §16.2), whichever
 * route wrote them, so a nested comment reaches `comments` subscribers, not the post's.
 * @module
 */
import { getTableColumns, getTableName, type Column, type Table } from "drizzle-orm";
import type { Context } from "hono";
import { actingUser, jsonImage } from "../../realtime/publish.js";
import type { Realtime } from "../../realtime/realtime.js";
import type { ChangeInput, ChangeType } from "../../realtime/types.js";
import type { ResourceRuntime } from "../runtime.js";

type Row = Record<string, unknown>;

/** The hub resource a table's changes are appended to. */
export interface ChangeTarget {
  /** Hub resource name: the table name. */
  name: string;
  /** Property key of the row id; undefined when the table has no single-column primary key. */
  idKey: string | undefined;
  realtime: Realtime;
}

/** The target of a resource's own rows. */
export function resourceTarget(rt: ResourceRuntime): ChangeTarget {
  return { name: rt.model.name, idKey: rt.model.idKey, realtime: rt.realtime };
}

/**
 * The target of `table`'s rows written through `rt` (a nested write): the registered resource
 * of that table when there is one, else the table name on `rt`'s realtime with its primary key
 * as the id. Looked up per request, since resources may be mounted after `rt` was built.
 */
export function tableTarget(rt: ResourceRuntime, table: Table): ChangeTarget {
  const name = getTableName(table);
  // The registry is keyed by table name, the hub resource name.
  const registered = rt.registry.get(name);
  if (registered) return resourceTarget(registered);
  return { name, idKey: primaryKeyOf(getTableColumns(table) as Record<string, Column>), realtime: rt.realtime };
}

function primaryKeyOf(columns: Record<string, Column>): string | undefined {
  const keys = Object.keys(columns).filter((key) => columns[key]!.primary);
  return keys.length === 1 ? keys[0] : undefined;
}

/**
 * One committed row change for `target`, with JSON-safe images and the acting user. A table
 * without a single-column key cannot name its row: it gets a coarse entry (`objectId: "*"`, no
 * images), which subscribers receive as `invalidate`.
 */
export function tableChange(target: ChangeTarget, c: Context | undefined, type: ChangeType, after: Row | undefined, before: Row | undefined): ChangeInput {
  const userId = actingUser(c);
  const image = after ?? before;
  if (target.idKey === undefined || !image) {
    return { type, objectId: "*", reason: "external-mutation", ...(userId !== undefined ? { userId } : {}) };
  }
  const change: ChangeInput = { type, objectId: String(image[target.idKey]) };
  if (after) change.object = jsonImage(after);
  if (before) change.previousObject = jsonImage(before);
  if (userId !== undefined) change.userId = userId;
  return change;
}

/** `GET /`: filtered, ordered, keyset-paginated list (spec 10 §4, §6.2). */
import { and, count, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { CursorInvalidError } from "../../errors/problem.js";
import { idFromPath, INVALID, toJsonValue } from "../coerce.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { afterCursor, orderClauses, parseLimit, parseOrderBy } from "../order.js";
import type { ResourceRuntime } from "../runtime.js";
import { includeLoader } from "../relations/index.js";
import { selectParam } from "./select.js";

/** Handler for the list endpoint. */
export function listHandler(rt: ResourceRuntime) {
  const { model, db } = rt;
  const { table, columns, idKey, idColumn } = model;
  const secret = rt.config.cursorSigningSecret;
  const maxAgeMs = rt.config.pagination?.cursorMaxAgeMs;
  const include = includeLoader(rt);

  return async (c: Context) => {
    const query = c.req.query();
    const orderBy = query.orderBy;
    const fields = parseOrderBy(orderBy, columns, rt.sortable, model.dialect);
    const limit = parseLimit(query.limit, rt.defaultLimit, rt.maxLimit);
    const select = selectParam(rt, query.select);
    const where = await rt.where(c, "read", query.filter);

    let page: SQL | undefined = where;
    // The first page in id order under a static clause is a prepared statement.
    const prepared = query.cursor || fields.length > 0 ? undefined : rt.preparedReads(where);
    if (query.cursor) {
      const position = await decodeCursor(query.cursor, { orderBy, secret, maxAgeMs });
      const lastId = idFromPath(idColumn, position.id);
      if (lastId === INVALID) throw new CursorInvalidError("malformed");
      const after = afterCursor(fields, idColumn, lastId, position, rt.nullsLast);
      page = where ? and(where, after) : after;
    }

    const rows: Record<string, unknown>[] = prepared
      ? await prepared.firstPage(limit + 1)
      : await db
          .select()
          .from(table)
          .where(page)
          .orderBy(...orderClauses(fields, idColumn, rt.nullsLast))
          .limit(limit + 1);
    const hasMore = rows.length > limit;
    if (hasMore) rows.length = limit;

    let nextCursor: string | null = null;
    if (hasMore) {
      const last = rows[rows.length - 1]!;
      const v = fields.length === 0 ? toJsonValue(last[idKey]) : Object.fromEntries(fields.map((f) => [f.key, toJsonValue(last[f.key])]));
      nextCursor = await encodeCursor({ v, id: String(last[idKey]) }, { orderBy, secret });
    }

    const items = rows.map((row) => rt.present(row, select));
    const included = include(c, query.include, rows, items);
    if (included) await included;
    const body: Record<string, unknown> = { items, nextCursor, hasMore };
    if (query.totalCount === "true") {
      const counter = rt.preparedReads(where);
      if (counter) body.totalCount = await counter.count();
      else {
        const [result] = await db.select({ count: count() }).from(table).where(where);
        body.totalCount = Number(result?.count ?? 0);
      }
    }
    return c.json(body);
  };
}

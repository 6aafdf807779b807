/** The `select` projection parameter, shared by list and get. */
import { ValidationError } from "../../errors/problem.js";
import { parseSelect } from "../order.js";
import type { ResourceRuntime } from "../runtime.js";

/** Parses `select`; naming a masked column is a 400 so its existence cannot be probed. */
export function selectParam(rt: ResourceRuntime, raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const hidden = raw.split(",").map((s) => s.trim()).filter((k) => Object.hasOwn(rt.model.columns, k) && !rt.readable.has(k));
  if (hidden.length > 0) throw new ValidationError(`Invalid select field: ${hidden[0]}`, [{ field: "select", message: `Unknown field ${hidden[0]}` }]);
  return parseSelect(raw, new Set([...rt.readable, ...Object.keys(rt.config.computed ?? {})]));
}

/** The `select` projection parameter, shared by list and get. */
import { parseSelect } from "../order.js";
import type { ResourceRuntime } from "../runtime.js";

/**
 * Parses `select`. Unknown keys are ignored, and so are masked columns: answering them
 * differently would let a caller learn which hidden columns exist.
 */
export function selectParam(rt: ResourceRuntime, raw: string | undefined): string[] | null {
  return parseSelect(raw, rt.selectable);
}

/** The `select` projection parameter, shared by list and get (spec 10 §4, §10). */
import { ValidationError } from "../../errors/problem.js";
import type { ResourceRuntime } from "../runtime.js";

/**
 * Parses `select`: readable columns and computed fields are kept, unknown keys are ignored, and a
 * masked (non-readable) column is a 400 `validation-error` (spec 10 §10), like `filter` and
 * `orderBy` on it. Null means every field.
 */
export function selectParam(rt: ResourceRuntime, raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === "") return null;
  const keys: string[] = [];
  let masked: string[] | undefined;
  for (const part of raw.split(",")) {
    const key = part.trim();
    if (rt.selectable.has(key)) keys.push(key);
    else if (Object.hasOwn(rt.model.columns, key)) (masked ??= []).push(key);
  }
  if (masked) throw maskedSelectError(rt, masked);
  return keys;
}

function maskedSelectError(rt: ResourceRuntime, masked: string[]): ValidationError {
  const detail = `Invalid select field: ${masked.join(", ")} is not readable`;
  return new ValidationError(
    detail,
    masked.map((field) => ({ field, message: "Field is not readable" })),
    {
      field: masked[0],
      operation: "select",
      invalidFields: masked,
      allowedFields: [...rt.selectable],
      suggestion: "Select only readable fields, or leave select out to get every readable field",
    },
  );
}

/** Shared assertions for the RSQL tests. */
import { expect } from "vitest";
import { FilterParseError } from "../../src/errors/problem.js";

/** Runs `fn`, asserts it throws a `FilterParseError` and returns it. */
export function parseErrorOf(fn: () => unknown): FilterParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FilterParseError);
    const problem = error as FilterParseError;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe("FILTER_PARSE_ERROR");
    return problem;
  }
  throw new Error("expected a FilterParseError, but nothing was thrown");
}

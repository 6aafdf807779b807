/**
 * Shared OpenAPI components: query parameters, conditional-request headers and the problem
 * responses of spec 10 §4, §11 and §16. Operations reference them instead of repeating them.
 * @module
 */
import type { JsonSchema } from "./schemas.js";

const query = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({ name, in: "query", description, schema });

const RSQL_OPERATORS =
  "==, !=, >, >=, <, <= (also =gt= =ge= =lt= =le=), =in=, =out=, %=, !%=, =ilike=, =nilike=, =contains=, =icontains=, " +
  "=startswith=, =istartswith=, =endswith=, =iendswith=, =ieq=, =ine=, =isnull=, =isempty=, =between=, =nbetween=, " +
  "=regex=, =iregex=, =length=, =minlength=, =maxlength=";

/** Description of the `filter` parameter, with a resource's custom operators. */
export function filterDescription(custom: string[] = []): string {
  const extra = custom.length > 0 ? `; custom: ${custom.join(", ")}` : "";
  return `RSQL expression, e.g. status=="open";age>=18. ';' is AND, ',' is OR, strings in double quotes. Operators: ${RSQL_OPERATORS}${extra}.`;
}

/** `components.parameters`, referenced as `#/components/parameters/<Name>`. */
export const PARAMETERS: Record<string, JsonSchema> = {
  Filter: query("filter", filterDescription()),
  Select: query("select", "Comma-separated fields to return; computed fields and included relations are always kept."),
  Include: query("include", "Relations to embed, e.g. author,comments(limit:5;select:id,text)."),
  OrderBy: query("orderBy", "Comma-separated fields: f, f:asc, f:desc, +f or -f. The id always breaks ties."),
  Cursor: query("cursor", "Opaque nextCursor of the previous page."),
  TotalCount: query("totalCount", "true adds totalCount (all matching rows, ignoring the cursor).", { type: "string", enum: ["true"] }),
  WithDeleted: query("withDeleted", "true includes soft-deleted rows.", { type: "string", enum: ["true"] }),
  GroupBy: query("groupBy", "Comma-separated fields to group by."),
  Count: query("count", "true adds a row count per group.", { type: "string", enum: ["true"] }),
  Sum: query("sum", "Comma-separated fields to sum."),
  Avg: query("avg", "Comma-separated fields to average."),
  Min: query("min", "Comma-separated fields to take the minimum of."),
  Max: query("max", "Comma-separated fields to take the maximum of."),
  Having: query("having", "';'-separated terms alias op value on count, sum_<f>, avg_<f>, min_<f>, max_<f> or a groupBy field, e.g. count>=2."),
  ResumeFrom: query("resumeFrom", "Changelog position to resume from (replays missed changes)."),
  SkipExisting: query("skipExisting", "true skips the initial existing snapshot.", { type: "string", enum: ["true"] }),
  KnownIds: query("knownIds", "Comma-separated ids the client already holds."),
  Q: { ...query("q", "Search text."), required: true },
  Offset: query("offset", "Hits to skip.", { type: "integer", minimum: 0, default: 0 }),
  Highlight: query("highlight", "true adds highlights.", { type: "string", enum: ["true"] }),
  IfMatch: { name: "If-Match", in: "header", description: "ETag(s) the row must still have, or *; a mismatch is 412.", schema: { type: "string" } },
  IfNoneMatch: { name: "If-None-Match", in: "header", description: "ETag held by the client; a match is 304.", schema: { type: "string" } },
  OptimisticId: {
    name: "x-covara-optimistic-id",
    in: "header",
    description: "Client token echoed as _optimisticId in the response and on the added event.",
    schema: { type: "string" },
  },
};

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** Problem responses by status, as `components.responses` names. */
export const PROBLEM_RESPONSES: Record<number, [string, string]> = {
  400: ["BadRequest", "Invalid input (validation-error, filter-parse-error, cursor-invalid, cursor-expired, batch-limit-exceeded)"],
  401: ["Unauthorized", "Authentication required (unauthorized)"],
  403: ["Forbidden", "Outside the caller's scope (forbidden)"],
  404: ["NotFound", "No such row or route (not-found)"],
  412: ["PreconditionFailed", "The row changed (precondition-failed, with currentETag)"],
  413: ["PayloadTooLarge", "Request body too large (payload-too-large)"],
  429: ["TooManyRequests", "Rate limit exceeded (rate-limit-exceeded, Retry-After header)"],
  500: ["ServerError", "Server error (internal-error, unknown-error, search-failed)"],
};

/** `components.responses` for every problem status. */
export function problemResponses(): Record<string, JsonSchema> {
  return Object.fromEntries(Object.values(PROBLEM_RESPONSES).map(([name, description]) => [name, problem(description)]));
}

/** `components.headers`. */
export const HEADERS: Record<string, JsonSchema> = {
  ETag: { description: "Version of the row, for If-Match / If-None-Match.", schema: { type: "string" } },
};

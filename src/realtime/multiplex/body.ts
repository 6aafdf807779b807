/**
 * The JSON body of `POST /__covara/stream/:cid/subscribe` (spec 20 §10.2), checked for shape and
 * turned into the parameters the standalone routes take, so a channel is validated exactly like
 * `GET /subscribe` or `GET /aggregate/subscribe` with the same parameters.
 * @module
 */
import type { AggregateParamReader } from "../routes/aggregate-subscribe.js";
import type { SubscribeParams } from "../routes/subscribe.js";

/** A control body that is not shaped as spec 20 §10.2 says; becomes a 400. */
export class ControlBodyError extends Error {}

/** A checked subscribe body. */
export interface ChannelRequest {
  channelId: string;
  /** The resource's mount path, e.g. `/api/todos`. */
  resource: string;
  kind: "resource" | "aggregate";
  params: SubscribeParams;
  /** The `aggregate` object's parameters, read as `/aggregate` reads its query string. */
  aggregate: AggregateParamReader;
}

const AGGREGATE_PARAMS = ["groupBy", "count", "sum", "avg", "min", "max", "having"] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ControlBodyError(`${key} must be a string`);
  return value;
}

/** A list parameter as `/aggregate` reads it: a comma-separated string, or an array of names. */
function listText(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "boolean" && key === "count") return String(value);
  if (Array.isArray(value) && key !== "count" && key !== "having" && value.every((item) => typeof item === "string")) return value.join(",");
  throw new ControlBodyError(`aggregate.${key} has an unexpected type`);
}

function knownIdsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value.split(",");
  if (Array.isArray(value) && value.every((id) => typeof id === "string" || typeof id === "number")) return value.map(String);
  throw new ControlBodyError("knownIds must be an array of ids");
}

function skipExistingOf(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "false") return false;
  if (value === true || value === "true") return true;
  throw new ControlBodyError("skipExisting must be a boolean");
}

/** Checks a subscribe body; throws `ControlBodyError` for a missing or mistyped field. */
export function channelRequest(body: unknown): ChannelRequest {
  if (!isObject(body)) throw new ControlBodyError("Body must be a JSON object");
  const channelId = body.channelId;
  if (typeof channelId !== "string" || channelId === "" || channelId.length > 256) throw new ControlBodyError("channelId must be a non-empty string of at most 256 characters");
  const resource = body.resource;
  if (typeof resource !== "string" || resource === "") throw new ControlBodyError("resource is required");
  const kind = body.kind ?? "resource";
  if (kind !== "resource" && kind !== "aggregate") throw new ControlBodyError('kind must be "resource" or "aggregate"');
  const resumeFrom = body.resumeFrom;
  if (resumeFrom !== undefined && resumeFrom !== null && typeof resumeFrom !== "number" && typeof resumeFrom !== "string") {
    throw new ControlBodyError("resumeFrom must be a changelog position");
  }
  const aggregateBody = body.aggregate ?? {};
  if (!isObject(aggregateBody)) throw new ControlBodyError("aggregate must be an object");
  const aggregate = new Map<string, string>();
  for (const key of AGGREGATE_PARAMS) {
    const text = listText(aggregateBody[key], key);
    if (text !== undefined) aggregate.set(key, text);
  }
  return {
    channelId,
    resource,
    kind,
    params: {
      filter: optionalText(body, "filter"),
      include: optionalText(body, "include"),
      position: resumeFrom ?? undefined,
      skipExisting: skipExistingOf(body.skipExisting),
      knownIds: knownIdsOf(body.knownIds),
    },
    aggregate: (name) => aggregate.get(name),
  };
}

/** The channel id of an unsubscribe body, if it names one. */
export function unsubscribeChannel(body: unknown): string | undefined {
  return isObject(body) && typeof body.channelId === "string" ? body.channelId : undefined;
}

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header): the trace id a
 * request joins. A malformed header is ignored (the reference kept it verbatim, which let any
 * string into every log line).
 * @module
 */

/** A parsed `traceparent`. */
export interface TraceParent {
  version: string;
  /** 32 lowercase hex characters, not all zero. */
  traceId: string;
  /** 16 lowercase hex characters, not all zero. */
  parentId: string;
  flags: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$/;

/**
 * Parses a `traceparent` header; null when absent or malformed (version `ff`, all-zero ids,
 * upper-case hex, or trailing data on version 00).
 * @example parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?.traceId
 */
export function parseTraceparent(header: string | undefined | null): TraceParent | null {
  if (!header) return null;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return null;
  return { version, traceId, parentId, flags, sampled: (parseInt(flags, 16) & 1) === 1 };
}

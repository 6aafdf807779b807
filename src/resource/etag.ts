/**
 * Optimistic locking (spec 10 §11): the ETag of a stored row (version column, updated-at column or
 * content hash), `If-Match` / `If-None-Match` evaluation, the compare-and-set condition of a write
 * and the version bump. Resolved once per resource; routes only touch it when `etag` is configured.
 * @module
 */
import { eq, type SQL } from "drizzle-orm";
import { PreconditionFailedError } from "../errors/problem.js";
import { sha256Hex } from "../util/sha256.js";
import type { EtagConfig } from "./config.js";
import { columnKey, type TableModel } from "./model.js";

type Row = Record<string, unknown>;

/** The optimistic-locking behaviour of one resource. */
export interface ResourceEtag {
  /** The version column bumped on PATCH/PUT, if any. */
  versionKey: string | undefined;
  /** The `ETag` header value of a stored (unmasked) row. */
  tag(row: Row): string | Promise<string>;
  /**
   * Checks `If-Match` against the stored row: throws 412 on mismatch, else returns the
   * compare-and-set condition the write must add (undefined when there is nothing to compare).
   */
  precondition(ifMatch: string | undefined, row: Row): Promise<SQL | undefined>;
  /** Whether `If-None-Match` names the current tag (weak comparison; one tag only). */
  notModified(ifNoneMatch: string | undefined, currentTag: string): boolean;
  /** `values` with the version bumped from `stored`, unless `values` already sets it. */
  bumpVersion(values: Row, stored: Row): Row;
}

/** One parsed entity tag. */
interface EntityTag {
  weak: boolean;
  value: string;
}

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3); one element of a comma-separated list.
const LIST_ELEMENT = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
const SINGLE_TAG = /^[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*$/;
const UNSAFE = /[^\x21\x23-\x7e]/;

/** The entity tags of an `If-Match` list; malformed elements are skipped, so they never match. */
export function parseEntityTags(header: string): EntityTag[] {
  const tags: EntityTag[] = [];
  let index = 0;
  while (index < header.length) {
    LIST_ELEMENT.lastIndex = index;
    const match = LIST_ELEMENT.exec(header);
    if (match) {
      tags.push({ weak: match[1] !== undefined, value: match[2]! });
      index = LIST_ELEMENT.lastIndex;
      continue;
    }
    const comma = header.indexOf(",", index);
    if (comma < 0) break;
    index = comma + 1;
  }
  return tags;
}

/** Keeps a tag inside the characters an entity tag may hold (ids and versions can be any text). */
const safe = (text: string): string => (UNSAFE.test(text) ? encodeURIComponent(text) : text);

function epochMs(value: unknown): number | undefined {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

// bigint columns would make JSON.stringify throw.
const jsonReplacer = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** Builds the ETag behaviour of a resource, or undefined without an `etag` option. Throws on unknown columns. */
export function resolveEtag(model: TableModel, config: EtagConfig | undefined): ResourceEtag | undefined {
  if (!config) return undefined;
  const { columns } = model;
  const versionKey = config.versionField === undefined ? undefined : columnKey(columns, config.versionField, "etag.versionField");
  const updatedAtKey =
    config.updatedAtField !== undefined ? columnKey(columns, config.updatedAtField, "etag.updatedAtField") : Object.hasOwn(columns, "updatedAt") ? "updatedAt" : undefined;
  const idKey = config.idField !== undefined ? columnKey(columns, config.idField, "etag.idField") : model.idKey;
  const weak = config.algorithm === "weak";
  const format = (value: string) => (weak ? `W/"${value}"` : `"${value}"`);

  /** The opaque value and the column that produced it (the compare-and-set target). */
  const opaque = (row: Row): { value: string; casKey?: string } | Promise<{ value: string }> => {
    if (versionKey !== undefined) {
      const version = row[versionKey];
      if (version !== null && version !== undefined) return { value: safe(String(version)), casKey: versionKey };
    }
    if (updatedAtKey !== undefined) {
      const ms = epochMs(row[updatedAtKey]);
      if (ms !== undefined) return { value: `${ms}-${safe(String(row[idKey]))}`, casKey: updatedAtKey };
    }
    // SHA-256 rather than the spec's MD5: Web Crypto has no MD5 (see docs/optimistic-locking.md).
    return sha256Hex(JSON.stringify(row, jsonReplacer)).then((hex) => ({ value: hex.slice(0, 16) }));
  };

  return {
    versionKey,
    tag(row) {
      const current = opaque(row);
      return current instanceof Promise ? current.then((c) => format(c.value)) : format(current.value);
    },
    async precondition(ifMatch, row) {
      if (ifMatch === undefined || ifMatch.trim() === "*") return undefined;
      const current: { value: string; casKey?: string } = await opaque(row);
      // Strong comparison: a weak tag (ours or the caller's) never matches.
      const matches = !weak && parseEntityTags(ifMatch).some((tag) => !tag.weak && tag.value === current.value);
      if (!matches) throw new PreconditionFailedError(format(current.value));
      return current.casKey === undefined ? undefined : eq(columns[current.casKey]!, row[current.casKey]);
    },
    notModified(ifNoneMatch, currentTag) {
      const given = ifNoneMatch === undefined ? null : SINGLE_TAG.exec(ifNoneMatch);
      const current = SINGLE_TAG.exec(currentTag);
      return given !== null && current !== null && given[2] === current[2];
    },
    bumpVersion(values, stored) {
      if (versionKey === undefined || values[versionKey] !== undefined) return values;
      const next = Number(stored[versionKey] ?? 0) + 1;
      return Number.isNaN(next) ? values : { ...values, [versionKey]: next };
    },
  };
}

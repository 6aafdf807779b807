/**
 * Date handling (spec 80 §4.5). JSON has no date type, so responses carry ISO-8601 strings;
 * these helpers turn them into `Date` objects, everywhere (`parseDates: true`) or only for named
 * fields, so a text column that merely looks like a date can stay a string.
 * @module
 */

/** An ISO-8601 timestamp string as the server sends it; generated types brand date columns with it. */
export type ISODateString = string & { readonly __isoDate?: true };

/** Date and time with an offset or `Z` (seconds and fractions optional): what servers emit. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** True for an ISO-8601 date-time string (`2024-03-05T09:30:00.000Z`) that denotes a real instant. */
export function isISODateString(value: unknown): value is ISODateString {
  return typeof value === "string" && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** A `Date` from a `Date`, an ISO string or epoch milliseconds; throws on anything else. */
export function toDate(value: Date | string | number): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`Not a date: ${String(value)}`);
  return date;
}

/** `toDate`, but `null` for `null`, `undefined` and values that are not dates. */
export function toDateOrNull(value: Date | string | number | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Converts date strings inside `data` (objects and arrays, at any depth) to `Date`. With
 * `fields`, only properties of those names are converted, whatever the string looks like as
 * long as it parses; without, every ISO-8601 date-time string is. Returns a converted copy.
 */
export function reviveDates<T>(data: T, fields?: readonly string[]): T {
  const only = fields ? new Set(fields) : undefined;
  const visit = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === "string") {
      if (only ? key !== undefined && only.has(key) : isISODateString(value)) {
        const date = new Date(value);
        return Number.isNaN(date.getTime()) ? value : date;
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((item) => visit(item, key));
    if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, k);
      return out;
    }
    return value;
  };
  return visit(data, undefined) as T;
}

/** `parseDates` client option: everywhere, or a registry of date fields per resource path. */
export type ParseDatesOption = boolean | Record<string, readonly string[]>;

/**
 * The date fields to convert for a request path: `true` means "every ISO string"; a registry
 * entry applies to its path and everything below it (`/api/todos` covers `/api/todos/7`).
 * Returns `false` when nothing is converted.
 */
export function dateFieldsFor(option: ParseDatesOption | undefined, path: string, narrowed?: readonly string[]): readonly string[] | true | false {
  if (!option) return false;
  if (option === true) return narrowed ?? true;
  const pathname = path.split("?")[0]!;
  let best: string | undefined;
  for (const prefix of Object.keys(option)) {
    if ((pathname === prefix || pathname.startsWith(`${prefix}/`)) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  if (best === undefined) return false;
  const fields = option[best]!;
  return narrowed ? fields.filter((f) => narrowed.includes(f)) : fields;
}

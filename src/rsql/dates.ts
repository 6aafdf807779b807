/**
 * Recognises the ISO-8601 literals that RSQL treats as dates (10-resources §5.1). Parsing is done
 * by hand rather than with `Date.parse`, whose handling of zone-less and out-of-range input varies.
 * @module
 */
import type { RsqlDate } from "./ast.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The date literal for `text` (`YYYY-MM-DD[THH:MM:SS[.mmm][Z|±HH:MM]]`), or `undefined` when the
 * text is not shaped like one or names an impossible date (it then stays a plain string).
 * Without an offset the literal is read as UTC, so results never depend on the server's zone.
 */
export function parseIsoDate(text: string): RsqlDate | undefined {
  // Cheap pre-check: most strings are not dates, and this runs for every quoted value.
  if (text.length < 10 || text.length > 29 || text.charCodeAt(4) !== 45) return undefined;
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const millis = Number((m[7] ?? "0").padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z") {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 onto 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, millis);
  return { type: "date", text, date };
}

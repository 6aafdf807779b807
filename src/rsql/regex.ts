/**
 * `=regex=` / `=iregex=` support. Case-insensitivity is ASCII-only on every backend, so instead of
 * a flag (JavaScript's `i` and Postgres' `~*` fold non-ASCII letters too) every ASCII letter is
 * expanded into both cases. The same scan limits the shapes that make a backtracking engine slow
 * (nested or many unbounded quantifiers), because in-memory matching runs for every changed row.
 * @module
 */
import { FilterParseError } from "../errors/problem.js";

const MAX_PATTERN_LENGTH = 256;
/**
 * Unbounded quantifiers (`*`, `+`, `{n,}`, `{n,m}` with m > 16) allowed per pattern: one, or two when
 * the pattern is anchored with `^`. Each one can multiply the backtracking work by the row's
 * length, and so does an unanchored search (`.*.*.*x` takes seconds on 300 characters; `a.*x` with
 * one unanchored quantifier stays around 0.1 s on 10,000).
 */
const MAX_UNBOUNDED = 1;
const BOUNDED = /^\{\d+(,\d{0,2})?\}/;

function isLetter(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");
}

function otherCase(c: string): string {
  return c <= "Z" ? c.toLowerCase() : c.toUpperCase();
}

/** Extra ranges that give `lo-hi` both ASCII cases, e.g. `a-f` → `A-F`. */
function rangeExtras(lo: number, hi: number): string {
  let extra = "";
  const upperLo = Math.max(lo, 65);
  const upperHi = Math.min(hi, 90);
  if (upperLo <= upperHi) extra += `${String.fromCharCode(upperLo + 32)}-${String.fromCharCode(upperHi + 32)}`;
  const lowerLo = Math.max(lo, 97);
  const lowerHi = Math.min(hi, 122);
  if (lowerLo <= lowerHi) extra += `${String.fromCharCode(lowerLo - 32)}-${String.fromCharCode(lowerHi - 32)}`;
  return extra;
}

/** Length of the escape sequence at `i` (which holds a backslash), so its letters stay untouched. */
function escapeLength(source: string, i: number): number {
  const next = source[i + 1];
  const closeAt = (close: string): number => {
    const end = source.indexOf(close, i + 2);
    return end === -1 ? 2 : end - i + 1;
  };
  if (next === "x") return 4;
  if (next === "c") return 3;
  if (next === "u") return source[i + 2] === "{" ? closeAt("}") : 6;
  if ((next === "p" || next === "P") && source[i + 2] === "{") return closeAt("}");
  if (next === "k" && source[i + 2] === "<") return closeAt(">");
  return 2;
}

/** True for `{n}` / `{n,m}` with m ≤ 16 at the start of `rest`. */
function isSmallBound(rest: string): boolean {
  const m = BOUNDED.exec(rest);
  if (m === null) return false;
  const upper = m[1] === undefined ? 0 : Number(m[1].slice(1) || Infinity);
  return upper <= 16;
}

interface Group {
  risky: boolean;
}

/**
 * Checks a pattern and, for `caseInsensitive`, rewrites it so that ASCII letters match both cases.
 * Throws `FilterParseError` for over-long patterns, nested quantifiers and invalid syntax.
 */
export function prepareRegex(
  source: string,
  caseInsensitive: boolean,
  at: { field: string; position: number },
): { source: string; regex: RegExp } {
  const { field } = at;
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new FilterParseError(`Regular expression for ${field} is longer than ${MAX_PATTERN_LENGTH} characters`, { ...at });
  }
  let out = "";
  let inClass = false;
  const groups: Group[] = [{ risky: false }];
  let lastGroupRisky = false;
  let unbounded = 0;
  let topLevelAlternation = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === "\\") {
      const length = escapeLength(source, i);
      out += source.slice(i, i + length);
      i += length;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "[" && source[i + 1] === ":") {
        // Postgres POSIX classes such as [:alpha:] are copied whole.
        const end = source.indexOf(":]", i + 2);
        if (end !== -1) {
          out += source.slice(i, end + 2);
          i = end + 2;
          continue;
        }
      } else if (caseInsensitive && source[i + 1] === "-" && i + 2 < source.length && source[i + 2] !== "]" && source[i + 2] !== "\\") {
        const hi = source[i + 2]!;
        out += `${c}-${hi}${rangeExtras(c.charCodeAt(0), hi.charCodeAt(0))}`;
        i += 3;
        continue;
      } else if (caseInsensitive && isLetter(c)) {
        out += c + otherCase(c);
        i++;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    const top = groups[groups.length - 1]!;
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      if (source[i] === "^") out += source[i++];
      lastGroupRisky = false;
      continue;
    }
    if (c === "(") {
      groups.push({ risky: false });
      // Group names (`(?<name>…)`) are copied verbatim.
      if (source.startsWith("(?<", i) && source[i + 3] !== "=" && source[i + 3] !== "!") {
        const end = source.indexOf(">", i);
        if (end !== -1) {
          out += source.slice(i, end + 1);
          i = end + 1;
          continue;
        }
      }
    } else if (c === ")") {
      const closed = groups.length > 1 ? groups.pop()! : { risky: false };
      lastGroupRisky = closed.risky;
      const parent = groups[groups.length - 1]!;
      parent.risky ||= closed.risky;
      out += c;
      i++;
      continue;
    } else if (c === "*" || c === "+" || c === "{") {
      if (lastGroupRisky) {
        throw new FilterParseError(`Regular expression for ${field} repeats a group that already repeats or alternates`, {
          ...at,
          suggestion: "Nested quantifiers such as (a+)+ can take exponential time; simplify the pattern",
        });
      }
      top.risky = true;
      if (c !== "{" || !isSmallBound(source.slice(i))) unbounded++;
    } else if (c === "|") {
      top.risky = true;
      if (groups.length === 1) topLevelAlternation = true;
    }
    lastGroupRisky = false;
    out += caseInsensitive && isLetter(c) ? `[${c}${otherCase(c)}]` : c;
    i++;
  }
  const limit = MAX_UNBOUNDED + (source.startsWith("^") && !topLevelAlternation ? 1 : 0);
  if (unbounded > limit) {
    throw new FilterParseError(`Regular expression for ${field} has more than ${limit} unbounded repetitions`, {
      ...at,
      suggestion: "Anchor the pattern with ^ or use fewer *, + and {n,} repetitions",
    });
  }
  try {
    // `s`: Postgres' `.` also matches a newline (its default is not newline-sensitive).
    return { source: out, regex: new RegExp(out, "su") };
  } catch {
    throw new FilterParseError(`Invalid regular expression for ${field}`, { ...at });
  }
}

/**
 * LIKE patterns, parsed once and re-emitted per backend: Postgres `LIKE … ESCAPE '\'`, SQLite
 * `GLOB` (SQLite's LIKE ignores ASCII case, GLOB does not) and a linear in-memory matcher. One parse
 * keeps the three in step for unicode, metacharacters and escapes.
 * @module
 */

/** `%`: any run of characters. */
export const ANY_RUN = 0;
/** `_`: exactly one character (code point). */
export const ANY_ONE = 1;

/** A parsed pattern: literal runs and wildcards. */
export type LikePart = string | typeof ANY_RUN | typeof ANY_ONE;

/**
 * Parses an RSQL LIKE pattern: `%` any run, `_` one character, `\` makes the next character
 * literal. A trailing lone `\` is a literal backslash (Postgres would reject it outright).
 */
export function parseLikePattern(pattern: string): LikePart[] {
  const parts: LikePart[] = [];
  let literal = "";
  const flush = (): void => {
    if (literal !== "") parts.push(literal);
    literal = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      literal += i + 1 < pattern.length ? pattern[++i] : "\\";
    } else if (c === "%") {
      flush();
      // Consecutive runs are one run; dropping repeats keeps the generated patterns short.
      if (parts[parts.length - 1] !== ANY_RUN) parts.push(ANY_RUN);
    } else if (c === "_") {
      flush();
      parts.push(ANY_ONE);
    } else literal += c;
  }
  flush();
  return parts;
}

/** Pattern parts for `=contains=`, `=startswith=` and `=endswith=`, whose values are literal. */
export function literalPattern(text: string, mode: "contains" | "startswith" | "endswith"): LikePart[] {
  const parts: LikePart[] = [];
  if (mode !== "startswith") parts.push(ANY_RUN);
  if (text !== "") parts.push(text);
  if (mode !== "endswith" && parts[parts.length - 1] !== ANY_RUN) parts.push(ANY_RUN);
  return parts;
}

/** The pattern for Postgres `LIKE … ESCAPE '\'`. */
export function toPgLike(parts: readonly LikePart[]): string {
  let out = "";
  for (const part of parts) {
    if (part === ANY_RUN) out += "%";
    else if (part === ANY_ONE) out += "_";
    else out += part.replace(/[\\%_]/g, "\\$&");
  }
  return out;
}

/** The pattern for SQLite `GLOB`: `*`, `?` and `[` become one-character classes when literal. */
export function toGlob(parts: readonly LikePart[]): string {
  let out = "";
  for (const part of parts) {
    if (part === ANY_RUN) out += "*";
    else if (part === ANY_ONE) out += "?";
    else out += part.replace(/[*?[]/g, "[$&]");
  }
  return out;
}

/** One code point, or `ANY_ONE`. */
type Token = string | typeof ANY_ONE;

function matchesAt(text: readonly string[], at: number, segment: readonly Token[]): boolean {
  for (let i = 0; i < segment.length; i++) {
    const token = segment[i];
    if (token !== ANY_ONE && token !== text[at + i]) return false;
  }
  return true;
}

/**
 * An in-memory matcher. Plain prefix/suffix/substring/equality shapes use the string methods.
 * Anything else is matched segment by segment (the pattern split at `%`, each segment placed at its
 * leftmost fit), which is O(text × pattern) — a backtracking RegExp would let `%a%a%a…b` take
 * exponential time on every row a subscription checks. `_` is one code point, as in Postgres and
 * SQLite, so the text is compared as code points.
 */
export function likeMatcher(parts: readonly LikePart[]): (value: string) => boolean {
  const [first, second, third] = parts;
  if (parts.length === 0) return (v) => v === "";
  if (parts.length === 1 && typeof first === "string") return (v) => v === first;
  if (parts.length === 1 && first === ANY_RUN) return () => true;
  if (parts.length === 2 && typeof first === "string" && second === ANY_RUN) return (v) => v.startsWith(first);
  if (parts.length === 2 && first === ANY_RUN && typeof second === "string") return (v) => v.endsWith(second);
  if (parts.length === 3 && first === ANY_RUN && typeof second === "string" && third === ANY_RUN) {
    return (v) => v.includes(second);
  }
  const segments: Token[][] = [[]];
  for (const part of parts) {
    if (part === ANY_RUN) segments.push([]);
    else if (part === ANY_ONE) segments[segments.length - 1]!.push(ANY_ONE);
    else segments[segments.length - 1]!.push(...Array.from(part));
  }
  const head = segments[0]!;
  const tail = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  return (value) => {
    const text = Array.from(value);
    if (segments.length === 1) return text.length === head.length && matchesAt(text, 0, head);
    const tailAt = text.length - tail.length;
    if (tailAt < head.length || !matchesAt(text, 0, head) || !matchesAt(text, tailAt, tail)) return false;
    let at = head.length;
    for (const segment of middle) {
      // Segments have a fixed length, so taking the leftmost fit never loses a match.
      while (at + segment.length <= tailAt && !matchesAt(text, at, segment)) at++;
      if (at + segment.length > tailAt) return false;
      at += segment.length;
    }
    return true;
  };
}

/** Folds the literal parts of a pattern with `fold` (ASCII lower-casing for the `i…` operators). */
export function mapLiterals(parts: readonly LikePart[], fold: (text: string) => string): LikePart[] {
  return parts.map((part) => (typeof part === "string" ? fold(part) : part));
}

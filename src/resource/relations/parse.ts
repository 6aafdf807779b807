/**
 * The `?include=` grammar (spec 10 §14.2):
 *   include := part { "," part }        commas inside (...) do not split
 *   part    := name "." part | name [ "(" opt { ";" opt } ")" ]
 *   opt     := "select:" f1,f2 | "filter:" rsql | "limit:" int | "offset:" int
 * Our decision (stricter than the spec, which ignores them): malformed text and unknown options
 * are a 400 `validation-error`, so a typo never silently changes what a client receives.
 * @module
 */
import { ValidationError } from "../../errors/problem.js";

/** Options of one included relation. */
export interface IncludeOptions {
  select?: string[];
  filter?: string;
  limit?: number;
  offset?: number;
}

/** One relation to include, with the relations to include inside it. */
export interface IncludeNode {
  name: string;
  options: IncludeOptions | undefined;
  children: IncludeNode[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(detail: string): never {
  throw new ValidationError(`Invalid include: ${detail}`, [{ field: "include", message: detail }]);
}

/** Splits at `separator` outside quotes and parentheses; unbalanced text is a 400. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) invalid(`unbalanced ')' in '${text}'`);
    else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote || depth !== 0) invalid(`unclosed ${quote ? "quote" : "'('"} in '${text}'`);
  parts.push(text.slice(start));
  return parts;
}

function nonNegativeInt(key: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    invalid(`${key} must be an integer ≥ ${min}, got '${value}'`);
  }
  return Number(value);
}

function parseOptions(text: string, part: string): IncludeOptions {
  const options: IncludeOptions = {};
  for (const raw of splitTopLevel(text, ";")) {
    const colon = raw.indexOf(":");
    if (colon < 0) invalid(`option '${raw.trim()}' in '${part}' has no ':'`);
    const key = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    if (key in options) invalid(`option '${key}' given twice in '${part}'`);
    if (value === "") invalid(`option '${key}' in '${part}' has no value`);
    if (key === "select") options.select = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    else if (key === "filter") options.filter = value;
    else if (key === "limit") options.limit = nonNegativeInt(key, value, 1);
    else if (key === "offset") options.offset = nonNegativeInt(key, value, 0);
    else invalid(`unknown option '${key}' in '${part}' (use select, filter, limit or offset)`);
  }
  return options;
}

function addPath(roots: IncludeNode[], path: string[], options: IncludeOptions | undefined, part: string): void {
  let level = roots;
  path.forEach((name, i) => {
    let node = level.find((n) => n.name === name);
    if (!node) level.push((node = { name, options: undefined, children: [] }));
    if (i === path.length - 1 && options) {
      if (node.options) invalid(`options for '${path.join(".")}' given twice ('${part}')`);
      node.options = options;
    }
    level = node.children;
  });
}

/**
 * Parses an include string into a tree; `author,author.profile` share one `author` node.
 * Throws a 400 `ValidationError` for malformed text or unknown options.
 * @example parseInclude("author.profile,comments(limit:5;select:id,body)")
 */
export function parseInclude(raw: string): IncludeNode[] {
  const roots: IncludeNode[] = [];
  for (const piece of splitTopLevel(raw, ",")) {
    const part = piece.trim();
    if (part === "") invalid(`empty relation name in '${raw}'`);
    const open = part.indexOf("(");
    const pathText = open < 0 ? part : part.slice(0, open);
    let options: IncludeOptions | undefined;
    if (open >= 0) {
      if (!part.endsWith(")")) invalid(`unexpected text after ')' in '${part}'`);
      options = parseOptions(part.slice(open + 1, -1), part);
    }
    const path = pathText.split(".").map((s) => s.trim());
    for (const name of path) if (!NAME.test(name)) invalid(`'${name}' is not a relation name (in '${part}')`);
    addPath(roots, path, options, part);
  }
  return roots;
}

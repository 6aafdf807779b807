/**
 * Recursive-descent RSQL parser (10-resources §5.1). It reads the source directly, without a
 * separate token list, and enforces the user-filter limits while it goes, so hostile input
 * costs at most one linear pass and every failure is a `FilterParseError` carrying a `position`.
 * @module
 */
import { FilterParseError } from "../errors/problem.js";
import { canonicalOperator } from "./ast.js";
import type { RsqlComparison, RsqlLimits, RsqlNode, RsqlRange, RsqlScalar, RsqlValue } from "./ast.js";
import { parseIsoDate } from "./dates.js";

const DEFAULT_LIMITS: Required<RsqlLimits> = { maxLength: 4096, maxDepth: 10, maxNodes: 100 };

const NUMBER = /[+-]?(?:\d+(?:\.\d+)?|\.\d+)/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const WORD = /[A-Za-z0-9_]+/y;
const NAMED_OPERATOR = /=[A-Za-z_][A-Za-z0-9_]*=/y;
const REST = /[A-Za-z0-9_.+-]*/y;
const BLANK = /^[ \t\r\n]*$/;

function isIdentChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Shows the offending text in messages without echoing an unbounded input back. */
function excerpt(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private comparisons = 0;

  constructor(
    private readonly src: string,
    private readonly limits: Required<RsqlLimits>,
  ) {}

  parse(): RsqlNode {
    const node = this.parseOr();
    this.skipSpace();
    if (this.pos < this.src.length) {
      const hint = this.src[this.pos] === ")" ? "Unexpected ')'" : `Unexpected input '${excerpt(this.src.slice(this.pos))}'`;
      this.fail(`${hint} at position ${this.pos}`, this.pos);
    }
    return node;
  }

  private fail(message: string, position: number, suggestion?: string): never {
    throw new FilterParseError(message, suggestion === undefined ? { position } : { position, suggestion });
  }

  private skipSpace(): void {
    const src = this.src;
    while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
  }

  /** Length of the separator at the cursor (`,`, `||`, `or`, `OR` / `;`, `&&`, `and`, `AND`), or 0. */
  private separator(kind: "or" | "and"): number {
    const src = this.src;
    const at = this.pos;
    const [symbol, double, word, upper] = kind === "or" ? [",", "||", "or", "OR"] : [";", "&&", "and", "AND"];
    if (src.startsWith(symbol, at)) return 1;
    if (src.startsWith(double, at)) return 2;
    if (src.startsWith(word, at) || src.startsWith(upper, at)) {
      // A keyword must stand alone: `orders==1` is a field, not `or` + `ders`.
      const after = at + word.length;
      return after < src.length && isIdentChar(src.charCodeAt(after)) ? 0 : word.length;
    }
    return 0;
  }

  private parseOr(): RsqlNode {
    const children: RsqlNode[] = [];
    for (;;) {
      push(children, this.parseAnd(), "or");
      this.skipSpace();
      const length = this.separator("or");
      if (length === 0) break;
      this.pos += length;
    }
    return children.length === 1 ? children[0]! : { type: "or", children };
  }

  private parseAnd(): RsqlNode {
    const children: RsqlNode[] = [];
    for (;;) {
      push(children, this.parseTerm(), "and");
      this.skipSpace();
      const length = this.separator("and");
      if (length === 0) break;
      this.pos += length;
    }
    return children.length === 1 ? children[0]! : { type: "and", children };
  }

  private parseTerm(): RsqlNode {
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) !== 40 /* ( */) return this.parseComparison();
    const open = this.pos;
    if (++this.depth > this.limits.maxDepth) {
      this.fail(`Nesting deeper than ${this.limits.maxDepth} levels at position ${open}`, open);
    }
    this.pos++;
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) === 41) this.fail(`Empty group at position ${open}`, open);
    const inner = this.parseOr();
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) !== 41 /* ) */) {
      if (this.pos >= this.src.length) this.fail(`Missing ')' for the '(' at position ${open}`, open);
      this.fail(`Expected ')' or an operator between terms at position ${this.pos}`, this.pos);
    }
    this.pos++;
    this.depth--;
    return inner;
  }

  private parseComparison(): RsqlComparison {
    const position = this.pos;
    if (this.pos >= this.src.length) this.fail(`Expected a field name at position ${position} (end of input)`, position);
    if (++this.comparisons > this.limits.maxNodes) {
      this.fail(`More than ${this.limits.maxNodes} comparisons at position ${position}`, position);
    }
    const path = this.parseField();
    this.skipSpace();
    const op = this.parseOperator();
    this.skipSpace();
    const value = this.parseValue();
    return { type: "cmp", field: path.join("."), path, op, value, position };
  }

  private parseField(): string[] {
    const path: string[] = [];
    for (;;) {
      const ident = this.match(IDENT);
      if (ident === undefined) {
        const what = path.length === 0 ? "a field name" : "a field name after '.'";
        const found = this.pos < this.src.length ? `'${this.src[this.pos]}'` : "end of input";
        this.fail(`Expected ${what} at position ${this.pos}, found ${found}`, this.pos);
      }
      path.push(ident);
      if (this.src.charCodeAt(this.pos) !== 46 /* . */) return path;
      this.pos++;
    }
  }

  private parseOperator(): string {
    const src = this.src;
    const at = this.pos;
    const c = src[at];
    let op: string | undefined;
    if (c === "=") op = src.startsWith("==", at) ? "==" : this.match(NAMED_OPERATOR);
    else if (c === "!") op = src.startsWith("!=", at) ? "!=" : src.startsWith("!%=", at) ? "!%=" : undefined;
    else if (c === ">" || c === "<") op = src[at + 1] === "=" ? `${c}=` : c;
    else if (c === "%") op = src[at + 1] === "=" ? "%=" : undefined;
    if (op === undefined) {
      const found = at < src.length ? `'${excerpt(src.slice(at, at + 10))}'` : "end of input";
      this.fail(`Expected an operator at position ${at}, found ${found}`, at, "Use ==, !=, >, >=, <, <=, %=, !%= or =name=");
    }
    this.pos = at + op.length;
    return canonicalOperator(op);
  }

  private parseValue(): RsqlValue {
    const c = this.src.charCodeAt(this.pos);
    if (c === 40 /* ( */) return this.parseSet();
    if (c === 91 /* [ */) return this.parseRange();
    return this.parseScalar();
  }

  private parseScalar(): RsqlScalar {
    const at = this.pos;
    const c = this.src.charCodeAt(at);
    if (c === 34 /* " */) {
      const text = this.parseString();
      return parseIsoDate(text) ?? text;
    }
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) return this.parseNumber();
    const word = this.match(WORD);
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    if (word !== undefined) {
      this.fail(`Unquoted value '${excerpt(word)}' at position ${at}`, at, `Quote strings: "${excerpt(word)}"`);
    }
    if (c === 40 || c === 91) this.fail(`Sets and ranges cannot be nested (position ${at})`, at);
    const found = at < this.src.length ? `'${this.src[at]}'` : "end of input";
    this.fail(`Expected a value at position ${at}, found ${found}`, at);
  }

  private parseString(): string {
    const src = this.src;
    const start = this.pos;
    let out = "";
    let i = start + 1;
    for (;;) {
      const quote = src.indexOf('"', i);
      const slash = src.indexOf("\\", i);
      if (quote === -1) this.fail(`Unterminated string starting at position ${start}`, start);
      if (slash === -1 || quote < slash) {
        out += src.slice(i, quote);
        this.pos = quote + 1;
        return out;
      }
      // A backslash makes the next character literal, whatever it is (10-resources §5.1).
      if (slash + 1 >= src.length) this.fail(`Unterminated string starting at position ${start}`, start);
      out += src.slice(i, slash) + src[slash + 1];
      i = slash + 2;
    }
  }

  private parseNumber(): number {
    const at = this.pos;
    const text = this.match(NUMBER);
    const next = this.src.charCodeAt(this.pos);
    if (text === undefined || isIdentChar(next) || next === 46) {
      REST.lastIndex = at;
      this.fail(`Invalid number '${excerpt(REST.exec(this.src)?.[0] ?? "")}' at position ${at}`, at);
    }
    const value = Number(text);
    if (!Number.isFinite(value)) this.fail(`Number out of range at position ${at}`, at);
    return value;
  }

  private parseSet(): RsqlScalar[] {
    const items: RsqlScalar[] = [];
    this.pos++;
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) === 41) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.parseScalar());
      this.skipSpace();
      const c = this.src.charCodeAt(this.pos);
      if (c === 41) break;
      if (c !== 44) this.fail(`Expected ',' or ')' in a set at position ${this.pos}`, this.pos);
      this.pos++;
    }
    this.pos++;
    return items;
  }

  private parseRange(): RsqlRange {
    const open = this.pos;
    this.pos++;
    this.skipSpace();
    const low = this.parseScalar();
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) !== 44) this.fail(`A range needs exactly two values: [a,b] (position ${open})`, open);
    this.pos++;
    this.skipSpace();
    const high = this.parseScalar();
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) !== 93) this.fail(`A range needs exactly two values: [a,b] (position ${open})`, open);
    this.pos++;
    return { type: "range", bounds: [low, high] };
  }

  /** Runs a sticky regex at the cursor; on a match, advances past it. */
  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.src);
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
}

/** Appends a child, merging a nested group of the same type (`(a;b);c` → one AND of three). */
function push(children: RsqlNode[], node: RsqlNode, type: "and" | "or"): void {
  if (node.type === type) children.push(...node.children);
  else children.push(node);
}

/**
 * Parses an RSQL expression. Returns `null` for an empty or blank expression (no restriction).
 * Throws `FilterParseError` (with `position`) on invalid input or when a limit is exceeded.
 * @example parseRsql('status=in=("open","done");age>=18')
 */
export function parseRsql(input: string, limits: RsqlLimits = {}): RsqlNode | null {
  const resolved: Required<RsqlLimits> = {
    maxLength: limits.maxLength ?? DEFAULT_LIMITS.maxLength,
    maxDepth: limits.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxNodes: limits.maxNodes ?? DEFAULT_LIMITS.maxNodes,
  };
  if (typeof input !== "string") throw new FilterParseError("Filter must be a string", { position: 0 });
  if (input.length > resolved.maxLength) {
    throw new FilterParseError(`Expression longer than ${resolved.maxLength} characters`, {
      position: resolved.maxLength,
    });
  }
  // Postgres text cannot hold NUL, so a NUL would surface as a database error instead of a 400.
  const nul = input.indexOf("\0");
  if (nul !== -1) throw new FilterParseError(`NUL character at position ${nul}`, { position: nul });
  if (BLANK.test(input)) return null;
  return new Parser(input, resolved).parse();
}

/**
 * A small JSON → YAML emitter for the OpenAPI document: block style, plain scalars where
 * YAML reads them back as the same string, JSON-quoted strings everywhere else (a JSON string
 * is a valid YAML double-quoted scalar).
 * @module
 */

// Starts with a letter, `_`, `/` or `$` and has no space, `:` or `#`: never a number, never an indicator.
const PLAIN = /^[A-Za-z_/$][\w./{}$()-]*$/;
// Words YAML 1.1 parsers still read as booleans or null.
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

function scalar(value: unknown): string {
  if (typeof value === "string") return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  return value === null ? "null" : String(value);
}

function isBlock(value: unknown): value is object {
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

/** What follows `key:` or `-`: an inline scalar or an indented block on the next lines. */
function node(value: unknown, indent: string): string {
  if (isBlock(value)) return `\n${block(value, indent)}`;
  return ` ${typeof value === "object" && value !== null ? (Array.isArray(value) ? "[]" : "{}") : scalar(value)}`;
}

function block(value: object, indent: string): string {
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      // A mapping item starts on the dash line: "- key: value".
      if (isBlock(item) && !Array.isArray(item)) lines.push(`${indent}- ${block(item, `${indent}  `).slice(indent.length + 2)}`);
      else lines.push(`${indent}-${node(item, `${indent}  `)}`);
    }
  } else {
    for (const [key, item] of Object.entries(value)) lines.push(`${indent}${scalar(key)}:${node(item, `${indent}  `)}`);
  }
  return lines.join("\n");
}

/** Serializes a JSON-compatible value as YAML (values are normalized through JSON first). */
export function toYaml(value: unknown): string {
  const json: unknown = JSON.parse(JSON.stringify(value ?? null));
  return `${isBlock(json) ? block(json, "") : node(json, "").slice(1)}\n`;
}

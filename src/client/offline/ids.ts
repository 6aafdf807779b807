/**
 * Identifiers of offline writes (spec 80 §2, §6.1–§6.2): optimistic ids, idempotency keys, queue
 * entry ids, and the replacement of optimistic ids by server ids anywhere in a payload. Random
 * parts use `Math.random`: they only need to be unique, and React Native has no `crypto.randomUUID`.
 * @module
 */

/** `n` random base-36 characters. */
function randomChars(n: number): string {
  let out = "";
  while (out.length < n) out += Math.random().toString(36).slice(2);
  return out.slice(0, n);
}

/** `optimistic_<epochMs>_<9 base-36 chars>`: the temporary id of a create. */
export function createOptimisticId(now = Date.now()): string {
  return `optimistic_${now}_${randomChars(9)}`;
}

/** Whether `id` looks like one of ours. */
export function isOptimisticId(id: unknown): id is string {
  return typeof id === "string" && id.startsWith("optimistic_");
}

/** `<type>-<resource>[-<objectId>]-<base36 time>-<random>`, sent as `X-Idempotency-Key`. */
export function createIdempotencyKey(type: string, resource: string, objectId?: string, now = Date.now()): string {
  const parts = [type, resource];
  if (objectId !== undefined) parts.push(objectId);
  parts.push(now.toString(36), randomChars(6));
  // The server accepts 1–255 printable ASCII characters; long paths or ids are cut from the middle.
  const key = parts.join("-").replace(/[^\x21-\x7e]/g, "_");
  return key.length <= 255 ? key : `${key.slice(0, 120)}~${key.slice(-120)}`;
}

/** The id of a queue entry. */
export function createMutationId(now = Date.now()): string {
  return `m_${now.toString(36)}_${randomChars(8)}`;
}

/**
 * `data` with every string equal to a known optimistic id replaced by its server id, at any depth
 * (foreign keys, nested objects, arrays). Returns the same value when nothing changed.
 */
export function remapIds<T>(data: T, mappings: ReadonlyMap<string, string>): T {
  if (mappings.size === 0) return data;
  const visit = (value: unknown): unknown => {
    if (typeof value === "string") return mappings.get(value) ?? value;
    if (Array.isArray(value)) {
      const next = value.map(visit);
      return next.some((v, i) => v !== value[i]) ? next : value;
    }
    // Plain objects only: a Date, a Blob or a class instance is passed through as it is.
    const proto = value !== null && typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
    if (value !== null && typeof value === "object" && (proto === Object.prototype || proto === null)) {
      let changed = false;
      const next: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        const mapped = visit(inner);
        if (mapped !== inner) changed = true;
        next[key] = mapped;
      }
      return changed ? next : value;
    }
    return value;
  };
  return visit(data) as T;
}

/** Whether an optimistic id occurs anywhere inside `data`. */
export function mentionsId(data: unknown, id: string): boolean {
  if (data === id) return true;
  if (Array.isArray(data)) return data.some((v) => mentionsId(v, id));
  if (data !== null && typeof data === "object") return Object.values(data).some((v) => mentionsId(v, id));
  return false;
}

/** Shared helpers of the session suites (runtime-neutral: they also run inside workerd). */
import type { AuthUser } from "../../src/auth/types.js";

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

let counter = 0;
/** A unique id per call, so suites sharing a Redis, a DO or a table never collide. */
export const uid = (label = "id") => `${label}-${Date.now().toString(36)}-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** An in-memory users "table" the strategies read through getUserById. */
export function userDirectory(initial: AuthUser[] = []) {
  const users = new Map(initial.map((user) => [user.id, user]));
  let reads = 0;
  return {
    users,
    get reads() {
      return reads;
    },
    getUserById: async (id: string) => {
      reads++;
      return users.get(id) ?? null;
    },
  };
}

/** Cookie name → value from a response's Set-Cookie headers. */
export function setCookies(response: Response): Map<string, { value: string; attributes: string }> {
  const out = new Map<string, { value: string; attributes: string }>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = "", ...rest] = line.split(";");
    const eq = pair.indexOf("=");
    out.set(pair.slice(0, eq).trim(), { value: pair.slice(eq + 1), attributes: rest.map((a) => a.trim()).join("; ") });
  }
  return out;
}

/** Values that must never authenticate: garbage, oversized and injection-looking session ids. */
export const HOSTILE_IDS = [
  "",
  " ",
  "%%%",
  "\"quoted\"",
  "' OR '1'='1",
  "x'; DROP TABLE auth_sessions; --",
  "1 OR 1=1",
  "session:s:../../etc",
  "\u00e9\u4e2d\u6587",
  "a".repeat(257),
  "b".repeat(10_000),
];

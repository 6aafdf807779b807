/**
 * The OAuth state record: written at the redirect, taken (atomic get-and-delete) at the callback,
 * so a callback URL works once. The browser holds only the record's random id in an HttpOnly
 * cookie; the `state` sent upstream is a second random value kept inside the record.
 * @module
 */
import type { Context } from "hono";
import { kvFor } from "../../middleware/kv-context.js";
import { createLocalStore } from "../../middleware/local-store.js";
import { generateToken } from "../verification-tokens.js";
import type { SocialStateBag, SocialStateStore } from "./types.js";

/** What the callback needs from the start of the flow. */
export interface StateRecord {
  provider: string;
  state: string;
  redirectUri: string;
  bag: SocialStateBag;
}

const PREFIX = "oauth-state:";
// generateToken(): base64url of 32 bytes. Anything else in the cookie is rejected before the KV.
const ID = /^[A-Za-z0-9_-]{43}$/;

/** Picks the state store per request: the configured one, else the request's KV, else one memory store. */
export function stateStoreResolver(configured: SocialStateStore | undefined): (c: Context) => SocialStateStore {
  if (configured) return () => configured;
  let memory: SocialStateStore | undefined;
  return (c) => kvFor(c) ?? (memory ??= createLocalStore());
}

/** Stores a new record; returns the id for the cookie. */
export async function saveState(store: SocialStateStore, record: StateRecord, ttlMs: number): Promise<string> {
  const id = generateToken();
  await store.set(PREFIX + id, JSON.stringify(record), { ttlMs });
  return id;
}

/** Takes the record named by `id` exactly once; null when unknown, expired, already taken or malformed. */
export async function takeState(store: SocialStateStore, id: string | undefined): Promise<StateRecord | null> {
  if (!id || !ID.test(id)) return null;
  const key = PREFIX + id;
  const value = await store.get(key);
  // Of concurrent callbacks with one cookie, only the one whose delete wins proceeds.
  if (value === null || !(await store.compareAndSet(key, value, null))) return null;
  try {
    const record = JSON.parse(value) as Partial<StateRecord>;
    if (typeof record.provider !== "string" || typeof record.state !== "string" || typeof record.redirectUri !== "string") return null;
    return { provider: record.provider, state: record.state, redirectUri: record.redirectUri, bag: record.bag && typeof record.bag === "object" ? record.bag : {} };
  } catch {
    return null;
  }
}

/**
 * Where the JWT client keeps its tokens (spec 80 §5.3). A `TokenStorage` may be synchronous
 * (localStorage, memory) or return promises (React Native's AsyncStorage, SecureStore wrappers);
 * AsyncStorage-shaped objects (`getItem`/`setItem`/`removeItem`) are adapted as they are.
 * @module
 */

type MaybePromise<T> = T | Promise<T>;

/** Token storage: sync or async methods. */
export interface TokenStorage {
  get(key: string): MaybePromise<string | null | undefined>;
  set(key: string, value: string): MaybePromise<void>;
  remove(key: string): MaybePromise<void>;
}

/** The shape of React Native's AsyncStorage (and of `localStorage`). */
export interface AsyncStorageLike {
  getItem(key: string): MaybePromise<string | null>;
  setItem(key: string, value: string): MaybePromise<void>;
  removeItem(key: string): MaybePromise<void>;
}

/** Keeps tokens in memory: they are gone when the process or page goes away. */
export class JWTMemoryTokenStorage implements TokenStorage {
  readonly #values = new Map<string, string>();
  get(key: string): string | null {
    return this.#values.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.#values.set(key, value);
  }
  remove(key: string): void {
    this.#values.delete(key);
  }
}

/** Adapts an AsyncStorage-shaped store, prefixing keys. */
export class KeyValueTokenStorage implements TokenStorage {
  readonly #store: AsyncStorageLike;
  readonly #prefix: string;
  constructor(store: AsyncStorageLike, prefix = "covara_jwt_") {
    this.#store = store;
    this.#prefix = prefix;
  }
  get(key: string): MaybePromise<string | null> {
    return this.#store.getItem(this.#prefix + key);
  }
  set(key: string, value: string): MaybePromise<void> {
    return this.#store.setItem(this.#prefix + key, value);
  }
  remove(key: string): MaybePromise<void> {
    return this.#store.removeItem(this.#prefix + key);
  }
}

/** The browser's `localStorage` if it exists and works (private modes and sandboxes may throw). */
export function browserLocalStorage(): AsyncStorageLike | undefined {
  try {
    const storage = (globalThis as { localStorage?: AsyncStorageLike & { setItem(k: string, v: string): void; removeItem(k: string): void } }).localStorage;
    if (!storage) return undefined;
    const probe = "__covara_probe__";
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

/** `localStorage` with the `covara_jwt_` prefix; throws where there is no `localStorage`. */
export class JWTLocalStorageTokenStorage extends KeyValueTokenStorage {
  constructor(prefix = "covara_jwt_") {
    const storage = browserLocalStorage();
    if (!storage) throw new Error("localStorage is not available in this runtime; use JWTMemoryTokenStorage or an AsyncStorage-backed storage");
    super(storage, prefix);
  }
}

/**
 * A `TokenStorage` from what the app passed: a `TokenStorage`, an AsyncStorage-shaped store, or
 * nothing (`localStorage` where it works, memory elsewhere).
 */
export function toTokenStorage(storage?: TokenStorage | AsyncStorageLike): TokenStorage {
  if (!storage) {
    const local = browserLocalStorage();
    return local ? new KeyValueTokenStorage(local) : new JWTMemoryTokenStorage();
  }
  if (typeof (storage as TokenStorage).get === "function") return storage as TokenStorage;
  return new KeyValueTokenStorage(storage as AsyncStorageLike);
}

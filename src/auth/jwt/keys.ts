/**
 * Turns the key options of `jwtSession`/`createJWTAdapter` into a signing key and a verification
 * key (or JWKS resolver) for exactly one algorithm. Imports are lazy and memoised because jose's
 * key imports are async.
 * @module
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  importX509,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";

/** The algorithms a JWT transport can be pinned to. */
export type JwtAlgorithm = "HS256" | "RS256" | "ES256" | "EdDSA";

/** The supported algorithms. */
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ["HS256", "RS256", "ES256", "EdDSA"];

/**
 * A key: for HS256 the shared secret (a string, taken as UTF-8, or bytes; at least 32 bytes);
 * for RS256/ES256/EdDSA a PEM string (PKCS#8 private key, SPKI public key or X.509 certificate),
 * a JWK object, or a Web Crypto `CryptoKey`.
 */
export type JwtKeyInput = string | Uint8Array | CryptoKey | JWK;

/** A JWK set to verify with: the set itself, or the URL it is fetched from (cached by jose). */
export type JwksInput = JSONWebKeySet | string | URL;

/** The key options shared by `jwtSession` and `createJWTAdapter`. */
export interface JwtKeyOptions {
  algorithm: JwtAlgorithm;
  /** HS256: the shared secret. Asymmetric algorithms: the private (signing) key when `privateKey` is absent. */
  secret?: JwtKeyInput;
  /** The private (signing) key of RS256/ES256/EdDSA. */
  privateKey?: JwtKeyInput;
  /** The public (verification) key; derived from the private key when omitted and possible. */
  publicKey?: JwtKeyInput;
  /** Verify against a JWK set instead of `publicKey` (tokens are matched by `kid`). */
  jwks?: JwksInput;
  /** `kid` header of issued tokens; defaults to the signing JWK's `kid`. */
  keyId?: string;
}

type KeyMaterial = CryptoKey | Uint8Array;

/** The resolved keys of one configuration. */
export interface JwtKeys {
  /** The signing key; rejects when the configuration is verify-only. */
  signingKey(): Promise<{ key: KeyMaterial; kid?: string }>;
  /** The key (or JWKS resolver) `jwtVerify` checks signatures with. */
  verificationKey(): Promise<KeyMaterial | JWTVerifyGetKey>;
}

const MIN_SECRET_BYTES = 32;
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const isCryptoKey = (value: unknown): value is CryptoKey => typeof CryptoKey !== "undefined" && value instanceof CryptoKey;

/** Validates the options eagerly (a misconfiguration throws at construction) and returns lazy keys. */
export function resolveJwtKeys(options: JwtKeyOptions): JwtKeys {
  const { algorithm } = options;
  if (!JWT_ALGORITHMS.includes(algorithm)) throw new TypeError(`jwt: unsupported algorithm "${String(algorithm)}" (use ${JWT_ALGORITHMS.join(", ")})`);
  if (algorithm === "HS256") return symmetricKeys(options);
  const signing = options.privateKey ?? options.secret;
  if (signing === undefined && options.publicKey === undefined && options.jwks === undefined) {
    throw new TypeError(`jwt: ${algorithm} needs a privateKey (or secret) to sign, or a publicKey/jwks to verify`);
  }
  if (typeof signing === "string" && !signing.includes("-----BEGIN")) {
    // A plain string here is almost always an HS256 secret left over from a config change.
    throw new TypeError(`jwt: ${algorithm} keys given as strings must be PEM`);
  }

  let signingPromise: Promise<{ key: KeyMaterial; kid?: string }> | undefined;
  let verifyPromise: Promise<KeyMaterial | JWTVerifyGetKey> | undefined;
  const signingKey = () =>
    (signingPromise ??= (async () => {
      if (signing === undefined) throw new Error("jwt: this configuration can only verify tokens (no private key)");
      const key = await importKey(signing, algorithm, "private");
      const kid = options.keyId ?? (isJwk(signing) ? signing.kid : undefined);
      return kid === undefined ? { key } : { key, kid };
    })());
  const verificationKey = () =>
    (verifyPromise ??= (async () => {
      if (options.jwks !== undefined) return jwksResolver(options.jwks);
      if (options.publicKey !== undefined) return importKey(options.publicKey, algorithm, "public");
      return derivePublicKey(signing!, algorithm);
    })());
  return { signingKey, verificationKey };
}

function symmetricKeys(options: JwtKeyOptions): JwtKeys {
  if (options.publicKey !== undefined || options.privateKey !== undefined) {
    throw new TypeError("jwt: HS256 uses only `secret`; publicKey/privateKey belong to RS256, ES256 or EdDSA");
  }
  const secret = options.secret;
  let key: Promise<KeyMaterial> | undefined;
  if (typeof secret === "string" || secret instanceof Uint8Array) {
    const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
    if (bytes.length < MIN_SECRET_BYTES) throw new TypeError(`jwt: the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
    // Imported once: jose would import raw secret bytes again on every sign and verify.
    key = crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]) as Promise<KeyMaterial>;
  } else if (secret !== undefined) {
    key = importKey(secret, "HS256", "private");
  } else if (options.jwks === undefined) {
    throw new TypeError("jwt: HS256 needs a `secret`");
  }
  const signingKey = async () => {
    if (!key) throw new Error("jwt: this configuration can only verify tokens (no secret)");
    return { key: await key, ...(options.keyId ? { kid: options.keyId } : {}) };
  };
  let verifyPromise: Promise<KeyMaterial | JWTVerifyGetKey> | undefined;
  const verificationKey = () => (verifyPromise ??= options.jwks !== undefined ? Promise.resolve(jwksResolver(options.jwks)) : key!);
  return { signingKey, verificationKey };
}

function isJwk(value: JwtKeyInput): value is JWK {
  return typeof value === "object" && !(value instanceof Uint8Array) && !isCryptoKey(value);
}

async function importKey(input: JwtKeyInput, algorithm: JwtAlgorithm, use: "private" | "public", extractable = false): Promise<KeyMaterial> {
  if (isCryptoKey(input) || input instanceof Uint8Array) return input;
  if (typeof input === "string") {
    if (use === "private") return importPKCS8(input, algorithm, { extractable });
    return input.includes("BEGIN CERTIFICATE") ? importX509(input, algorithm) : importSPKI(input, algorithm);
  }
  return importJWK(input, algorithm, { extractable }) as Promise<KeyMaterial>;
}

/** The public half of a private key: JWKs and PEM are re-imported extractable; a CryptoKey must be extractable. */
async function derivePublicKey(signing: JwtKeyInput, algorithm: JwtAlgorithm): Promise<KeyMaterial> {
  if (isCryptoKey(signing) && signing.type === "public") return signing;
  if (isCryptoKey(signing) && !signing.extractable) {
    throw new TypeError("jwt: pass `publicKey` (the private CryptoKey is not extractable)");
  }
  const key = isCryptoKey(signing) ? signing : await importKey(signing, algorithm, "private", true);
  const jwk = await exportJWK(key);
  for (const member of PRIVATE_JWK_MEMBERS) delete (jwk as Record<string, unknown>)[member];
  return importJWK(jwk, algorithm) as Promise<KeyMaterial>;
}

function jwksResolver(jwks: JwksInput): JWTVerifyGetKey {
  if (typeof jwks === "string" || jwks instanceof URL) return createRemoteJWKSet(new URL(jwks));
  return createLocalJWKSet(jwks);
}

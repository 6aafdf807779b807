/** base64 (RFC 4648 §4, padded) and base64url (§5, unpadded) over bytes and UTF-8, web standards only (no Buffer on Workers). */

function binaryOf(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return binary;
}

/** atob, then bytes; null when atob rejects the text. */
function decodeBinary(text: string): Uint8Array | null {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** Encodes bytes as standard padded base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(binaryOf(bytes));
}

/** Decodes strict standard padded base64; null for anything else. */
export function base64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return decodeBinary(text);
}

/** Encodes bytes as base64url. */
export function bytesToBase64url(bytes: Uint8Array): string {
  return btoa(binaryOf(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url; returns null for anything that is not valid base64url. */
export function base64urlToBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  return decodeBinary(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
}

/** Encodes a string as UTF-8 base64url. */
export function encodeBase64urlText(text: string): string {
  return bytesToBase64url(new TextEncoder().encode(text));
}

/** Decodes UTF-8 base64url text; null when malformed. */
export function decodeBase64urlText(text: string): string | null {
  const bytes = base64urlToBytes(text);
  if (!bytes) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

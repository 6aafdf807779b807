/** SHA-256 through Web Crypto (Workers, Node ≥ 20 and browsers alike), as lowercase hex. */

const encoder = new TextEncoder();

/** The SHA-256 digest of a string (UTF-8) or bytes, as 64 lowercase hex characters. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * `GET /__covara/docs`: an interactive API reference (Scalar, loaded from jsDelivr) over the
 * app's openapi.json, with a Content-Security-Policy that allows only what that page uses.
 * @module
 */

/** The pinned major version of @scalar/api-reference the page loads. */
export const SCALAR_SCRIPT = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The page's HTML and the CSP that goes with it. */
export async function docsPage(title: string, documentUrl: string, serverOrigins: string[]): Promise<{ html: string; csp: string }> {
  // JSON.stringify quotes the URL for JS; `<` is escaped so it cannot close the script element.
  const init = `Scalar.createApiReference("#app",{url:${JSON.stringify(documentUrl).replace(/</g, "\\u003c")}})`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script src="${SCALAR_SCRIPT}"></script>
<script>${init}</script>
</body>
</html>
`;
  // The inline initializer is allowed by its hash, not by 'unsafe-inline'. Scalar injects its
  // styles at runtime (so style-src needs 'unsafe-inline') and loads its fonts from fonts.scalar.com;
  // "try it" requests go to this origin and to the configured servers.
  const csp = [
    "default-src 'none'",
    `script-src https://cdn.jsdelivr.net 'sha256-${await sha256Base64(init)}'`,
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net",
    "font-src https://fonts.scalar.com https://cdn.jsdelivr.net data:",
    "img-src 'self' data:",
    `connect-src ${["'self'", ...serverOrigins].join(" ")}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

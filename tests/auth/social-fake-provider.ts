/**
 * A fake OAuth 2.0 provider shaped like GitHub, as a web-standard request handler: Node serves it
 * over loopback with node:http, workerd reaches it through a stubbed global `fetch`. It checks the
 * exact wire format (RFC 6749 §4.1.1, §4.1.3, RFC 6750 §2.1/§2.3, RFC 7636) and records every call,
 * so tests can assert that the token endpoint was or was not contacted.
 */

export const CLIENT_ID = "test-client-id";
export const CLIENT_SECRET = "test-client-secret-1234";

export const GITHUB_USER = { id: 4242, login: "octocat", name: "Octo Cat", email: null, avatar_url: "https://avatars.example/octo.png", node_id: "MDQ6VXNlcjQyNDI=" };
export const PRIMARY_EMAIL = "octo@example.com";

interface IssuedCode {
  redirectUri: string;
  clientId: string;
  challenge?: { value: string; method: string };
}

/** A fake provider; `calls` counts requests per endpoint, `violations` lists wire-format errors. */
export interface FakeProvider {
  /** Origin the endpoints live under (set by the runner). */
  baseUrl: string;
  handle(request: Request): Promise<Response>;
  calls: { authorize: number; token: number; user: number; emails: number };
  violations: string[];
  /** Token requests as received (form fields), for exact-format assertions. */
  tokenRequests: { contentType: string | null; accept: string | null; form: Record<string, string> }[];
  /** Makes the user endpoint answer a user without an id. */
  options: { userWithoutId?: boolean };
  reset(): void;
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Creates a fake provider; `baseUrl` must be set before use. */
export function createFakeProvider(): FakeProvider {
  const codes = new Map<string, IssuedCode>();
  const tokens = new Set<string>();
  const fake: FakeProvider = {
    baseUrl: "",
    calls: { authorize: 0, token: 0, user: 0, emails: 0 },
    violations: [],
    tokenRequests: [],
    options: {},
    reset() {
      fake.calls = { authorize: 0, token: 0, user: 0, emails: 0 };
      fake.violations = [];
      fake.tokenRequests = [];
      fake.options = {};
    },
    async handle(request) {
      const url = new URL(request.url);
      const fail = (why: string, status = 400) => {
        fake.violations.push(why);
        return json({ error: "invalid_request", error_description: why }, status);
      };

      if (url.pathname === "/login/oauth/authorize" && request.method === "GET") {
        fake.calls.authorize++;
        const q = url.searchParams;
        if (q.get("response_type") !== "code") return fail("response_type must be code");
        if (q.get("client_id") !== CLIENT_ID) return fail("unknown client_id");
        const redirectUri = q.get("redirect_uri");
        if (!redirectUri) return fail("redirect_uri missing");
        const code = crypto.randomUUID();
        const method = q.get("code_challenge_method");
        const challenge = q.get("code_challenge");
        codes.set(code, { redirectUri, clientId: CLIENT_ID, ...(challenge ? { challenge: { value: challenge, method: method ?? "plain" } } : {}) });
        const back = new URL(redirectUri);
        back.searchParams.set("code", code);
        const state = q.get("state");
        if (state !== null) back.searchParams.set("state", state);
        return new Response(null, { status: 302, headers: { location: back.toString() } });
      }

      if (url.pathname === "/login/oauth/access_token" && request.method === "POST") {
        fake.calls.token++;
        const contentType = request.headers.get("content-type");
        const form = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer())));
        fake.tokenRequests.push({ contentType, accept: request.headers.get("accept"), form });
        if (!contentType?.startsWith("application/x-www-form-urlencoded")) return fail("token request must be form-encoded");
        if (form.grant_type !== "authorization_code") return fail("grant_type must be authorization_code");
        if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) return fail("client authentication failed", 401);
        const issued = form.code ? codes.get(form.code) : undefined;
        // GitHub answers a bad code with 200 and an `error` field.
        if (!issued) return json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
        codes.delete(form.code!);
        if (form.redirect_uri !== issued.redirectUri) return fail("redirect_uri differs from the authorization request");
        if (issued.challenge) {
          const verifier = form.code_verifier ?? "";
          const expected = issued.challenge.method === "S256" ? await s256(verifier) : verifier;
          if (expected !== issued.challenge.value) return fail("PKCE verification failed");
        } else if (form.code_verifier !== undefined) return fail("unexpected code_verifier");
        const accessToken = `gho_${crypto.randomUUID().replace(/-/g, "")}`;
        tokens.add(accessToken);
        return json({ access_token: accessToken, token_type: "bearer", scope: "user:email" });
      }

      // RFC 6750: §2.1 Authorization header (GitHub style) or §2.3 query parameter.
      const bearer = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1] ?? url.searchParams.get("access_token");
      if (url.pathname === "/user" && request.method === "GET") {
        fake.calls.user++;
        if (!request.headers.get("user-agent")) return fail("User-Agent required");
        if (!bearer || !tokens.has(bearer)) return fail("bad credentials", 401);
        return json(fake.options.userWithoutId ? { ...GITHUB_USER, id: undefined } : GITHUB_USER);
      }
      if (url.pathname === "/user/emails" && request.method === "GET") {
        fake.calls.emails++;
        if (!bearer || !tokens.has(bearer)) return fail("bad credentials", 401);
        return json([{ email: "other@example.com", primary: false, verified: true }, { email: PRIMARY_EMAIL, primary: true, verified: true }]);
      }
      return fail(`no route ${request.method} ${url.pathname}`, 404);
    },
  };
  return fake;
}

// @vitest-environment happy-dom
/** @jsxImportSource react */
/**
 * The README's React snippets as written, rendered against a real server: `TodoApp`
 * (`getOrCreateClient` with `offline: true`, `useAuth`, `useLiveList` with optimistic
 * `mutate.create`/`mutate.delete`) and `LoginGate` (`initJWTClient` + `useJWTAuth`). Only
 * `baseUrl` points at the test server; `email` and `password` are the gate's free variables.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cookieSession, createJWTAdapter, InMemorySessionStore, useAuth as serverAuth, type AuthUser } from "../../src/auth/index.js";
import { createClient, getOrCreateClient } from "../../src/client/index.js";
import { useLiveList, useAuth } from "../../src/client/react/index.js";
import { initJWTClient } from "../../src/client/react/index.js";
import { useJWTAuth } from "../../src/client/react/index.js";
import { openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { pageAt, tick } from "./react-fixture.js";

interface User {
  id: string;
  name: string;
}

const ada: AuthUser = { id: "u1", email: "ada@example.com", name: "Ada" };
const checkPassword = async (email: string, password: string) => (email === ada.email && password === "pw" ? ada : null);
const findUser = async (id: string) => (id === ada.id ? ada : null);

const forgetGlobals = () => {
  delete (globalThis as { __covaraJWTClient?: unknown }).__covaraJWTClient;
  delete (globalThis as { __covaraClient?: unknown }).__covaraClient;
  localStorage.clear();
};

describe("README: TodoApp", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const auth = serverAuth({ session: cookieSession({ getUserById: findUser, store: new InMemorySessionStore() }), login: { validateCredentials: checkPassword } });
    server = await serve({ db, covara: { auth } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    cleanup();
    await tick(5);
    await server.close();
    db.close();
  });

  it("renders the signed-in user's live list; Add and Delete apply at once and reach the server", async () => {
    forgetGlobals();
    // Signed in beforehand: the page's cookie jar holds the session (another tab of the same user writes with it).
    const post = (path: string, body: unknown) =>
      fetch(`${server.origin}${path}`, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await post("/api/auth/login", { email: "ada@example.com", password: "pw" });
    expect((await post("/api/todos", { title: "Write docs", position: 1 })).status).toBe(201);

    // --- README "Client Library", verbatim but for baseUrl ---
    const client = getOrCreateClient({
      baseUrl: server.origin,
      credentials: "include",
      offline: true, // optimistic updates + mutation queue + persistence
    });
    function TodoApp() {
      const { user, isAuthenticated } = useAuth();
      const { items, status, mutate } = useLiveList<Todo>("/api/todos", {
        orderBy: "position",
      });
      return (
        <div>
          <p>Welcome, {user?.name}! ({status})</p>
          <ul>
            {items.map((todo) => (
              <li key={todo.id}>
                {todo.title}
                <button onClick={() => mutate.delete(todo.id)}>Delete</button>
              </li>
            ))}
          </ul>
          <button onClick={() => mutate.create({ title: "New todo" })}>Add</button>
        </div>
      );
    }
    // --- end of snippet ---

    render(<TodoApp />);
    const shown = () => screen.queryAllByRole("listitem").map((li) => li.textContent);
    await waitFor(() => expect(screen.getByText("Welcome, Ada! (live)")).toBeTruthy());
    expect(shown()).toEqual(["Write docsDelete"]);

    const seen: string[][] = [];
    act(() => void fireEvent.click(screen.getByText("Add")));
    // Optimistic: in the list before any server round trip. Position 0 (the server default) sorts first once stored.
    expect(shown()).toEqual(["Write docsDelete", "New todoDelete"]);
    await waitFor(async () => {
      seen.push(shown() as string[]);
      expect((await client.resource<Todo>("/api/todos").list({ orderBy: "position" })).items.map((t) => t.title)).toEqual(["New todo", "Write docs"]);
    });
    await waitFor(() => expect(shown()).toEqual(["New todoDelete", "Write docsDelete"]));
    for (const rows of seen) expect(rows.filter((r) => r === "New todoDelete")).toHaveLength(1);

    // Another user's change arrives over SSE.
    await post("/api/todos", { title: "From elsewhere", position: 5 });
    await waitFor(() => expect(shown()).toEqual(["New todoDelete", "Write docsDelete", "From elsewhereDelete"]));

    act(() => void fireEvent.click(screen.getAllByText("Delete")[0]!));
    expect(shown()).toEqual(["Write docsDelete", "From elsewhereDelete"]);
    await waitFor(async () => expect((await client.resource<Todo>("/api/todos").list()).items.map((t) => t.title)).toEqual(["Write docs", "From elsewhere"]));
    await tick(50);
    expect(shown()).toEqual(["Write docsDelete", "From elsewhereDelete"]);
    expect(screen.getByText("Welcome, Ada! (live)")).toBeTruthy();
  });
});

describe("README: LoginGate", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const jwt = createJWTAdapter({ jwt: { secret: "readme-login-gate-secret-0123456789abcdef" }, getUserById: findUser, validatePassword: checkPassword, refreshTokenStore: true });
    server = await serve({ db, covara: { auth: { middleware: jwt.middleware, router: jwt.getRoutes() } } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    cleanup();
    await tick(5);
    await server.close();
    db.close();
  });

  it("signs in and out with the buttons, keeping the token in localStorage meanwhile", async () => {
    forgetGlobals();
    createClient({ baseUrl: server.origin });
    const email = "ada@example.com";
    const password = "pw";

    // --- README "JWT", verbatim but for baseUrl ---
    initJWTClient({
      baseUrl: server.origin,
      // storage: AsyncStorage-backed TokenStorage for React Native;
      // defaults to localStorage in the browser
    });
    function LoginGate() {
      const { user, isAuthenticated, login, signup, logout } = useJWTAuth<User>();
      if (!isAuthenticated) {
        return <button onClick={() => login(email, password)}>Sign In</button>;
      }
      return <button onClick={logout}>Sign out, {user?.name}</button>;
    }
    // --- end of snippet ---

    render(<LoginGate />);
    fireEvent.click(await screen.findByText("Sign In"));
    await waitFor(() => expect(screen.getByRole("button").textContent).toBe("Sign out, Ada"));
    expect(localStorage.getItem("covara_jwt_accessToken")).toEqual(expect.any(String));
    expect(JSON.parse(localStorage.getItem("covara_jwt_user")!)).toMatchObject({ id: "u1", name: "Ada" });
    fireEvent.click(screen.getByText("Sign out, Ada"));
    await waitFor(() => expect(screen.getByRole("button").textContent).toBe("Sign In"));
    expect(localStorage.getItem("covara_jwt_accessToken")).toBeNull();
  });
});

/**
 * The example's live todo app in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): what `npm start` serves, built with Vite, against the example server on a
 * fresh SQLite file. Two pages stay in step; a page that goes offline keeps working
 * optimistically and syncs on reconnect, with nothing duplicated or lost. A screenshot of the app
 * is saved to `tests/artifacts/todo-app.png`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let server: ChildProcess;
let base: string;
let browser: Browser;
let dataDir: string;

async function startExample(): Promise<string> {
  server = spawn(join(root, "node_modules/.bin/tsx"), ["example/server.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DB_FILE: join(dataDir, "todos.db"), COVARA_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((done, fail) => {
    let out = "";
    server.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /localhost:(\d+)/.exec(out);
      if (match) done(`http://127.0.0.1:${match[1]}`);
    });
    server.once("exit", (code) => fail(new Error(`example server exited with ${code}`)));
  });
}

/** How long a fresh page may take to load and show its first list. */
const PAGE_LOAD_MS = 10_000;

/** The titles a page shows, in order. */
const titles = (page: Page) => page.locator('[data-testid="todo"] .title').allTextContents();

async function add(page: Page, title: string): Promise<void> {
  await page.getByLabel("New todo").fill(title);
  await page.getByRole("button", { name: "Add" }).click();
}

describe("the example todo app in Chromium", () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "covara-e2e-"));
    await build({ configFile: join(root, "example/web/vite.config.ts"), logLevel: "error" });
    base = await startExample();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    if (server) await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps two pages in step: a create, an update and a delete reach the other page within a second", async () => {
    const [one, two] = await Promise.all([browser.newPage(), browser.newPage()]);
    await Promise.all([one.goto(base), two.goto(base)]);
    // Loading a page is not what is measured: on a busy CI machine it can take seconds.
    await expect.poll(() => one.getByTestId("status").textContent(), { timeout: PAGE_LOAD_MS }).not.toBe("loading");
    await expect.poll(() => two.getByTestId("status").textContent(), { timeout: PAGE_LOAD_MS }).not.toBe("loading");

    await add(one, "buy milk");
    await expect.poll(() => titles(two), { timeout: 1000 }).toEqual(["buy milk"]);

    await one.getByLabel("Done: buy milk").check();
    await expect.poll(() => two.getByLabel("Done: buy milk").isChecked(), { timeout: 1000 }).toBe(true);

    await add(two, "walk dog");
    await expect.poll(() => titles(one), { timeout: 1000 }).toEqual(["buy milk", "walk dog"]);
    // Reorder: the second moves up in one page, the other page follows.
    await one.getByLabel("Move up: walk dog").click();
    await expect.poll(() => titles(two), { timeout: 1000 }).toEqual(["walk dog", "buy milk"]);

    await two.getByLabel("Delete: buy milk").click();
    await expect.poll(() => titles(one), { timeout: 1000 }).toEqual(["walk dog"]);
    await Promise.all([one.close(), two.close()]);
  });

  it("works offline: edits show at once, reach the server and the other page after reconnecting, nothing duplicated or lost", async () => {
    const offlineContext = await browser.newContext();
    const away = await offlineContext.newPage();
    const watcher = await browser.newPage();
    await Promise.all([away.goto(base), watcher.goto(base)]);
    await expect.poll(() => titles(away), { timeout: PAGE_LOAD_MS }).toEqual(["walk dog"]);
    await expect.poll(() => titles(watcher), { timeout: PAGE_LOAD_MS }).toEqual(["walk dog"]);

    await offlineContext.setOffline(true);
    await add(away, "offline one");
    await add(away, "offline two");
    // Optimistic: visible at once, before any server has seen them.
    await expect.poll(() => titles(away), { timeout: 500 }).toEqual(["walk dog", "offline one", "offline two"]);
    await away.getByLabel("Done: offline one").check();
    await expect.poll(() => away.getByLabel("Done: offline one").isChecked(), { timeout: 500 }).toBe(true);
    // The server (and so the other page) has seen none of it.
    const rows = async () => ((await (await fetch(`${base}/api/todos?orderBy=position&limit=100`)).json()).items as { title: string; done: boolean }[]).map((t) => `${t.title}:${t.done}`);
    expect(await rows()).toEqual(["walk dog:false"]);
    expect(await titles(watcher)).toEqual(["walk dog"]);

    await offlineContext.setOffline(false);
    await expect.poll(rows, { timeout: 15_000 }).toEqual(["walk dog:false", "offline one:true", "offline two:false"]);
    await expect.poll(() => titles(watcher), { timeout: 15_000 }).toEqual(["walk dog", "offline one", "offline two"]);
    await expect.poll(() => titles(away), { timeout: 15_000 }).toEqual(["walk dog", "offline one", "offline two"]);
    // Reconciled: server ids, no optimistic leftovers, no duplicates.
    const ids = await away.locator('[data-testid="todo"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id")));
    expect(ids.every((id) => id !== null && !id.startsWith("optimistic_"))).toBe(true);
    expect(new Set(ids).size).toBe(3);

    mkdirSync(join(root, "tests/artifacts"), { recursive: true });
    await away.screenshot({ path: join(root, "tests/artifacts/todo-app.png"), fullPage: true });
    await Promise.all([offlineContext.close(), watcher.close()]);
  }, 60_000);
});

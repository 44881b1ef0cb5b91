/**
 * The "Server" engine against a real inference server: node-llama-cpp serving
 * the generated GGUF on loopback (e2e/openai-server.ts), driven from the built
 * app in Chromium. One page is shared by the tests in order (serial), so the
 * connection is made once; each test sets the server's knobs it needs.
 */
import { expect, test, type Page } from "@playwright/test";
import { RefineryPage } from "./app";
import { Guards } from "./fixtures/guards";
import { HOSTILE_PAYLOADS } from "./fixtures/payloads";
import { controlServer, OPENAI_SERVER, serverStats } from "./openai-server";

const KEY = "sk-school-7f3a9c1e5b";
const PROBLEM = "What is 17 + 25?";

test.describe.configure({ mode: "serial", timeout: 180_000 });

let page: Page;
let app: RefineryPage;
let guards: Guards;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  guards = await Guards.arm(page);
  app = new RefineryPage(page);
});
test.afterAll(async () => {
  await controlServer({ reset: true });
  await page.close();
});

/** Everything the page has stored in IndexedDB, as one JSON text. */
async function indexedDbDump(p: Page): Promise<string> {
  return p.evaluate(async () => {
    const out: unknown[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        out.push({ db: info.name, name, rows });
      }
      db.close();
    }
    return JSON.stringify(out);
  });
}

async function expectRunFailed(text: RegExp): Promise<void> {
  await expect(app.banner).toContainText(text, { timeout: 60_000 });
}

test("a teacher's link preselects the server without contacting it; Test connection; N=4 streams concurrently; vote, refinement, history; the key stays out of storage and URL", async () => {
  await controlServer({ reset: true, requireKey: KEY, paceMs: 25 });
  await app.open(`?engine=remote&server=${encodeURIComponent(OPENAI_SERVER)}`);
  await expect(app.byId("engine.name")).toHaveText("Server");
  await expect(app.byId("server.url")).toHaveValue(OPENAI_SERVER);
  await page.waitForTimeout(500);
  expect(
    guards.requests.filter((u) => u.startsWith(OPENAI_SERVER)),
    "nothing is sent before Test connection or Load",
  ).toEqual([]);

  await app.byId("server.key").fill(KEY);
  await app.byId("server.test").click();
  const status = app.byId("server.status");
  await expect(status).toHaveAttribute("data-state", "ok");
  await expect(status).toContainText("tiny");
  await expect(status).toContainText("N requests at once"); // llama-server refuses n > 1, as the test server does
  await expect(status).toContainText("context 4096");
  await expect(app.byId("model.select")).toHaveValue("tiny");

  await app.byId("model.load").click();
  await app.expectReady();
  await expect(app.byId("model.status")).toContainText("tiny on 127.0.0.1");
  await app.setSetting("temperature", 0.9);
  await app.recordCandidateTimeline();
  await app.run(PROBLEM);
  await app.expectRunFinished(4);

  await app.expectStreamedTogether(4);
  const stats = await serverStats();
  expect(
    stats.maxRunning,
    "the server decoded the candidates at the same time",
  ).toBeGreaterThanOrEqual(2);
  expect(stats.lastAuthorization).toBe(`Bearer ${KEY}`);
  for (let i = 0; i < 4; i++) {
    await expect(app.byId(`candidate.${i}.answer`)).not.toHaveAttribute("data-answer", "");
    await expect(app.candidate(i)).toContainText("tok/s");
  }
  const counts = await app
    .byId("vote.summary")
    .locator("[data-testid^='vote.cluster.']")
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-count"))));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
  await expect(app.refined.locator(".katex").first()).toBeVisible();
  await expect(app.byId("refined.answer")).not.toHaveAttribute("data-answer", "");
  await expect(app.byId("history.item").first()).toHaveAttribute("data-status", "complete");

  // The key: in localStorage for this server only; never in history, the address or the run's export.
  const dump = await indexedDbDump(page);
  expect(dump).toContain("17 + 25");
  expect(dump).not.toContain(KEY);
  expect(page.url()).not.toContain(KEY);
  const stored = await page.evaluate(() =>
    Object.entries(localStorage).filter(([, v]) => v.includes("sk-school")),
  );
  expect(stored.map(([k]) => k)).toEqual([`refinery.serverKey ${OPENAI_SERVER}`]);
  const body = await page.locator("body").innerText();
  expect(body).not.toContain(KEY);
});

test("Stop ends every candidate stream at once, and the refinement too", async () => {
  await controlServer({ paceMs: 80 });
  await app.run(PROBLEM);
  await expect(app.candidate(3)).toHaveAttribute("data-status", "streaming");
  await expect
    .poll(async () => (await app.solutionText(app.candidate(0))).length)
    .toBeGreaterThan(0);
  await app.byId("run.stop").click();
  for (let i = 0; i < 4; i++)
    await expect(app.candidate(i)).toHaveAttribute("data-status", "stopped");
  await expect
    .poll(async () => (await serverStats()).running, {
      message: "the server saw every request end",
    })
    .toBe(0);

  await controlServer({ paceMs: 5 });
  await app.run(PROBLEM);
  await controlServer({ paceMs: 120 }); // the refinement crawls, so it can be stopped
  await expect(app.refined).toHaveAttribute("data-status", "streaming", { timeout: 90_000 });
  await app.byId("run.stop").click();
  await expect(app.refined).toHaveAttribute("data-status", "stopped");
  await controlServer({ paceMs: 0 });
});

test("the server dies mid-candidates: the run fails with the text so far kept; after the restart the next run works", async () => {
  await controlServer({ paceMs: 30, dieAfterTokens: 12, downMs: 2_000 });
  await app.run(PROBLEM);
  await expectRunFailed(/connection to the server was lost|Could not reach/);
  const kept = await Promise.all([0, 1, 2, 3].map((i) => app.solutionText(app.candidate(i))));
  expect(kept.join("").length, "partial text kept").toBeGreaterThan(0);
  await expect(app.candidate(0)).toHaveAttribute("data-status", "error");
  await expect(app.byId("history.item").first()).toHaveAttribute("data-status", "failed");

  await page.waitForTimeout(2_500);
  await controlServer({ paceMs: 0 });
  await app.run(PROBLEM);
  await app.expectRunFinished(4);
});

test("a wrong key, no CORS, an error page, garbage and a stalled stream each get a clear message; the app stays usable", async () => {
  const status = app.byId("server.status");
  const check = async (text: RegExp) => {
    await app.byId("server.test").click();
    await expect(status).toHaveAttribute("data-state", "failed");
    await expect(status).toContainText(text);
  };
  await app.byId("server.key").fill("wrong-key");
  await check(/API key is missing or wrong/);
  expect(await status.innerText()).not.toContain("wrong-key");
  await app.byId("server.key").fill(KEY);

  await controlServer({ cors: false });
  await check(/does not allow cross-origin requests/);
  await controlServer({ cors: true, mode: "html" });
  await check(/sent an error page/);
  await controlServer({ mode: "normal" });

  // An address the app's policy does not list: explained, nothing sent.
  await app.byId("server.url").fill("http://127.0.0.1:9/");
  await check(/security policy does not allow/);
  await app.byId("server.url").fill(OPENAI_SERVER);
  await app.byId("server.key").fill(KEY);

  // Failures during a run, on the loaded connection.
  await controlServer({ mode: "garbage" });
  await app.run(PROBLEM);
  await expectRunFailed(/not what an OpenAI-compatible server sends/);

  await app.byId("server.timeout").fill("3");
  await app.byId("server.timeout").blur();
  await app.byId("model.load").click();
  await app.expectReady();
  await controlServer({ mode: "stall" });
  await app.run(PROBLEM);
  await expectRunFailed(/did not start answering within 3 s/);

  await controlServer({ mode: "normal" });
  await app.setSetting("n", 2);
  await app.run(PROBLEM);
  await app.expectRunFinished(2);
});

test("a server that honours n (like vLLM) gets the N candidates as one request, still streamed side by side", async () => {
  await controlServer({ nMode: "honour", paceMs: 20 });
  await app.byId("server.test").click();
  await expect(app.byId("server.status")).toContainText("as one request");
  await app.byId("model.load").click();
  await app.expectReady();
  await app.setSetting("n", 4);
  const before = (await serverStats()).chatRequests;
  await app.recordCandidateTimeline();
  await app.run(PROBLEM);
  await app.expectRunFinished(4);
  await app.expectStreamedTogether(4);
  expect(
    (await serverStats()).chatRequests - before,
    "one request for the candidates, one for the refinement",
  ).toBe(2);
  // Back to llama-server's behaviour: the next connect finds n refused again.
  await controlServer({ nMode: "refuse", paceMs: 0 });
  await app.byId("model.load").click();
  await app.expectReady();
});

test("hostile output delivered by the server: no script runs, nothing foreign is fetched", async () => {
  const payloads = HOSTILE_PAYLOADS.filter((p) => p.text.length < 4_000).slice(0, 10);
  await app.setSetting("n", 4);
  for (let at = 0; at < payloads.length; at += 5) {
    const batch = payloads.slice(at, at + 5);
    await controlServer({ script: batch.map((p) => p.text) });
    await app.run(PROBLEM);
    await expect(app.refined).toHaveAttribute("data-status", /done|error|stopped/, {
      timeout: 90_000,
    });
    // The four candidate requests reach the server in any order; each payload's marker ([P01]…) shows in one panel, as text.
    const shown = async () => {
      const texts = await Promise.all([0, 1, 2, 3].map((i) => app.solutionText(app.candidate(i))));
      return batch
        .slice(0, 4)
        .filter((p) => !texts.some((t) => t.includes(p.visible[0] ?? p.id)))
        .map((p) => p.id);
    };
    await expect.poll(shown).toEqual([]);
  }
  await controlServer({ script: null });
  await guards.expectNothingHappened("server engine");
  expect(await page.locator("script:not([src])").count()).toBe(0);
});

/**
 * Hardening, part 2: bad input. Each case must give a clear message (the error
 * banner or an inline one), leave the app usable, and lose nothing: the problem
 * text stays and history is intact. UI-only cases use the harness page (the
 * real app and store on a scripted engine); model and context cases use the
 * real app with real wllama and the generated tiny model.
 */
import { expect, test, type Page } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { RefineryPage } from "./app";
import { BAD, BAD_SERVER_PORT, routeBadModels, startBadServer, tiny } from "./fixtures/bad-server";
import { HarnessPage } from "./fixtures/harness";
import { historyFile, savedRun } from "./fixtures/history-file";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const PROBLEM = "What is 17 + 25?";

/** The app still works: a good model loads and a one-candidate run finishes. */
async function expectUsable(app: RefineryPage, problem = PROBLEM): Promise<void> {
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await expect(app.banner).toBeHidden();
  await app.setSetting("n", 1);
  await app.setSetting("maxTokens", 64);
  await app.byId("problem.input").fill(problem);
  await app.byId("run.start").click();
  await app.expectRunFinished(1);
}

/** A harness run with the scripted engine, to check the app still runs. */
async function expectHarnessRuns(app: HarnessPage, n = 2): Promise<void> {
  if ((await app.state()).modelStatus !== "ready") await app.loadScripted();
  await app.setSetting("n", n);
  await app.byId("run.start").click();
  await app.expectRunStatus("complete");
  await app.expectRunFinished(n);
}

test.describe("UI input (harness)", () => {
  test("an empty or whitespace-only problem is refused with a message; nothing runs, nothing is lost", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.loadScripted();
    for (const problem of ["", "   \n\t  \n"]) {
      await app.byId("problem.input").fill(problem);
      await app.byId("run.start").click();
      await expect(app.banner).toContainText("Type or pick a math problem first.");
      await expect(app.byId("problem.input")).toHaveValue(problem);
      await app.banner.getByRole("button", { name: "Dismiss" }).click();
    }
    // Ctrl+Enter takes the same path.
    await page.keyboard.press("Control+Enter");
    await expect(app.banner).toContainText("Type or pick a math problem first.");
    expect((await app.stats()).generateMany).toBe(0);
    await expect(app.historyItems()).toHaveCount(0);
    await app.byId("problem.input").fill(PROBLEM);
    await expectHarnessRuns(app);
    await expect(app.banner).toBeHidden();
  });

  test("settings typed out of range are clamped to a visible value", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    const cases: Array<[name: "n" | "temperature" | "topP" | "maxTokens" | "seed", typed: string, shown: string]> = [
      ["n", "99", "8"],
      ["n", "0", "1"],
      ["n", "-3", "1"],
      ["n", "2.6", "3"],
      ["n", "", "4"],
      ["n", "1e9", "8"],
      ["temperature", "7", "2"],
      ["topP", "0", "0.05"],
      ["maxTokens", "3", "16"],
      ["seed", "-1", "0"],
    ];
    for (const [name, typed, shown] of cases) {
      const input = app.byId(`settings.${name}`);
      await input.fill(typed);
      await input.press("Enter");
      await expect(input, `${name} typed as ${JSON.stringify(typed)}`).toHaveValue(shown);
    }
    // The clamped N is what runs: 99 → 8 candidates.
    await app.byId("settings.n").fill("99");
    await app.byId("settings.n").blur();
    await app.byId("problem.input").fill(PROBLEM);
    await app.loadScripted();
    await app.byId("run.start").click();
    await app.expectRunStatus("complete");
    await expect(page.locator("[data-testid^='candidate.'][data-status]")).toHaveCount(8);
  });

  test("malformed LaTeX in the problem: the run goes on and its rendering does not break", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.loadScripted();
    // The scripted model restates the problem, as real models do, so it is rendered too.
    await app.script({ echoProblem: true });
    const problem =
      "Solve $\\frac{1}{ x$ and \\[ \\begin{matrix} 1 & 2 \\\\ \\left( 3 \\end{pmatrix} \\] then $$x^{2$$ and \\( \\sqrt[3]{ \\) and $\\unknowncommand{x}$ and }}}{{{ $ $$ \\\\";
    await app.byId("problem.input").fill(problem);
    await expectHarnessRuns(app);
    const shown = await app.solutionText(app.candidate(0));
    expect(shown).toContain("Solve");
    expect(shown).toContain("\\unknowncommand");
    await expect(app.byId("problem.input")).toHaveValue(problem);
    await expect(app.historyItems().first()).toHaveAttribute("data-status", "complete");
    await expect(app.banner).toBeHidden();
  });

  test("non-numeric settings in a share link are refused by name and change nothing", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.byId("problem.input").fill("My own problem");
    await app.setSetting("n", 3);
    const bad: Array<[hash: string, message: string]> = [
      ["#problem=Shared&n=banana", "not a number: n=banana"],
      ["#problem=Shared&temperature=NaN", "not a number: temperature=NaN"],
      ["#problem=Shared&seed=Infinity", "not a number: seed=Infinity"],
      ["#problem=Shared&max_tokens=1e999", "not a number: max_tokens=1e999"],
      ["#problem=Shared&top_p=", "not a number: top_p="],
      ["#problem=Shared&n=2.5", "n must be a whole number"],
      ["#problem=Shared&n=0x10", "n must be between 1 and 8"],
      ["#problem=Shared&temperature=-1", "temperature must be between 0 and 2"],
    ];
    for (const [hash, message] of bad) {
      // Pasted into the open tab: only the hash changes.
      await page.evaluate((h) => (location.hash = h), hash);
      await expect(app.banner, hash).toContainText(message);
      await expect(app.byId("problem.input")).toHaveValue("My own problem");
      await expect(app.byId("settings.n")).toHaveValue("3");
      await app.banner.getByRole("button", { name: "Dismiss" }).click();
    }
    await expectHarnessRuns(app, 3);
  });

  test("a garbage share link says what is wrong and changes nothing; a hostile one stays text", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.byId("problem.input").fill("My own problem");
    const garbage: Array<[hash: string, message: string | null]> = [
      ["#problem=%20%20", "empty problem"],
      [`#problem=${"x".repeat(25_000)}`, "problem is too long (25000 characters"],
      ["#%%%&&&==&problem", "empty problem"],
      ["#problem=&n=4", "empty problem"],
      // Not a share link at all: ignored silently.
      ["#%E0%A4%A&&&=", null],
      ["#just-an-anchor", null],
    ];
    for (const [hash, message] of garbage) {
      await page.evaluate((h) => (location.hash = h), hash);
      if (message) {
        await expect(app.banner, hash.slice(0, 40)).toContainText(message);
        await app.banner.getByRole("button", { name: "Dismiss" }).click();
      } else {
        await page.waitForTimeout(200);
        await expect(app.banner, hash).toBeHidden();
      }
      await expect(app.byId("problem.input")).toHaveValue("My own problem");
    }
    // A well-formed link with a hostile problem fills the box as plain text and runs nothing.
    const hostile = `<img src=x onerror="window.__pwned=1"> $\\href{javascript:alert(1)}{x}$`;
    await page.evaluate((h) => (location.hash = h), `#problem=${encodeURIComponent(hostile)}&n=2`);
    await expect(app.byId("problem.input")).toHaveValue(hostile);
    await expect(app.byId("settings.n")).toHaveValue("2");
    expect((await app.stats()).generateMany).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await expectHarnessRuns(app, 2);
  });

  test("an unknown ?engine= value says so and the engine is chosen automatically", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open(`?engine=banana`);
    await expect(app.banner).toContainText('unknown engine "banana"');
    await expect(app.byId("engine.name")).toHaveText("wllama");
    // A hostile value is shown as (cut) text.
    await app.open(`?engine=${encodeURIComponent('<img src=x onerror="window.__pwned=1">')}`);
    await expect(app.banner).toContainText('unknown engine "<img src=x onerror=');
    await expect(app.banner.locator("img")).toHaveCount(0);
    await app.byId("problem.input").fill(PROBLEM);
    await expectHarnessRuns(app);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  });

  test("a model bigger than the browser's free storage is not downloaded without a warning", async ({ page }) => {
    // The browser reports 50 MB free; the catalog model is about 1 GB.
    await page.addInitScript(() => {
      Object.defineProperty(navigator.storage, "estimate", { value: async () => ({ usage: 0, quota: 50 * 1024 * 1024 }) });
    });
    const app = new HarnessPage(page);
    await app.open();
    await app.byId("model.select").selectOption({ index: 0 });
    await app.byId("model.load").click();
    await expect(app.byId("model.storageWarning")).toContainText("of storage free", { timeout: 3_000 });
    expect((await app.stats()).loads).toBe(0);
    await app.byId("model.storageWarning").getByRole("button", { name: "Load anyway" }).click();
    await app.expectReady();
  });

  test("malformed, oversized and hostile import files are refused by name; history and the problem stay", async ({ page }, testInfo) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.loadScripted();
    await app.byId("problem.input").fill(PROBLEM);
    await expectHarnessRuns(app);
    await expect(app.historyItems()).toHaveCount(1);
    await app.byId("problem.input").fill("A problem I am still typing");

    const good = savedRun({ problem: "p", candidates: ["a", "b"], refined: "r", answers: ["1", "1"] });
    const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    const files: Array<[name: string, content: string | Buffer, message: string]> = [
      ["empty.json", "", "the file is empty"],
      ["not-json.json", "{ this is not json", "not JSON"],
      ["png.json", Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(100, 1)]), "not JSON"],
      ["array.json", "[1, 2, 3]", "expected a JSON object, found an array"],
      ["wrong-format.json", JSON.stringify({ format: "something-else", version: 1 }), 'format "something-else"'],
      ["future.json", JSON.stringify({ format: "refinery-history", version: 2, exportedAt: 1, runs: [] }), "unsupported version 2"],
      ["deep.json", `{"format":"refinery-history","version":1,"exportedAt":1,"runs":${deep(10_000)}}`, "nested too deeply"],
      ["proto.json", historyFile([good]).replace('"runs":[{', '"runs":[{"__proto__":{"polluted":true},'), 'forbidden key "__proto__"'],
      ["constructor.json", historyFile([good]).replace('"runs":[{', '"runs":[{"constructor":{"prototype":{"polluted":true}},'), 'forbidden key "constructor"'],
      ["bad-n.json", historyFile([{ ...good, settings: { ...good.settings, n: 5 } }]), "expected 5 candidates (settings.n), found 2"],
      ["bad-number.json", historyFile([{ ...good, candidates: [{ ...good.candidates[0]!, tokens: 1e308 }, good.candidates[1]!] }]), "runs[0].candidates[0].tokens: too large"],
      ["bad-id.json", historyFile([{ ...good, id: "../../etc/passwd" }]), "runs[0].id: not a UUID"],
      ["bad-vote.json", historyFile([{ ...good, vote: { clusters: [{ representative: "1", members: [0, 7] }], majority: 0, unanswered: [] } }]), "candidate 7 does not exist"],
      ["extra-field.json", historyFile([{ ...good, script: "<script>alert(1)</script>" }]), "runs[0].script: unknown field"],
      ["too-many.json", JSON.stringify({ format: "refinery-history", version: 1, exportedAt: 1, runs: Array(5001).fill(0) }), "too many runs (5001; max 5000)"],
    ];
    for (const [name, content, message] of files) {
      const path = testInfo.outputPath(name);
      writeFileSync(path, content);
      await app.byId("session.import").setInputFiles(path);
      await expect(app.byId("session.import.error"), name).toContainText(message);
      await expect(app.historyItems()).toHaveCount(1);
      await expect(app.byId("problem.input")).toHaveValue("A problem I am still typing");
    }
    // 21 MB is refused by its size, before it is read.
    const big = testInfo.outputPath("big.json");
    writeFileSync(big, Buffer.alloc(21 * 1024 * 1024, 32));
    await app.byId("session.import").setInputFiles(big);
    await expect(app.byId("session.import.error")).toContainText("file too large (21 MB; max 20 MB)");
    expect(await page.evaluate(() => ({}) as Record<string, unknown>)).not.toHaveProperty("polluted");

    // Still usable: a good file imports, the earlier run is still there and opens.
    const path = testInfo.outputPath("good.json");
    writeFileSync(path, historyFile([good]));
    await app.byId("session.import").setInputFiles(path);
    await expect(app.byId("session.import.result")).toHaveAttribute("data-imported", "1");
    await expect(app.historyItems()).toHaveCount(2);
    await app.historyItems().nth(1).getByTestId("history.item.open").click();
    await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
    await expect(app.refined).toHaveAttribute("data-status", "done");
  });
});

test.describe("model and context input (real wllama)", () => {
  test("a problem longer than the context window fails with a clear message; problem and history stay; the next run works", async ({ page }) => {
    const app = new RefineryPage(page);
    await app.open();
    // Small, but room for the tiny model's refine prompt (its tokenizer is nearly one token per character).
    await app.byId("settings.contextSize").fill("2048");
    await app.byId("settings.contextSize").blur();
    await app.setSetting("maxTokens", 64);
    await app.setSetting("n", 1);
    await app.loadUrl(TINY_URL);
    await app.expectReady();
    await expect(app.byId("model.status")).toContainText("context 2048 tokens");
    await app.run(PROBLEM);
    await app.expectRunFinished(1);

    const long = `Consider the numbers ${Array.from({ length: 1_000 }, (_, i) => i + 1).join(", ")}. What is their sum?`;
    await app.run(long);
    await expect(app.banner).toContainText("tokens over the model's context window");
    await expect(app.banner).toContainText("Shorten the problem");
    await expect(app.byId("problem.input")).toHaveValue(long);
    const items = app.byId("history.item");
    await expect(items).toHaveCount(2);
    await expect(items.first()).toHaveAttribute("data-status", "failed");
    await expect(items.nth(1)).toHaveAttribute("data-status", "complete");

    await app.run(PROBLEM);
    await app.expectRunFinished(1);
    await expect(app.banner).toBeHidden();
    await expect(items).toHaveCount(3);
  });

  test.describe("bad model addresses and files", () => {
    let server: Awaited<ReturnType<typeof startBadServer>>;
    test.beforeAll(async () => {
      server = await startBadServer();
    });
    test.afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    /** Opens the app with a problem typed, ready for a bad load. */
    async function openWithProblem(page: Page): Promise<RefineryPage> {
      const app = new RefineryPage(page);
      await app.open();
      await app.byId("problem.input").fill(PROBLEM);
      return app;
    }

    async function expectRefused(app: RefineryPage, code: RegExp, text: string | RegExp): Promise<void> {
      // Whichever comes first: a refusal, or (wrongly) a loaded model.
      await expect(app.banner.or(app.byId("model.status"))).toBeVisible({ timeout: 30_000 });
      await expect(app.banner).toBeVisible({ timeout: 1_000 });
      await expect(app.banner).toHaveAttribute("data-code", code);
      await expect(app.banner).toContainText(text);
      await expect(app.byId("model.status")).toBeHidden();
      await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
    }

    test("a 404", async ({ page }) => {
      const app = await openWithProblem(page);
      await app.loadUrl(`${MODEL_SERVER}/missing.gguf`);
      await expectRefused(app, /not-found/, "was not found at that address");
      await expectUsable(app);
    });

    test("text that is not an http(s) URL", async ({ page }) => {
      const app = await openWithProblem(page);
      for (const [url, message] of [
        ["not a url", "That is not a valid URL."],
        ["javascript:alert(1)", "Model URLs must start with http:// or https://."],
        ["file:///etc/passwd", "Model URLs must start with http:// or https://."],
        ["ftp://127.0.0.1/model.gguf", "Model URLs must start with http:// or https://."],
      ]) {
        await app.loadUrl(url!);
        await expect(app.banner, url).toContainText(message!);
        await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
      }
      await expectUsable(app);
    });

    test("an address that is a web page, not a .gguf file", async ({ page }) => {
      await routeBadModels(page);
      const app = await openWithProblem(page);
      await app.loadUrl(BAD.htmlPage);
      await expectRefused(app, /not-a-model|download-failed/, /GGUF|\.gguf/);
      await expect(app.banner).toContainText(".gguf");
      await expectUsable(app);
    });

    // A server without CORS headers: e2e/model-urls.spec.ts, against a real socket. Through
    // page.route the browser's COEP report names the server behind the route, not the URL.

    test("a host the app's Content-Security-Policy does not list", async ({ page }) => {
      const app = await openWithProblem(page);
      // A real server with CORS, on a port the policy does not list: the browser blocks the fetch.
      const hitsBefore = server.hits.length;
      await app.loadUrl(`http://127.0.0.1:${BAD_SERVER_PORT}/tiny.gguf`);
      await expectRefused(app, /blocked-by-policy/, `security policy does not allow downloads from http://127.0.0.1:${BAD_SERVER_PORT}`);
      // Blocked before it left the browser (connect-src), not refused by the server.
      expect(server.hits.slice(hitsBefore)).toEqual([]);
      await expectUsable(app);
    });

    test("an HTML page at a .gguf address; once the server is fixed, Load works", async ({ page }) => {
      const routes = await routeBadModels(page);
      const app = await openWithProblem(page);
      await app.loadUrl(BAD.htmlAtGguf);
      await expectRefused(app, /not-a-model/, "not a usable GGUF model");
      routes.fixHtml();
      await app.byId("model.load").click();
      await app.expectReady();
      await expect(app.byId("model.status")).not.toContainText("context 0 tokens");
    });

    test("an image at a .gguf address", async ({ page }) => {
      await routeBadModels(page);
      const app = await openWithProblem(page);
      await app.loadUrl(BAD.png);
      await expectRefused(app, /not-a-model/, "not a usable GGUF model");
      await expectUsable(app);
    });

    test("a truncated GGUF file at a URL", async ({ page }) => {
      await routeBadModels(page);
      const app = await openWithProblem(page);
      await app.loadUrl(BAD.truncated);
      await expectRefused(app, /not-a-model/, "not a usable GGUF model");
      await expectUsable(app);
    });

    test("a truncated GGUF file from disk", async ({ page }, testInfo) => {
      const app = await openWithProblem(page);
      const path = testInfo.outputPath("truncated.gguf");
      writeFileSync(path, tiny().subarray(0, Math.floor(tiny().length / 2)));
      await app.loadFile(path);
      await expectRefused(app, /not-a-model/, "not a usable GGUF model");
      await expectUsable(app);
    });

    test("a file from disk that is not GGUF, and an empty one", async ({ page }, testInfo) => {
      const app = await openWithProblem(page);
      const text = testInfo.outputPath("notes.gguf");
      writeFileSync(text, "These are my lesson notes, not a model.");
      await app.loadFile(text);
      await expect(app.banner).toContainText('"notes.gguf" is not a GGUF model file');
      const empty = testInfo.outputPath("empty.gguf");
      writeFileSync(empty, "");
      await app.byId("model.file").setInputFiles(empty);
      await app.byId("model.load").click();
      await expect(app.banner).toContainText('"empty.gguf" is empty');
      await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
      await expectUsable(app);
    });
  });
});

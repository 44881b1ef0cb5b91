/**
 * A model URL the user types loads, or the app says exactly why not: each
 * cause against a real local server, in Chromium, on the production build
 * with its Content-Security-Policy (issue 13). Servers: fixtures/model-hosts.ts.
 */
import { expect, test } from "@playwright/test";
import type { PreviewServer } from "vite";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium.config";
import { RefineryPage } from "./app";
import { HOST_RULES, LAN, PORTS, startAppPreview, startModelHost, stopServer, type ModelHost } from "./fixtures/model-hosts";
import { MODEL_SERVER, MODEL_SERVER_PORT } from "./model-server";
import { OPENAI_SERVER } from "./openai-server";

test.use({
  launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, HOST_RULES, "--ignore-certificate-errors", "--enable-unsafe-webgpu"] },
  ignoreHTTPSErrors: true,
});

const PROBLEM = "What is 17 + 25?";
const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;

let httpsHost: ModelHost;
let unlistedHost: ModelHost;
test.beforeAll(async () => {
  httpsHost = await startModelHost({ port: PORTS.httpsModels, https: true });
  unlistedHost = await startModelHost({ port: PORTS.unlisted, https: false });
});
test.afterAll(async () => {
  await stopServer(httpsHost);
  await stopServer(unlistedHost);
});

async function openWithProblem(app: RefineryPage, query = ""): Promise<void> {
  await app.open(query);
  await app.byId("problem.input").fill(PROBLEM);
}

/** The load was refused with this code and text; nothing loaded and nothing typed was lost. */
async function expectRefused(app: RefineryPage, code: string, ...texts: string[]): Promise<void> {
  await expect(app.banner.or(app.byId("model.status"))).toBeVisible({ timeout: 45_000 });
  await expect(app.banner).toHaveAttribute("data-code", code, { timeout: 1_000 });
  for (const text of texts) await expect(app.banner).toContainText(text);
  await expect(app.byId("model.status")).toBeHidden();
  await expect(app.byId("model.load")).toBeEnabled();
  await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
}

/** Still usable: a good model loads and a one-candidate run finishes. */
async function expectUsable(app: RefineryPage, modelUrl = TINY_URL): Promise<void> {
  await app.loadUrl(modelUrl);
  await app.expectReady();
  await expect(app.banner).toBeHidden();
  await app.setSetting("n", 1);
  await app.setSetting("maxTokens", 64);
  await app.byId("run.start").click();
  await app.expectRunFinished(1);
}

test("a public https:// model URL loads with the default policy; plain http needs listing", async ({ page, request }) => {
  const policy = (await request.get("/")).headers()["content-security-policy"] ?? "";
  const connect = policy.split(";").find((d) => d.trim().startsWith("connect-src")) ?? "";
  expect(connect.trim().split(/\s+/)).toEqual(["connect-src", "'self'", "blob:", "data:", "https:", MODEL_SERVER, OPENAI_SERVER]);
  // The privacy wall does not move: nothing a rendered text could load comes from elsewhere.
  for (const directive of ["img-src 'self' data:", "font-src 'self'", "default-src 'self'", "object-src 'none'", "script-src 'self' 'wasm-unsafe-eval'"])
    expect(policy).toContain(directive);

  const app = new RefineryPage(page);
  await openWithProblem(app);
  await expectUsable(app, `${httpsHost.origin}/tiny.gguf`);
  expect(httpsHost.hits).toContain("GET /tiny.gguf");
});

test("a host the app's policy does not list: named, with the exact way to allow it; nothing is sent", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app);
  const before = unlistedHost.hits.length;
  await app.loadUrl(`${unlistedHost.origin}/tiny.gguf`);
  await expectRefused(
    app,
    "blocked-by-policy",
    `does not allow downloads from ${unlistedHost.origin}`,
    `any https:// address and the hosts it lists (${MODEL_SERVER}, ${OPENAI_SERVER})`,
    `REFINERY_MODEL_HOSTS="${MODEL_SERVER} ${OPENAI_SERVER} ${unlistedHost.origin}" npm run preview`,
    "connect-src",
  );
  // Refused inside the browser: the server saw nothing, neither the load nor the diagnosis.
  expect(unlistedHost.hits.slice(before)).toEqual([]);

  // The banner links to the README's walk-through, carried by the app itself.
  await app.byId("error.help").click();
  const help = app.byId("help.modelHosts");
  await expect(help).toBeVisible();
  await expect(help).toContainText("Hosting models on a LAN");
  await expect(help).toContainText("REFINERY_MODEL_HOSTS=");
  await help.getByRole("button", { name: "Close" }).click();
  await expect(help).toBeHidden();

  await expectUsable(app);
});

test("a server that is not running", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app);
  await app.loadUrl(`https://127.0.0.1:${PORTS.closed}/tiny.gguf`);
  await expectRefused(app, "unreachable", `Nothing answers at https://127.0.0.1:${PORTS.closed}`, "server is running");
});

test("a server that answers without CORS headers", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app);
  const before = httpsHost.hits.length;
  await app.loadUrl(`${httpsHost.origin}/nocors/tiny.gguf`);
  await expectRefused(app, "no-cors", `The server at ${httpsHost.origin} answered, but does not allow cross-origin requests`, "Access-Control-Allow-Origin");
  // It was reached: the difference from the two cases above.
  expect(httpsHost.hits.slice(before)).toContain("GET /nocors/tiny.gguf");
  await expect(app.byId("error.help")).toBeVisible();
});

test("a 404", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app);
  await app.loadUrl(`${httpsHost.origin}/missing.gguf`);
  await expectRefused(app, "not-found", "was not found at that address (HTTP 404 Not Found)");
});

test("a web page instead of a model (a hub's 'blob' page, a login page)", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app);
  await app.loadUrl(`${httpsHost.origin}/page/model.gguf`);
  await expectRefused(app, "not-a-model", "the server sent a web page (HTML)", "/resolve/main/");
});

test("a custom WebLLM model on a host the policy does not list gets the same diagnosis", async ({ page }) => {
  const app = new RefineryPage(page);
  await openWithProblem(app, "?engine=webllm");
  await expect(app.byId("engine.name")).toHaveText("WebLLM");
  await app.byId("model.select").selectOption("__webllm_custom");
  const before = unlistedHost.hits.length;
  await app.byId("model.customUrl").fill(`${unlistedHost.origin}/mlc/gsr-1.5b/`);
  await app.byId("model.customLib").fill(`${unlistedHost.origin}/mlc/gsr-1.5b-webgpu.wasm`);
  await app.byId("model.load").click();
  await expectRefused(app, "blocked-by-policy", `does not allow downloads from ${unlistedHost.origin}`, `REFINERY_MODEL_HOSTS="${MODEL_SERVER} ${OPENAI_SERVER} ${unlistedHost.origin}"`);
  expect(unlistedHost.hits.slice(before)).toEqual([]);
});

test.describe("the app served another way", () => {
  let server: PreviewServer | undefined;
  test.afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("mixed content: an http:// LAN model on the app served over https", async ({ page }) => {
    // The LAN host is listed, so only the browser's mixed-content rule stands in the way.
    const lanModels = `http://${LAN.models}:${PORTS.unlisted}`;
    server = await startAppPreview({ port: PORTS.httpsApp, modelHosts: [lanModels], https: true });
    await page.goto(`https://127.0.0.1:${PORTS.httpsApp}/`);
    const app = new RefineryPage(page);
    await expect(app.byId("run.start")).toBeVisible();
    await app.byId("problem.input").fill(PROBLEM);
    const before = unlistedHost.hits.length;
    await app.loadUrl(`${lanModels}/tiny.gguf`);
    await expectRefused(app, "mixed-content", `refuses to download from ${lanModels}`, "Serve the model over https, or open the app itself over http");
    expect(unlistedHost.hits.slice(before)).toEqual([]);
    // The first fix it names: the same model over https loads.
    await expectUsable(app, `${httpsHost.origin}/tiny.gguf`);
  });

  test("the README's classroom set-up: the app and a model server on the LAN, over http", async ({ page }) => {
    // README "Hosting models on a LAN": REFINERY_MODEL_HOSTS="http://<model server>" npm run preview -- --host,
    // and students open the app by the teacher machine's address.
    const lanModels = `http://${LAN.models}:${MODEL_SERVER_PORT}`;
    server = await startAppPreview({ port: PORTS.lanApp, modelHosts: [lanModels], https: false });
    await page.goto(`http://${LAN.app}:${PORTS.lanApp}/`);
    const app = new RefineryPage(page);
    await expect(app.byId("run.start")).toBeVisible();
    // Plain http on a LAN address is not a secure context: no threads (README says so).
    expect(await page.evaluate(() => [window.isSecureContext, window.crossOriginIsolated])).toEqual([false, false]);
    await app.byId("problem.input").fill(PROBLEM);
    await expectUsable(app, `${lanModels}/tiny.gguf`);
  });
});

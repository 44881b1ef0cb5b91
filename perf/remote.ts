/**
 * The Server engine's candidate phase against a real inference server (the
 * tests' node-llama-cpp server, e2e/openai-server.ts, on the bench model):
 * the app's N=4 at once ÷ the app's N=4 one after another (what the server's
 * batching gives), and the app ÷ a raw client sending the same requests by
 * plain fetch from the same page. Sides are paired back to back, round after
 * round, as in batching.ts.
 */
import type { Browser } from "@playwright/test";
import { startOpenAiServer } from "../e2e/openai-server.ts";
import { runApp, type AppRun, type Throughput } from "./batching.ts";
import { perfContext } from "./browser.ts";
import { PERF_NEW_TOKENS, perfProblem } from "./pages/workload.ts";
import { PERF_OPENAI_PORT, PERF_OPENAI_SERVER } from "./remote-hosts.ts";

export interface RemoteResult {
  appConcurrent: AppRun[];
  appSequential: AppRun[];
  rawConcurrent: Throughput[];
  rawSequential: Throughput[];
}

export async function perfRemote(
  browser: Browser,
  origin: string,
  modelPath: string,
  options: { rounds: number; log: (line: string) => void },
): Promise<RemoteResult> {
  const server = await startOpenAiServer(modelPath, {
    port: PERF_OPENAI_PORT,
    slots: 4,
    contextPerSlot: 1024,
  });
  const context = await perfContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/remote.html`);
    await page.waitForFunction(() => window.__perfRemote !== undefined);
    await page.evaluate((s) => window.__perfRemote!.connect(s), PERF_OPENAI_SERVER);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    let k = 10_000;
    const raw = async (concurrent: boolean): Promise<Throughput> => {
      const r = await page.evaluate((o) => window.__perfRemote!.raw(o), {
        server: PERF_OPENAI_SERVER,
        problem: perfProblem(++k),
        n: 4,
        maxTokens: PERF_NEW_TOKENS,
        concurrent,
      });
      const tokens = r.tokens.reduce((a, b) => a + b, 0);
      return { tokens, ms: r.ms, tokPerS: (tokens / r.ms) * 1000 };
    };
    await runApp(page, cdp, 4, false, 16); // warm-up: the page's first run loads the run view
    await raw(true);
    const result: RemoteResult = {
      appConcurrent: [],
      appSequential: [],
      rawConcurrent: [],
      rawSequential: [],
    };
    for (let round = 0; round < options.rounds; round++) {
      result.rawConcurrent.push(await raw(true));
      result.appConcurrent.push(await runApp(page, cdp, 4, false));
      result.appSequential.push(await runApp(page, cdp, 4, true));
      result.rawSequential.push(await raw(false));
      const last = (list: Throughput[]) => list.at(-1)!.tokPerS.toFixed(0);
      options.log(
        `remote round ${round + 1}: app 4 at once ${last(result.appConcurrent)} tok/s, one after another ${last(result.appSequential)}, raw 4 at once ${last(result.rawConcurrent)}`,
      );
    }
    return result;
  } finally {
    await context.close();
    await server.close();
  }
}

/**
 * Batched candidates on the CPU engine (wllama): raw wllama (perf/pages/raw.html)
 * against the app's own candidate phase (perf/pages/app.html: worker, store,
 * rendering), side by side in one browser.
 *
 * Every request: the app's solve prompt, greedy, 64 new tokens. Raw requests
 * set ignore_eos; the app has no such switch, but the bench model never
 * chooses EOS greedily (its EOS logits are zero), so each candidate writes
 * exactly 64 tokens; the counts are checked and reported.
 *
 * The machine is shared and its speed drifts within seconds, so each ratio is
 * taken from two measurements run back to back (see ROUND), round after round,
 * and the median of those per-pair ratios is reported.
 */
import type { Browser, CDPSession, Page } from "@playwright/test";
import type { RawRunResult, RunRecord } from "./pages/hooks.ts";
import { PERF_NEW_TOKENS, PERF_SAMPLING, perfProblem } from "./pages/workload.ts";
import { perfContext } from "./browser.ts";
import { cpuSample, foreignCores } from "./machine.ts";

export interface Throughput {
  tokens: number;
  ms: number;
  tokPerS: number;
  /** Cores' worth of CPU other processes on the machine used meanwhile (machine.ts). */
  foreignCores?: number;
}

type RawKey = "single" | "concurrent_n2" | "sequential_n2" | "concurrent_n4" | "sequential_n4" | "concurrent_n8" | "sequential_n8";
type AppKey = "concurrent_n4" | "sequential_n4" | "concurrent_n8";

type Step = { engine: "raw"; key: RawKey; requests: number; concurrent: boolean } | { engine: "app"; key: AppKey; n: number; sequential: boolean };

/**
 * One round. Every ratio's two sides are adjacent: raw 2c|2s, 4s|4c, raw 4c|app 4c,
 * app 4c|app 4s, app 8c|raw 8c, raw 8c|8s.
 */
const ROUND: Step[] = [
  { engine: "raw", key: "single", requests: 1, concurrent: true },
  { engine: "raw", key: "concurrent_n2", requests: 2, concurrent: true },
  { engine: "raw", key: "sequential_n2", requests: 2, concurrent: false },
  { engine: "raw", key: "sequential_n4", requests: 4, concurrent: false },
  { engine: "raw", key: "concurrent_n4", requests: 4, concurrent: true },
  { engine: "app", key: "concurrent_n4", n: 4, sequential: false },
  { engine: "app", key: "sequential_n4", n: 4, sequential: true },
  { engine: "app", key: "concurrent_n8", n: 8, sequential: false },
  { engine: "raw", key: "concurrent_n8", requests: 8, concurrent: true },
  { engine: "raw", key: "sequential_n8", requests: 8, concurrent: false },
];

export const RAW_KEYS: RawKey[] = ["single", "concurrent_n2", "sequential_n2", "concurrent_n4", "sequential_n4", "concurrent_n8", "sequential_n8"];
export const APP_KEYS: AppKey[] = ["concurrent_n4", "sequential_n4", "concurrent_n8"];

export interface AppRun extends Throughput {
  /** The same tokens timed from the first panel streaming (leaves out counting the prompt's tokens). */
  fromFirstToken: Throughput;
  /** Tokens each candidate reported. */
  candidateTokens: number[];
  /** Main-thread CPU time of the app page during the candidate phase ÷ its wall time (CDP ThreadTime). */
  mainThreadBusy: number;
}

export interface RawRun extends Throughput {
  requestTokens: number[];
}

/** Per configuration, one entry per round (index = round). */
export interface BatchingResult {
  raw: Record<RawKey, RawRun[]>;
  app: Record<AppKey, AppRun[]>;
  rawInfo: { threads: number; multithread: boolean; isolated: boolean };
  appModel: string;
  rounds: number;
  /** Fewer rounds than asked for, because of the deadline. */
  cutShort: boolean;
  hardwareConcurrency: number;
}

function throughput(tokens: number, ms: number): Throughput {
  return { tokens, ms, tokPerS: (tokens / ms) * 1000 };
}

/** Numbers the runs of both sides, so each gets a problem of its own (see perfProblem). */
let runCounter = 0;

/** Enough to compile the WASM kernels and touch every slot; the app's smallest max tokens. */
const WARM_UP_TOKENS = 16;

async function runRaw(page: Page, requests: number, concurrent: boolean, maxTokens = PERF_NEW_TOKENS): Promise<RawRun> {
  const options = { problem: perfProblem(++runCounter), requests, concurrent, maxTokens };
  const r: RawRunResult = await page.evaluate((o) => window.__perfRaw!.run(o), options);
  return { ...throughput(r.tokens.reduce((a, b) => a + b, 0), r.ms), requestTokens: r.tokens };
}

async function threadSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === "ThreadTime")?.value ?? Number.NaN;
}

/**
 * One app run: Run is clicked; the candidate phase ends when the last panel is
 * done, and the run is stopped there (the refinement is not measured here).
 */
export async function runApp(page: Page, cdp: CDPSession, n: number, sequential: boolean, maxTokens = PERF_NEW_TOKENS): Promise<AppRun> {
  await page.evaluate(
    ({ settings, sequential }) => {
      const hooks = window.__perfApp!;
      hooks.setSequential(sequential);
      hooks.configureRun(settings);
      hooks.armRun({ stopAfterCandidates: true });
    },
    { settings: { problem: perfProblem(++runCounter), n, temperature: PERF_SAMPLING.temperature, maxTokens }, sequential },
  );
  const cpu0 = await threadSeconds(cdp);
  await page.getByTestId("run.start").click();
  await page.evaluate(() => window.__perfApp!.candidatesEnded());
  const cpu1 = await threadSeconds(cdp);
  const record: RunRecord = await page.evaluate(() => window.__perfApp!.runEnded());
  const bad = record.candidates.filter((c) => c.status !== "done");
  if (bad.length) throw new Error(`App candidates did not finish: ${JSON.stringify(bad)}`);
  const tokens = record.candidates.reduce((sum, c) => sum + c.tokens, 0);
  const end = Math.max(...record.candidates.map((c) => c.endedAt ?? Number.NaN));
  const firstToken = Math.min(...record.candidates.map((c) => c.streamingAt ?? Number.NaN));
  const wallMs = end - (record.clickAt ?? Number.NaN);
  return {
    ...throughput(tokens, wallMs),
    fromFirstToken: throughput(tokens, end - firstToken),
    candidateTokens: record.candidates.map((c) => c.tokens),
    mainThreadBusy: ((cpu1 - cpu0) * 1000) / wallMs,
  };
}

export interface BatchingOptions {
  /** Rounds to run; more (up to maxRounds) while time allows. */
  minRounds: number;
  maxRounds: number;
  /**
   * Date.now() by which the part must end: after the first round, a round is only
   * started if the previous one's duration still fits (a slow phase of a shared
   * machine can make rounds several times longer).
   */
  deadline: number;
  /** Extra rounds (beyond minRounds) only while they end this long before the deadline. */
  extraRoundsMarginMs: number;
  /** llama.cpp threads for both sides; default: the app's choice (all cores). */
  threads?: number;
  log: (line: string) => void;
}

export async function perfBatching(browser: Browser, origin: string, options: BatchingOptions): Promise<BatchingResult> {
  const { log } = options;
  const modelUrl = `${origin}/models/perf.gguf`;
  const context = await perfContext(browser);
  try {
    const raw = await context.newPage();
    const app = await context.newPage();
    for (const page of [raw, app]) page.on("pageerror", (e) => log(`[page error] ${e.message}`));
    const cdp = await context.newCDPSession(app);
    await cdp.send("Performance.enable");
    // The app picks its thread count from navigator.hardwareConcurrency (client.ts).
    if (options.threads) await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: options.threads });

    await raw.goto(`${origin}/raw.html`);
    await raw.waitForFunction(() => window.__perfRaw !== undefined);
    const rawInfo = await raw.evaluate(([url, threads]) => window.__perfRaw!.load(url, threads ? { n_threads: threads } : {}), [modelUrl, options.threads] as const);
    log(`raw wllama loaded in ${Math.round(rawInfo.loadMs)} ms: ${rawInfo.threads} threads, multithread ${rawInfo.multithread}, crossOriginIsolated ${rawInfo.isolated}`);

    await app.goto(`${origin}/app.html`);
    await app.waitForFunction(() => window.__perfApp !== undefined);
    await app.evaluate((url) => window.__perfApp!.loadModel(url), modelUrl);
    const appModel = ((await app.getByTestId("model.status").textContent({ timeout: 1000 }).catch(() => null)) ?? "").replace(/\s+/g, " ").trim();
    log(`app loaded the model: ${appModel}`);

    // Warm-up: the first requests after a load compile WASM kernels and fill every slot.
    await runRaw(raw, 1, true, WARM_UP_TOKENS);
    await runRaw(raw, 8, true, WARM_UP_TOKENS);
    await runApp(app, cdp, 8, false, WARM_UP_TOKENS);

    const result: BatchingResult = {
      raw: Object.fromEntries(RAW_KEYS.map((k) => [k, []])) as unknown as BatchingResult["raw"],
      app: Object.fromEntries(APP_KEYS.map((k) => [k, []])) as unknown as BatchingResult["app"],
      rawInfo: { threads: rawInfo.threads, multithread: rawInfo.multithread, isolated: rawInfo.isolated },
      appModel,
      rounds: 0,
      cutShort: false,
      hardwareConcurrency: await raw.evaluate(() => navigator.hardwareConcurrency),
    };
    let roundMs = 0;
    for (let round = 0; round < options.maxRounds; round++) {
      const left = options.deadline - Date.now();
      if (round >= options.minRounds && roundMs + options.extraRoundsMarginMs > left) break;
      if (round > 0 && roundMs * 1.3 > left) {
        result.cutShort = true;
        log(`stopping after ${round} rounds: another would end past the time limit`);
        break;
      }
      const roundStart = Date.now();
      const foreign: number[] = [];
      for (const step of ROUND) {
        const before = cpuSample();
        const run = step.engine === "raw" ? await runRaw(raw, step.requests, step.concurrent) : await runApp(app, cdp, step.n, step.sequential);
        run.foreignCores = foreignCores(before, cpuSample());
        foreign.push(run.foreignCores);
        if (step.engine === "raw") result.raw[step.key].push(run as RawRun);
        else result.app[step.key].push(run as AppRun);
      }
      roundMs = Date.now() - roundStart;
      result.rounds++;
      const t = (list: Throughput[]) => Math.round(list.at(-1)!.tokPerS);
      log(
        `round ${round + 1} (${(roundMs / 1000).toFixed(0)} s): raw 1=${t(result.raw.single)} 4c=${t(result.raw.concurrent_n4)} 4s=${t(result.raw.sequential_n4)} 8c=${t(result.raw.concurrent_n8)} 8s=${t(result.raw.sequential_n8)}; ` +
          `app 4c=${t(result.app.concurrent_n4)} 4s=${t(result.app.sequential_n4)} 8c=${t(result.app.concurrent_n8)} tok/s; ` +
          `other processes used ${Math.min(...foreign).toFixed(1)}–${Math.max(...foreign).toFixed(1)} cores`,
      );
    }
    return result;
  } finally {
    await context.close();
  }
}

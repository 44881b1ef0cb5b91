/**
 * Streaming UI cost: the real App and store (perf/pages/ui.html) on a test-double
 * engine that streams LaTeX-heavy solutions at a fixed rate.
 *
 * Main-thread busy time comes from Chrome's own accounting, CDP
 * `Performance.getMetrics`: `ThreadTime` is the CPU time of the renderer's main
 * thread (script, style, layout, paint, GC, message handling: everything it
 * runs), sampled every 500 ms with the page's token count. Busy fraction =
 * Δ ThreadTime ÷ Δ wall time over a window. CPU time rather than the wall time of
 * tasks (`TaskDuration`, also recorded), because on a shared machine a task's
 * wall time includes the time the OS ran something else. Long tasks come from a
 * PerformanceObserver("longtask") in the page.
 */
import type { Browser, BrowserContext, CDPSession, Page } from "@playwright/test";
import type { FakePlan, RunRecord } from "./pages/hooks.ts";
import { perfContext } from "./browser.ts";
import { cpuSample, foreignCores } from "./machine.ts";
import { median } from "./stats.ts";

const PROBLEM = "Find all real $x$ with $\\frac{x^2+3x}{2} = \\sqrt{5x+1}$, and give their sum.";

interface Sample {
  /** Page clock (performance.now), ms. */
  pageMs: number;
  /** CDP clock, s. */
  timestamp: number;
  /** Main-thread CPU time so far, s. */
  threadTime: number;
  /** Wall time of main-thread tasks so far, s. */
  taskDuration: number;
  scriptDuration: number;
  layoutDuration: number;
  recalcStyleDuration: number;
  tokens: number;
}

export interface WindowCost {
  wallMs: number;
  /** Main-thread CPU time. */
  busyMs: number;
  /** Wall time of main-thread tasks (includes time the OS gave to others). */
  taskMs: number;
  busyFraction: number;
  tokens: number;
  busyMsPerToken: number;
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
}

/** Main-thread tasks of a Chrome trace ("toplevel" category): wall and CPU time of each. */
export interface TraceTasks {
  count: number;
  /** Tasks whose own main-thread CPU time exceeded 100 ms / 50 ms. */
  cpuOver100: number;
  cpuOver50: number;
  longestCpuMs: number;
  /** Tasks over 100 ms of wall time, and how much of that was CPU time. */
  wallOver100: number;
  wallOver100CpuShare: number;
}

export interface UiResult {
  /** Cores' worth of CPU other processes on the machine used during the main run. */
  foreignCores: number;
  streaming: WindowCost;
  refinement: WindowCost;
  longTasks: { over50: number; over100: number; longestMs: number; count: number; during: string };
  traceTasks: TraceTasks;
  /** The candidate phase again, with streamed text flushed into the store every frame (no pacing). */
  streamingEveryFrame: WindowCost;
  candidateTokens: number[];
  refinedTokens: number;
  runSeconds: number;
  growth: { length: number; costs: WindowCost[] }[];
  growthRatio: number;
}

async function sample(cdp: CDPSession, page: Page): Promise<Sample> {
  const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
  const page_ = await page.evaluate(() => ({ pageMs: performance.now(), tokens: window.__perfUi!.streamedTokens() }));
  const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? Number.NaN;
  return {
    ...page_,
    timestamp: m("Timestamp"),
    threadTime: m("ThreadTime"),
    taskDuration: m("TaskDuration"),
    scriptDuration: m("ScriptDuration"),
    layoutDuration: m("LayoutDuration"),
    recalcStyleDuration: m("RecalcStyleDuration"),
  };
}

function cost(a: Sample, b: Sample): WindowCost {
  const wallMs = (b.timestamp - a.timestamp) * 1000;
  const busyMs = (b.threadTime - a.threadTime) * 1000;
  const tokens = b.tokens - a.tokens;
  return {
    wallMs,
    busyMs,
    taskMs: (b.taskDuration - a.taskDuration) * 1000,
    busyFraction: busyMs / wallMs,
    tokens,
    busyMsPerToken: busyMs / tokens,
    scriptMs: (b.scriptDuration - a.scriptDuration) * 1000,
    layoutMs: (b.layoutDuration - a.layoutDuration) * 1000,
    styleMs: (b.recalcStyleDuration - a.recalcStyleDuration) * 1000,
  };
}

/** First and last sample inside [fromMs, toMs] of the page clock. */
function windowOf(samples: Sample[], fromMs: number, toMs: number): WindowCost {
  const inside = samples.filter((s) => s.pageMs >= fromMs && s.pageMs <= toMs);
  if (inside.length < 2) throw new Error(`Too few samples in the window ${fromMs}–${toMs} ms`);
  return cost(inside[0]!, inside.at(-1)!);
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

async function startTrace(cdp: CDPSession): Promise<() => Promise<TraceEvent[]>> {
  const events: TraceEvent[] = [];
  // CDP types trace events as string records; their fields are numbers and objects in fact.
  const collect = (e: { value: object[] }) => void events.push(...(e.value as TraceEvent[]));
  cdp.on("Tracing.dataCollected", collect);
  await cdp.send("Tracing.start", { categories: "toplevel", transferMode: "ReportEvents" });
  return async () => {
    const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
    await cdp.send("Tracing.end");
    await complete;
    cdp.off("Tracing.dataCollected", collect);
    return events;
  };
}

/** Top-level tasks of the renderer main thread that ran the most (the bench page's). */
function mainThreadTasks(events: TraceEvent[]): TraceTasks {
  const mains = new Set(events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === "X" && e.name === "ThreadControllerImpl::RunTask" && mains.has(key)) (byThread.get(key) ?? byThread.set(key, []).get(key)!).push(e);
  }
  const cpu = (list: TraceEvent[]) => list.reduce((n, e) => n + (e.tdur ?? 0), 0);
  const tasks = [...byThread.values()].sort((a, b) => cpu(b) - cpu(a))[0] ?? [];
  const ms = (us: number | undefined) => (us ?? 0) / 1000;
  const wallLong = tasks.filter((t) => ms(t.dur) > 100);
  return {
    count: tasks.length,
    cpuOver100: tasks.filter((t) => ms(t.tdur) > 100).length,
    cpuOver50: tasks.filter((t) => ms(t.tdur) > 50).length,
    longestCpuMs: Math.max(0, ...tasks.map((t) => ms(t.tdur))),
    wallOver100: wallLong.length,
    wallOver100CpuShare: wallLong.length ? cpu(wallLong) / wallLong.reduce((n, t) => n + (t.dur ?? 0), 0) : Number.NaN,
  };
}

async function startRun(page: Page, plan: FakePlan, n: number, maxTokens: number, stopAfterCandidates = false): Promise<void> {
  await page.evaluate(
    ({ plan, settings, stopAfterCandidates }) => {
      const hooks = window.__perfUi!;
      hooks.configure(plan);
      hooks.configureRun(settings);
      hooks.armRun({ stopAfterCandidates });
    },
    { plan, settings: { problem: PROBLEM, n, temperature: 0.7, maxTokens }, stopAfterCandidates },
  );
  await page.getByTestId("run.start").click();
}

/** Samples metrics every 500 ms until the armed run ends. */
async function sampleUntilEnded(page: Page, cdp: CDPSession): Promise<{ samples: Sample[]; record: RunRecord }> {
  const samples: Sample[] = [];
  const ended = page.evaluate(() => window.__perfUi!.runEnded());
  let done = false;
  void ended.finally(() => (done = true));
  while (!done) {
    samples.push(await sample(cdp, page));
    await page.waitForTimeout(500);
  }
  samples.push(await sample(cdp, page));
  return { samples, record: await ended };
}

/** All 8 streaming: from one second in (the panels' first render) to the first finished candidate. */
function candidateWindow(samples: Sample[], record: RunRecord): WindowCost {
  const streamStart = Math.max(...record.candidates.map((c) => c.streamingAt ?? Number.NaN));
  const firstEnd = Math.min(...record.candidates.map((c) => c.endedAt ?? Number.NaN));
  return windowOf(samples, streamStart + 1000, firstEnd);
}

const STREAMING_PLAN: FakePlan = { rate: 50, candidateTokens: 1000, refineTokens: 500, prefixTokens: 0 };

/** 8 candidates × 1,000 tokens at 50 tok/s each (20 s), then a 500-token refinement. */
async function streamingRun(page: Page, cdp: CDPSession): Promise<Omit<UiResult, "growth" | "growthRatio" | "streamingEveryFrame">> {
  const cpuBefore = cpuSample();
  const stopTrace = await startTrace(cdp);
  await startRun(page, STREAMING_PLAN, 8, 1024);
  const { samples, record } = await sampleUntilEnded(page, cdp);
  const traceTasks = mainThreadTasks(await stopTrace());
  const foreign = foreignCores(cpuBefore, cpuSample());
  if (record.status !== "complete") throw new Error(`The UI run ended ${record.status}`);

  const streaming = candidateWindow(samples, record);
  const refineStart = record.refined.streamingAt ?? Number.NaN;
  const refineEnd = record.refined.endedAt ?? Number.NaN;
  const refinement = windowOf(samples, refineStart + 500, refineEnd);

  const from = record.clickAt ?? Math.min(...record.candidates.map((c) => c.streamingAt ?? Number.NaN));
  const tasks = await page.evaluate(() => window.__perfUi!.longTasks);
  const during = tasks.filter((t) => t.start >= from && t.start <= record.endedAt);
  return {
    foreignCores: foreign,
    streaming,
    refinement,
    longTasks: {
      over50: during.filter((t) => t.duration > 50).length,
      over100: during.filter((t) => t.duration > 100).length,
      longestMs: Math.max(0, ...during.map((t) => t.duration)),
      count: during.length,
      during: "Run click → refined solution done",
    },
    traceTasks,
    candidateTokens: record.candidates.map((c) => c.tokens),
    refinedTokens: record.refined.tokens,
    runSeconds: (record.endedAt - from) / 1000,
  };
}

/** The candidate phase of streamingRun on a page whose store takes streamed text every frame. */
async function candidatePhaseRun(page: Page, cdp: CDPSession): Promise<WindowCost> {
  await startRun(page, STREAMING_PLAN, 8, 1024, true);
  const { samples, record } = await sampleUntilEnded(page, cdp);
  return candidateWindow(samples, record);
}

/**
 * Cost per streamed token when every candidate is about `length` tokens long:
 * each candidate starts with length − 150 tokens at once, streams at 50 tok/s,
 * and the window covers tokens length − 100 … length + 100 (4 s).
 */
async function growthRun(page: Page, cdp: CDPSession, length: number): Promise<WindowCost> {
  const plan: FakePlan = { rate: 50, candidateTokens: length + 1000, refineTokens: 0, prefixTokens: length - 150 };
  await startRun(page, plan, 8, 8192);
  await page.waitForFunction(() => window.__perfUi!.streamingSince() !== null, undefined, { timeout: 60_000, polling: 50 });
  await page.waitForTimeout(1000);
  const a = await sample(cdp, page);
  await page.waitForTimeout(4000);
  const b = await sample(cdp, page);
  await page.getByTestId("run.stop").click();
  const record = await page.evaluate(() => window.__perfUi!.runEnded());
  if (record.status !== "stopped") throw new Error(`The growth run ended ${record.status}`);
  return cost(a, b);
}

async function openUiPage(context: BrowserContext, url: string, log: (line: string) => void): Promise<{ page: Page; cdp: CDPSession }> {
  const page = await context.newPage();
  page.on("pageerror", (e) => log(`[page error] ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable", { timeDomain: "timeTicks" });
  await page.goto(url);
  await page.waitForFunction(() => window.__perfUi !== undefined);
  await page.evaluate(() => window.__perfUi!.loadModel("http://fake.invalid/fake-model.gguf"));
  // The app fetches the run view and the method module once a model is ready.
  await page.waitForTimeout(2000);
  return { page, cdp };
}

export async function perfUi(browser: Browser, origin: string, options: { log: (line: string) => void; growthRounds: number }): Promise<UiResult> {
  const { log } = options;
  const context = await perfContext(browser);
  try {
    const { page, cdp } = await openUiPage(context, `${origin}/ui.html`, log);

    const main = await streamingRun(page, cdp);
    log(
      `UI: streaming busy ${(main.streaming.busyFraction * 100).toFixed(1)}% over ${(main.streaming.wallMs / 1000).toFixed(1)} s (${main.streaming.tokens} tokens), ` +
        `long tasks >100 ms: ${main.longTasks.over100}, longest ${Math.round(main.longTasks.longestMs)} ms`,
    );

    const lengths = [500, 4000];
    const growth = lengths.map((length) => ({ length, costs: [] as WindowCost[] }));
    for (let round = 0; round < options.growthRounds; round++) {
      for (const g of growth) {
        const c = await growthRun(page, cdp, g.length);
        g.costs.push(c);
        log(`UI growth: ${g.length} tokens/candidate → ${c.busyMsPerToken.toFixed(3)} ms busy per token (${c.tokens} tokens, busy ${(c.busyFraction * 100).toFixed(1)}%)`);
      }
    }
    const perToken = (length: number) => median(growth.find((g) => g.length === length)!.costs.map((c) => c.busyMsPerToken));
    await page.close();

    const unpaced = await openUiPage(context, `${origin}/ui.html?pace=frame`, log);
    const streamingEveryFrame = await candidatePhaseRun(unpaced.page, unpaced.cdp);
    log(`UI: with streamed text reaching the store every frame (no pacing): busy ${(streamingEveryFrame.busyFraction * 100).toFixed(1)}%`);
    return { ...main, streamingEveryFrame, growth, growthRatio: perToken(4000) / perToken(500) };
  } finally {
    await context.close();
  }
}

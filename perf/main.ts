/**
 * Benchmarks: batching gain on the CPU engine, streaming UI cost and its growth,
 * initial bundle size. Builds the app and the perf pages, serves them with
 * vite preview, drives headless Chromium, prints one table.
 *
 *   npm run bench [-- --json <file>] [--only batch,ui,lineage,load,remote] [--rounds 3] [--threads N] [--strict]
 *
 * Every figure is a ratio or a share measured side by side in the same run,
 * so a busy machine shifts both sides. --threads N sets llama.cpp's threads on both
 * sides of the batching part (0: the app's own choice, all cores; the default,
 * except on machines with 2 cores or fewer, where it is 1: see `threads` below).
 * --strict exits 1 when a target is missed.
 */
import { PERF_OPENAI_SERVER } from "./remote-hosts.ts"; // first: it lists the inference server for the app's CSP
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { APP_KEYS, RAW_KEYS, perfBatching, type BatchingResult, type Throughput } from "./batching.ts";
import { launchChromium } from "./browser.ts";
import { measureLoad, type LoadResult } from "./load.ts";
import { buildApp, buildBenchPages, serveApp, serveBenchPages } from "./servers.ts";
import { figuresJson, fmt, formatTable, formatTarget, meets, median, pairedRatio, summarize, type Row, type Section, type Target } from "./stats.ts";
import { perfLineage } from "./lineage.ts";
import type { LineageBenchResult } from "./pages/hooks.ts";
import { perfRemote, type RemoteResult } from "./remote.ts";
import { perfUi, type UiResult } from "./ui.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(repo);

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : (args[i + 1] ?? "");
};
const jsonPath = flag("--json");
const parts = new Set((flag("--only") ?? "batch,ui,lineage,load,remote").split(","));
/** Batching rounds: --rounds (fewer only if the time limit would be passed), more (up to 7) while time allows. */
const rounds = Number(flag("--rounds") ?? 3);
/**
 * llama.cpp threads for both sides of the batching part. Default: the app's own choice
 * (all cores), except on machines with 2 cores or fewer, where 1: there two threads
 * spin-wait on each other and collapse (measured here: 0.8–85 tok/s for the same
 * request within minutes) whenever any other process runs, which no pairing survives.
 */
const threads = flag("--threads") === undefined ? (cpus().length <= 2 ? 1 : undefined) : Number(flag("--threads")) || undefined;
const strict = args.includes("--strict");
const basePort = Number(process.env.PERF_PORT ?? 4273);

const started = Date.now();
/** The whole bench must end within 10 minutes on the project's 2-core machines; batching adapts its rounds to this. */
const TIME_LIMIT_MS = Number(process.env.PERF_TIME_LIMIT_S ?? 560) * 1000;
const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`);

const TARGETS: Record<string, Target> = {
  "batch.app_vs_sequential_n4": { op: ">=", value: 1.5 },
  "batch.app_vs_raw_n4": { op: ">=", value: 0.95 },
  "ui.long_tasks_over_100ms": { op: "==", value: 0 },
  "ui.busy_fraction": { op: "<=", value: 0.25 },
  "ui.growth_ratio": { op: "<=", value: 2 },
  "load.initial_js_gzip_kb": { op: "<=", value: 200 },
  "lineage.long_tasks_over_100ms": { op: "==", value: 0 },
  "remote.app_vs_raw_n4": { op: ">=", value: 0.95 },
};

function ensureBenchModel(): string {
  const path = join(repo, "models/perf.gguf");
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    execFileSync(process.execPath, ["--import", "tsx", "scripts/make-model.ts", path, "--size", "perf"], { stdio: "inherit" });
  }
  return path;
}

const figures: Record<string, number> = {};
const sections: Section[] = [];

function figureRow(name: string, value: number, note: string, unit = ""): Row {
  figures[name] = value;
  const target = TARGETS[name];
  return {
    name,
    value: fmt(value) + unit,
    target: target ? formatTarget(target, unit) : "",
    result: target ? (meets(value, target) ? "PASS" : "FAIL") : "",
    note,
  };
}

function batchingSection(b: BatchingResult): Section {
  const tps = (list: Throughput[]) => list.map((t) => t.tokPerS);
  const rows: Row[] = [];
  /** Median of the per-round ratios; the note adds the ratio of the two bests. */
  const ratioRow = (name: string, a: Throughput[], z: Throughput[], note: string, unit = "") =>
    figureRow(name, pairedRatio(tps(a), tps(z)), `${note}; best ÷ best ${fmt(Math.max(...tps(a)) / Math.max(...tps(z)))}`, unit);
  for (const n of [2, 4, 8] as const) {
    rows.push(
      ratioRow(`batch.raw_concurrent_vs_sequential_n${n}`, b.raw[`concurrent_n${n}`], b.raw[`sequential_n${n}`], `raw wllama, ${n} requests at once ÷ one after another`, "×"),
    );
  }
  rows.push(ratioRow("batch.app_vs_sequential_n4", b.app.concurrent_n4, b.app.sequential_n4, "app N=4 candidate phase ÷ the app making its 4 candidates one after another", "×"));
  rows.push(ratioRow("batch.app_vs_raw_n4", b.app.concurrent_n4, b.raw.concurrent_n4, "app N=4 (Run click → last candidate done) ÷ raw wllama, 4 concurrent"));
  rows.push(ratioRow("batch.app_vs_raw_n8", b.app.concurrent_n8, b.raw.concurrent_n8, "app N=8 ÷ raw wllama, 8 concurrent"));
  rows.push(
    ratioRow(
      "batch.app_first_token_vs_raw_n4",
      b.app.concurrent_n4.map((r) => r.fromFirstToken),
      b.raw.concurrent_n4,
      "as app_vs_raw_n4, timed from the first panel streaming (leaves out the app counting the prompt's tokens)",
    ),
  );
  rows.push(ratioRow("batch.app_sequential_vs_raw_sequential_n4", b.app.sequential_n4, b.raw.sequential_n4, "app, 4 candidates one after another ÷ raw wllama, 4 one after another"));
  const busy = (key: keyof BatchingResult["app"]) => median(b.app[key].map((r) => r.mainThreadBusy));
  figures["batch.app_main_thread_busy_n4"] = busy("concurrent_n4");
  figures["batch.app_main_thread_busy_n8"] = busy("concurrent_n8");
  rows.push({
    name: "  app main thread",
    value: `${(busy("concurrent_n4") * 100).toFixed(0)}%`,
    result: "median",
    note: `CPU time of the app page's main thread ÷ wall time of the candidate phase, N=4 (N=8: ${(busy("concurrent_n8") * 100).toFixed(0)}%, sequential N=4: ${(busy("sequential_n4") * 100).toFixed(0)}%)`,
  });
  const label = (key: string) => (key === "single" ? "1 request" : key.replace(/^(concurrent|sequential)_n(\d)$/, (_, mode: string, n: string) => `${n} ${mode}`));
  const throughputRow = (name: string, list: Throughput[], extra = ""): Row => {
    const s = summarize(tps(list));
    return { name, value: `${fmt(s.median)} tok/s`, result: "median", note: `best ${fmt(s.best)}; rounds ${s.samples.map((x) => fmt(x)).join(", ")}${extra}` };
  };
  for (const key of RAW_KEYS) {
    figures[`batch.raw_tok_s_${key}`] = median(tps(b.raw[key]));
    rows.push(throughputRow(`  raw wllama ${label(key)}`, b.raw[key]));
  }
  for (const key of APP_KEYS) {
    figures[`batch.app_tok_s_${key}`] = median(tps(b.app[key]));
    const counts = b.app[key].flatMap((r) => r.candidateTokens);
    const tokens = counts.every((t) => t === 64) ? `all ${counts.length} candidates 64 tokens` : `tokens ${counts.join(",")}`;
    rows.push(throughputRow(`  app ${label(key)}`, b.app[key], `; ${tokens}`));
  }
  const foreign = [...RAW_KEYS.flatMap((k) => b.raw[k]), ...APP_KEYS.flatMap((k) => b.app[k])].map((r) => r.foreignCores ?? Number.NaN);
  figures["batch.foreign_cores_median"] = median(foreign);
  rows.push({
    name: "  machine",
    value: `${fmt(median(foreign))} cores`,
    result: "median",
    note: `CPU other processes (other people's tests) used during the measurements, out of ${b.hardwareConcurrency}; range ${fmt(Math.min(...foreign))}–${fmt(Math.max(...foreign))}`,
  });
  const rawCounts = RAW_KEYS.flatMap((k) => b.raw[k].flatMap((r) => r.requestTokens));
  rows.push({
    name: "  setup",
    value: "",
    note:
      `64 new tokens per sequence, greedy; raw requests ignore_eos (${rawCounts.every((t) => t === 64) ? "all" : "NOT all"} ${rawCounts.length} got 64); ` +
      `${b.rawInfo.threads} llama.cpp thread(s) on ${b.hardwareConcurrency} cores${threads ? " (set by the bench, both sides; see --threads)" : " (the app's own choice)"} (multithread ${b.rawInfo.multithread}, isolated ${b.rawInfo.isolated}); app: ${b.appModel}; ` +
      `n_parallel 8; ${b.rounds} rounds after warm-up${b.cutShort ? ` (CUT SHORT by the time limit, ${rounds} asked for)` : ""}`,
  });
  return { title: "1. batched candidates, CPU engine (wllama)", rows };
}

function uiSection(u: UiResult): Section {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows: Row[] = [
    figureRow("ui.long_tasks_over_100ms", u.longTasks.over100, `PerformanceObserver longtask (wall time), ${u.longTasks.during}; >50 ms: ${u.longTasks.over50}, longest ${Math.round(u.longTasks.longestMs)} ms`),
    figureRow(
      "ui.cpu_long_tasks_over_100ms",
      u.traceTasks.cpuOver100,
      `main-thread tasks with >100 ms of their own CPU time (Chrome trace); >50 ms: ${u.traceTasks.cpuOver50}, most ${Math.round(u.traceTasks.longestCpuMs)} ms; ` +
        `the ${u.traceTasks.wallOver100} tasks >100 ms of wall time were ${pct(u.traceTasks.wallOver100CpuShare)} CPU (the rest: the OS ran other threads)`,
    ),
    figureRow(
      "ui.busy_fraction",
      u.streaming.busyFraction,
      `main-thread CPU time ÷ wall time while 8 stream at 50 tok/s (CDP ThreadTime), ${fmt(u.streaming.wallMs / 1000)} s window; ` +
        `of wall time: script ${pct(u.streaming.scriptMs / u.streaming.wallMs)}, style ${pct(u.streaming.styleMs / u.streaming.wallMs)}, layout ${pct(u.streaming.layoutMs / u.streaming.wallMs)}; task wall time ${pct(u.streaming.taskMs / u.streaming.wallMs)}`,
    ),
    figureRow("ui.busy_fraction_refine", u.refinement.busyFraction, `the same while the refined solution streams (1 × 50 tok/s)`),
    figureRow("ui.busy_fraction_every_frame", u.streamingEveryFrame.busyFraction, "diagnostic: the same 8 streams with text reaching the store every frame (no pacing by stream count)"),
    figureRow("ui.growth_ratio", u.growthRatio, "main-thread CPU ms per streamed token at 4,000 tokens/candidate ÷ at 500 (8 candidates, 50 tok/s each)", "×"),
  ];
  for (const g of u.growth) {
    const perToken = g.costs.map((c) => c.busyMsPerToken);
    figures[`ui.busy_ms_per_token_${g.length}`] = summarize(perToken).median;
    rows.push({
      name: `  busy per token at ${g.length}`,
      value: `${fmt(summarize(perToken).median)} ms`,
      result: "median",
      note: `rounds ${perToken.map((x) => fmt(x)).join(", ")}; busy ${g.costs.map((c) => pct(c.busyFraction)).join(", ")}`,
    });
  }
  figures["ui.busy_ms_per_token_streaming"] = u.streaming.busyMsPerToken;
  rows.push({
    name: "  run",
    value: `${fmt(u.runSeconds)} s`,
    note: `candidates ${[...new Set(u.candidateTokens)].join("/")} tokens each, refined ${u.refinedTokens}; ${fmt(u.streaming.busyMsPerToken)} ms busy per token while 8 stream; other processes used ${fmt(u.foreignCores)} cores meanwhile`,
  });
  return { title: "2. streaming UI (real App + store, test-double engine)", rows };
}

function loadSection(l: LoadResult): Section {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows: Row[] = [
    figureRow("load.initial_js_gzip_kb", l.initialGzipKb, "entry chunk + its static imports (build manifest; = index.html script + modulepreloads)", " KB"),
    figureRow("load.startup_js_gzip_kb", l.startupGzipKb, "initial + scripts the idle page fetches anyway (workers), seen in Chromium", " KB"),
    figureRow("load.total_js_gzip_kb", l.totalGzipKb, "every JS chunk of the build (service worker excluded)", " KB"),
  ];
  for (const c of l.chunks) rows.push({ name: `  ${c.file}`, value: kb(c.gzipBytes), result: c.kind, note: `${kb(c.bytes)} raw` });
  return { title: "3. load (production build, gzip level 6)", rows };
}

function lineageSection(r: LineageBenchResult): Section {
  const rows: Row[] = [
    figureRow(
      "lineage.long_tasks_over_100ms",
      r.longTasksOver100,
      `page long tasks while the lineage worker traced 8 candidates of 2,000 tokens, 4 times; >50 ms: ${r.longTasksOver50}, longest ${Math.round(r.longestTaskMs)} ms`,
    ),
    figureRow("lineage.worker_ms", median(r.workerMs), `request → answer through the worker, median of ${r.workerMs.map((x) => fmt(x)).join(", ")}`, " ms"),
    figureRow("lineage.inline_ms", r.inlineMs, `diagnostic: the same matching on the main thread, which the observer saw as ${r.inlineLongTasks} long task(s) over 50 ms (so it would have seen the worker's)`, " ms"),
    {
      name: "  workload",
      value: "",
      note: `${r.candidateSteps} candidate steps (${r.candidateChars.join("/")} chars), ${r.refinedSteps} refined steps of which ${r.newSteps} new`,
    },
  ];
  return { title: "4. step lineage (worker)", rows };
}

function remoteSection(r: RemoteResult): Section {
  const tps = (list: Throughput[]) => list.map((t) => t.tokPerS);
  const ratio = (a: Throughput[], z: Throughput[]) => pairedRatio(tps(a), tps(z));
  return {
    title: `5. Server engine against a real inference server (node-llama-cpp, 4 sequences, ${PERF_OPENAI_SERVER})`,
    rows: [
      figureRow("remote.concurrent_vs_sequential_n4", ratio(r.appConcurrent, r.appSequential), "app N=4 candidate phase, 4 requests at once ÷ one after another (the server's batching)", "×"),
      figureRow("remote.app_vs_raw_n4", ratio(r.appConcurrent, r.rawConcurrent), "app N=4 (Run click → last candidate done) ÷ a raw fetch client sending the same 4 requests at once"),
      figureRow("remote.raw_concurrent_vs_sequential_n4", ratio(r.rawConcurrent, r.rawSequential), "raw client, 4 at once ÷ one after another", "×"),
    ],
  };
}

async function main(): Promise<void> {
  log(`parts: ${[...parts].join(", ")}; ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const benchModel = parts.has("batch") || parts.has("remote") ? ensureBenchModel() : null;
  const needPages = parts.has("batch") || parts.has("ui") || parts.has("lineage") || parts.has("remote");
  const pagesDir = needPages ? await buildBenchPages(repo) : null;
  const appDir = parts.has("load") ? await buildApp(repo) : null;
  log("built");
  const pages = pagesDir ? await serveBenchPages(repo, pagesDir, basePort + 1) : null;
  const app = appDir ? await serveApp(repo, appDir, basePort) : null;
  const browser = await launchChromium();
  const meta = { date: new Date().toISOString(), chromium: browser.version(), cores: cpus().length, loadavg: loadavg(), rounds };
  const details: Record<string, unknown> = {};
  try {
    if (app && appDir) {
      const l = await measureLoad(browser, appDir, app.origin);
      details.load = l;
      sections.push(loadSection(l));
      log(`load: initial ${l.initialGzipKb.toFixed(1)} KB gzip`);
    }
    if (pages && parts.has("ui")) {
      const u = await perfUi(browser, pages.origin, { log, growthRounds: 2 });
      details.ui = u;
      sections.unshift(uiSection(u));
    }
    if (pages && parts.has("lineage")) {
      const r = await perfLineage(browser, pages.origin);
      details.lineage = r;
      sections.push(lineageSection(r));
      log(`lineage: ${r.longTasksOver100} long tasks over 100 ms`);
    }
    if (pages && benchModel && parts.has("remote")) {
      const r = await perfRemote(browser, pages.origin, benchModel, { rounds, log });
      details.remote = r;
      sections.push(remoteSection(r));
    }
    if (pages && parts.has("batch")) {
      const b = await perfBatching(browser, pages.origin, {
        minRounds: rounds,
        maxRounds: Math.max(rounds, 7),
        deadline: started + TIME_LIMIT_MS,
        extraRoundsMarginMs: 120_000,
        threads,
        log,
      });
      details.batch = b;
      sections.unshift(batchingSection(b));
    }
  } finally {
    await browser.close();
    await pages?.close();
    await app?.close();
  }

  const elapsed = (Date.now() - started) / 1000;
  console.log(`\nRefinery bench — ${meta.date}, Chromium ${meta.chromium}, ${meta.cores} cores, ${elapsed.toFixed(0)} s`);
  console.log(formatTable(sections));
  const missed = Object.entries(TARGETS).filter(([k, t]) => k in figures && !meets(figures[k]!, t)).map(([k]) => k);
  console.log(missed.length ? `Targets missed: ${missed.join(", ")}` : "All targets met.");
  if (jsonPath) {
    writeFileSync(jsonPath, JSON.stringify({ ...figuresJson(figures), targets: TARGETS, missed, meta: { ...meta, seconds: elapsed }, details }, null, 2) + "\n");
    console.log(`JSON: ${jsonPath}`);
  }
  if (strict && missed.length) process.exitCode = 1;
}

await main();

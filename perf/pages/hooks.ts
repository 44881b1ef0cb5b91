/**
 * What the perf pages expose on `window` for perf/*.ts. Plain data only:
 * the Node side reads it through Playwright's `page.evaluate`. Nothing here
 * imports the app, so scripts/ can import these types without pulling in src/.
 */

/** One sequence of a run as the page saw it; times are the page's performance.now(). */
export interface SequenceRecord {
  /** When the panel first showed data-status="streaming". */
  streamingAt: number | null;
  /** When the panel first showed data-status="done" (or another end state). */
  endedAt: number | null;
  status: string;
  /** Tokens the engine reported for the finished sequence (0 while unfinished). */
  tokens: number;
  finishReason: string | null;
  chars: number;
}

export interface RunRecord {
  /** The Run button's click (capture phase), or null when the run was started otherwise. */
  clickAt: number | null;
  candidates: SequenceRecord[];
  refined: SequenceRecord;
  status: string;
  /** When the store reported the run over. */
  endedAt: number;
}

export interface LongTaskRecord {
  start: number;
  duration: number;
}

/** Run settings the bench sets through the store before pressing Run. */
export interface BenchRunSettings {
  problem: string;
  n: number;
  temperature: number;
  maxTokens: number;
}

export interface BenchPageHooks {
  /** Loads a model through the store (URL source) and resolves when it is ready. */
  loadModel(url: string): Promise<void>;
  configureRun(settings: BenchRunSettings): void;
  /**
   * Starts watching for the next run (call before pressing Run). With
   * stopAfterCandidates the run is stopped the moment its last candidate ends, before
   * the refinement starts, so nothing of it keeps the engine busy afterwards.
   */
  armRun(options?: { stopAfterCandidates?: boolean }): void;
  /** Resolves when every candidate of the armed run has ended (done, failed or stopped). */
  candidatesEnded(): Promise<void>;
  /** Resolves when the armed run has ended. */
  runEnded(): Promise<RunRecord>;
  /** Tokens streamed into the store so far in the current run (candidates + refinement). */
  streamedTokens(): number;
  modelReady(): boolean;
  /** Long tasks (PerformanceObserver "longtask") since the page loaded. */
  longTasks: LongTaskRecord[];
}

/** perf/pages/app.html: the real app on the real wllama engine. */
export interface AppPageHooks extends BenchPageHooks {
  /** Bench-only switch: generate the N candidates one after another instead of concurrently. */
  setSequential(on: boolean): void;
}

/** How the fake engine of perf/pages/ui.html streams. */
export interface FakePlan {
  /** Tokens per second of each sequence. */
  rate: number;
  candidateTokens: number;
  refineTokens: number;
  /** Tokens each candidate receives at once, before streaming at `rate` (to start long). */
  prefixTokens: number;
}

/** perf/pages/ui.html: the real app on a test-double engine. */
export interface UiPageHooks extends BenchPageHooks {
  configure(plan: FakePlan): void;
  /** When the latest generation started streaming at its rate (after any prefix); null before. */
  streamingSince(): number | null;
}

export interface RawRunOptions {
  problem: string;
  /** Number of requests. */
  requests: number;
  /** All at once (concurrent) or one after another. */
  concurrent: boolean;
  maxTokens: number;
  /** Default true. */
  ignoreEos?: boolean;
  /** Count the prompt's tokens first, as the app does (a one-token completion). */
  countTokensFirst?: boolean;
}

export interface RawRunResult {
  ms: number;
  /** Completion tokens per request as reported by llama.cpp. */
  tokens: number[];
  /** Streamed chunks with text, per request. */
  chunks: number[];
  /** Prompt tokens llama.cpp evaluated per request (the rest came from its prompt cache). */
  promptEvaluated: number[];
}

export interface RawLoadInfo {
  threads: number;
  multithread: boolean;
  isolated: boolean;
  loadMs: number;
}

/** Load parameters that differ from the app's (for diagnosis). */
export interface RawLoadOverrides {
  n_ctx?: number;
  n_threads?: number;
  n_parallel?: number;
  kv_unified?: boolean;
}

/** perf/pages/raw.html: wllama itself, no app code in the way. */
export interface RawPageHooks {
  load(modelUrl: string, overrides?: RawLoadOverrides): Promise<RawLoadInfo>;
  unload(): Promise<void>;
  run(options: RawRunOptions): Promise<RawRunResult>;
}

/** perf/pages/remote.html: the app on the Server engine, plus a raw client sending the same requests. */
export interface RemotePageHooks {
  connect(server: string): Promise<void>;
  /** N requests the app would send for a run's candidates, by plain fetch: at once or one after another. */
  raw(options: { server: string; problem: string; n: number; maxTokens: number; concurrent: boolean }): Promise<{ ms: number; tokens: number[] }>;
}

declare global {
  interface Window {
    __perfRemote?: RemotePageHooks;
    __perfApp?: AppPageHooks;
    __perfUi?: UiPageHooks;
    __perfRaw?: RawPageHooks;
    __perfLineage?: Promise<LineageBenchResult>;
  }
}

/** What perf/pages/lineage.html measures (perf/lineage.ts reads it). */
export interface LineageBenchResult {
  candidateChars: number[];
  refinedSteps: number;
  candidateSteps: number;
  /** Refined steps found in no candidate (the workload makes about a quarter new). */
  newSteps: number;
  /** Wall time of each traced round through the worker, ms. */
  workerMs: number[];
  /** The same matching run on the main thread once, ms (what the worker keeps off the page). */
  inlineMs: number;
  /** Long tasks over 50 ms the observer saw during that inline run (checks the observer works). */
  inlineLongTasks: number;
  /** Long tasks on the page's main thread while the worker traced. */
  longTasksOver100: number;
  longTasksOver50: number;
  longestTaskMs: number;
}

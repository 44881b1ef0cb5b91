/**
 * Benchmark mode in the store: drives the pure runner (src/benchmark) with the
 * engine in use, keeps the live state and its summary, and offers the
 * exports. src/benchmark is imported dynamically, so none of it (nor zod) is in
 * the initial bundle; only types are imported statically.
 */
import type { StateCreator } from "zustand";
import type {
  BenchmarkProblem,
  BenchmarkSettings,
  BenchmarkState,
  BenchmarkStorage,
  BenchmarkSummary,
  LiveProgress,
  SubsetSpec,
  TrainingCounts,
  TrainingRecord,
} from "../benchmark";
import { newRunId } from "../history/convert";
import { downloadText } from "../history/export";
import { loadGsr } from "./gsrModule";
import type { AppDeps, AppState } from "./index";

type BenchmarkModule = typeof import("../benchmark");

let pendingModule: Promise<BenchmarkModule> | null = null;
function loadBench(): Promise<BenchmarkModule> {
  pendingModule ??= import("../benchmark");
  pendingModule.catch(() => (pendingModule = null));
  return pendingModule;
}

/** What the runner in this page is doing; a stored benchmark may be paused while this is idle. */
export type BenchmarkActivity = "idle" | "starting" | "running" | "pausing" | "stopping";

export interface BenchmarkConfig {
  subset: SubsetSpec;
  problems: BenchmarkProblem[];
  settings: BenchmarkSettings;
}

export interface TrainingSources {
  benchmark: boolean;
  history: boolean;
}

export interface TrainingPreview {
  counts: TrainingCounts;
  sources: TrainingSources;
  /** Saved runs read (all, with or without a reference answer). */
  historyRuns: number;
}

export interface BenchmarkSlice {
  /** The current benchmark (running, paused, finished), or null. */
  benchmark: BenchmarkState | null;
  benchmarkSummary: BenchmarkSummary | null;
  /** The problem in flight. */
  benchmarkLive: LiveProgress | null;
  benchmarkActivity: BenchmarkActivity;
  benchmarkError: string | null;
  /** True once the stored benchmark (if any) has been read. */
  benchmarkRestored: boolean;
  trainingPreview: TrainingPreview | null;
  /** Reads the last benchmark from IndexedDB; one left running by a dead page comes back 'interrupted'. */
  restoreBenchmark(): Promise<void>;
  /** Starts a new benchmark, replacing the current one. */
  startBenchmark(config: BenchmarkConfig): Promise<void>;
  /** Aborts the problem in flight (it reruns on resume) and pauses. */
  pauseBenchmark(): void;
  /** Ends the benchmark; what is done stays, the rest is not run. */
  stopBenchmark(): Promise<void>;
  resumeBenchmark(): Promise<void>;
  discardBenchmark(): Promise<void>;
  exportBenchmark(format: "csv" | "json"): Promise<void>;
  /** Builds the training records and shows their counts; the download writes exactly these. */
  prepareTrainingExport(sources: TrainingSources): Promise<void>;
  downloadTrainingExport(): void;
  dismissBenchmarkError(): void;
}

export interface BenchmarkSliceOptions {
  /** Defaults to the IndexedDB storage (database "refinery-benchmark"). */
  storage?: BenchmarkStorage;
  newId?: () => string;
  /** Wall clock for timestamps and per-problem times. */
  wallClock?: () => number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createBenchSlice(deps: AppDeps, options: BenchmarkSliceOptions = {}): StateCreator<AppState, [], [], BenchmarkSlice> {
  let storage: BenchmarkStorage | null = options.storage ?? null;
  let controller: AbortController | null = null;
  let trainingRecords: TrainingRecord[] = [];
  const wallClock = options.wallClock ?? (() => Date.now());
  // newRunId, not crypto.randomUUID: the latter is missing on a page served over http on a LAN.
  const newId = options.newId ?? newRunId;
  const getStorage = (mod: BenchmarkModule) => (storage ??= mod.createBenchmarkStorage());

  return (set, get) => {
    const summaryOf = (mod: BenchmarkModule, state: BenchmarkState | null): BenchmarkSummary | null =>
      state ? mod.summarize(mod.scoredResults(state).map((s) => s.score)) : null;

    const fail = (error: unknown) => set({ benchmarkError: message(error) });

    /** The engine, if a model is ready and no single run is going; else says why not. */
    const readyEngine = () => {
      const engine = deps.engines.current();
      if (get().modelStatus !== "ready" || !engine) {
        set({ benchmarkError: "Load a model first: pick one above and press Load." });
        return null;
      }
      if (get().run?.status === "running") {
        set({ benchmarkError: "A single run is in progress. Wait for it to finish or stop it, then start the benchmark." });
        return null;
      }
      return engine;
    };

    const drive = async (mod: BenchmarkModule, state: BenchmarkState) => {
      const engine = readyEngine();
      if (!engine) {
        set({ benchmarkActivity: "idle" });
        return;
      }
      const gsr = await loadGsr();
      controller = new AbortController();
      set({ benchmark: state, benchmarkSummary: summaryOf(mod, state), benchmarkActivity: "running", benchmarkError: null, trainingPreview: null });
      try {
        await mod.runBenchmark({
          port: engine,
          state,
          storage: getStorage(mod),
          signal: controller.signal,
          equivalent: gsr.answersEquivalent,
          now: wallClock,
          onChange: (next) => set({ benchmark: next, benchmarkSummary: summaryOf(mod, next) }),
          onProgress: (live) => set({ benchmarkLive: live }),
          onStorageError: (error) => set({ benchmarkError: mod.storageErrorMessage(error) }),
        });
      } catch (error) {
        fail(error);
      } finally {
        controller = null;
        set({ benchmarkActivity: "idle", benchmarkLive: null });
      }
    };

    return {
      benchmark: null,
      benchmarkSummary: null,
      benchmarkLive: null,
      benchmarkActivity: "idle",
      benchmarkError: null,
      benchmarkRestored: false,
      trainingPreview: null,

      restoreBenchmark: async () => {
        if (get().benchmarkRestored || get().benchmarkActivity !== "idle") return;
        try {
          const mod = await loadBench();
          const stored = await getStorage(mod).loadLatest();
          if (get().benchmark || get().benchmarkActivity !== "idle") return set({ benchmarkRestored: true });
          const state = stored ? mod.recoverInterrupted(stored) : null;
          if (state && stored && state.meta.status !== stored.meta.status) await getStorage(mod).saveMeta(state.meta);
          set({ benchmark: state, benchmarkSummary: summaryOf(mod, state), benchmarkRestored: true });
        } catch (error) {
          set({ benchmarkRestored: true });
          fail(error);
        }
      },

      startBenchmark: async (config) => {
        if (get().benchmarkActivity !== "idle") return;
        if (config.problems.length === 0) return set({ benchmarkError: "The subset is empty: change the filter or the selection." });
        if (!readyEngine()) return;
        set({ benchmarkActivity: "starting", benchmarkError: null });
        try {
          const mod = await loadBench();
          const previous = get().benchmark;
          if (previous) await getStorage(mod).remove(previous.meta.id);
          const engine = deps.engines.current();
          const state = mod.newBenchmark({
            id: newId(),
            now: wallClock(),
            subset: config.subset,
            settings: config.settings,
            problems: config.problems,
            model: get().model?.name ?? "",
            engine: engine?.capabilities.kind ?? "",
          });
          await drive(mod, state);
        } catch (error) {
          set({ benchmarkActivity: "idle" });
          fail(error);
        }
      },

      pauseBenchmark: () => {
        if (!controller || get().benchmarkActivity !== "running") return;
        set({ benchmarkActivity: "pausing" });
        controller.abort("pause");
      },

      stopBenchmark: async () => {
        if (controller) {
          set({ benchmarkActivity: "stopping" });
          controller.abort("stop");
          return;
        }
        // A paused or interrupted benchmark with nothing running: end it here.
        const bench = get().benchmark;
        if (!bench || get().benchmarkActivity !== "idle") return;
        const mod = await loadBench();
        const state: BenchmarkState = { ...bench, meta: { ...bench.meta, status: "stopped", reason: "Stopped by you.", updatedAt: wallClock() } };
        set({ benchmark: state });
        try {
          await getStorage(mod).saveMeta(state.meta);
        } catch (error) {
          set({ benchmarkError: mod.storageErrorMessage(error) });
        }
      },

      resumeBenchmark: async () => {
        const bench = get().benchmark;
        if (!bench || get().benchmarkActivity !== "idle") return;
        const mod = await loadBench();
        if (!mod.isResumable(bench)) return;
        set({ benchmarkActivity: "starting" });
        await drive(mod, bench);
      },

      discardBenchmark: async () => {
        const bench = get().benchmark;
        if (!bench || get().benchmarkActivity !== "idle") return;
        try {
          const mod = await loadBench();
          await getStorage(mod).remove(bench.meta.id);
          set({ benchmark: null, benchmarkSummary: null, trainingPreview: null, benchmarkError: null });
        } catch (error) {
          fail(error);
        }
      },

      exportBenchmark: async (format) => {
        const bench = get().benchmark;
        if (!bench) return;
        try {
          const mod = await loadBench();
          if (format === "csv") {
            downloadText(mod.benchmarkFilename(bench, "csv"), mod.resultsToCsv(bench), "text/csv");
          } else {
            const device = await mod.collectDeviceInfo();
            const summary = summaryOf(mod, bench)!;
            downloadText(mod.benchmarkFilename(bench, "json"), mod.resultsToJson(bench, summary, { exportedAt: wallClock(), device }), "application/json");
          }
        } catch (error) {
          fail(error);
        }
      },

      prepareTrainingExport: async (sources) => {
        try {
          const [mod, gsr] = await Promise.all([loadBench(), loadGsr()]);
          const bench = get().benchmark;
          const fromBenchmark = sources.benchmark && bench ? mod.trainingFromBenchmark(bench, gsr.answersEquivalent) : [];
          let historyRuns = 0;
          let fromHistory: TrainingRecord[] = [];
          if (sources.history) {
            await deps.historyReady;
            const runs = await deps.history.allRuns();
            historyRuns = runs.length;
            fromHistory = mod.trainingFromHistory(runs, gsr.answersEquivalent);
          }
          trainingRecords = mod.mergeTrainingRecords(fromBenchmark, fromHistory);
          set({ trainingPreview: { counts: mod.countTraining(trainingRecords), sources, historyRuns } });
        } catch (error) {
          fail(error);
        }
      },

      downloadTrainingExport: () => {
        if (!get().trainingPreview || trainingRecords.length === 0) return;
        void loadBench()
          .then((mod) => downloadText(mod.trainingFilename(wallClock()), mod.trainingToJsonl(trainingRecords), "application/jsonl"))
          .catch(fail);
      },

      dismissBenchmarkError: () => set({ benchmarkError: null }),
    };
  };
}

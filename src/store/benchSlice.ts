/**
 * Benchmark mode in the store: drives the pure runner (src/bench) with the
 * engine in use, keeps the live state and its summary, and offers the
 * exports. src/bench is imported dynamically, so none of it (nor zod) is in
 * the initial bundle; only types are imported statically.
 */
import type { StateCreator } from "zustand";
import type {
  BenchProblem,
  BenchSettings,
  BenchState,
  BenchStorage,
  BenchSummary,
  LiveProgress,
  SubsetSpec,
  TrainingCounts,
  TrainingRecord,
} from "../bench";
import { downloadText } from "../history/export";
import { loadGsr } from "./gsrModule";
import type { AppDeps, AppState } from "./index";

type BenchModule = typeof import("../bench");

let pendingModule: Promise<BenchModule> | null = null;
function loadBench(): Promise<BenchModule> {
  pendingModule ??= import("../bench");
  pendingModule.catch(() => (pendingModule = null));
  return pendingModule;
}

/** What the runner in this page is doing; a stored benchmark may be paused while this is idle. */
export type BenchActivity = "idle" | "starting" | "running" | "pausing" | "stopping";

export interface BenchConfig {
  subset: SubsetSpec;
  problems: BenchProblem[];
  settings: BenchSettings;
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

export interface BenchSlice {
  /** The current benchmark (running, paused, finished), or null. */
  bench: BenchState | null;
  benchSummary: BenchSummary | null;
  /** The problem in flight. */
  benchLive: LiveProgress | null;
  benchActivity: BenchActivity;
  benchError: string | null;
  /** True once the stored benchmark (if any) has been read. */
  benchRestored: boolean;
  trainingPreview: TrainingPreview | null;
  /** Reads the last benchmark from IndexedDB; one left running by a dead page comes back 'interrupted'. */
  restoreBenchmark(): Promise<void>;
  /** Starts a new benchmark, replacing the current one. */
  startBenchmark(config: BenchConfig): Promise<void>;
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
  dismissBenchError(): void;
}

export interface BenchSliceOptions {
  /** Defaults to the IndexedDB storage (database "refinery-benchmark"). */
  storage?: BenchStorage;
  newId?: () => string;
  /** Wall clock for timestamps and per-problem times. */
  wallClock?: () => number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createBenchSlice(deps: AppDeps, options: BenchSliceOptions = {}): StateCreator<AppState, [], [], BenchSlice> {
  let storage: BenchStorage | null = options.storage ?? null;
  let controller: AbortController | null = null;
  let trainingRecords: TrainingRecord[] = [];
  const wallClock = options.wallClock ?? (() => Date.now());
  const newId = options.newId ?? (() => crypto.randomUUID());
  const getStorage = (mod: BenchModule) => (storage ??= mod.createBenchStorage());

  return (set, get) => {
    const summaryOf = (mod: BenchModule, state: BenchState | null): BenchSummary | null =>
      state ? mod.summarize(mod.scoredResults(state).map((s) => s.score)) : null;

    const fail = (error: unknown) => set({ benchError: message(error) });

    /** The engine, if a model is ready and no single run is going; else says why not. */
    const readyEngine = () => {
      const engine = deps.engines.current();
      if (get().modelStatus !== "ready" || !engine) {
        set({ benchError: "Load a model first: pick one above and press Load." });
        return null;
      }
      if (get().run?.status === "running") {
        set({ benchError: "A single run is in progress. Wait for it to finish or stop it, then start the benchmark." });
        return null;
      }
      return engine;
    };

    const drive = async (mod: BenchModule, state: BenchState) => {
      const engine = readyEngine();
      if (!engine) {
        set({ benchActivity: "idle" });
        return;
      }
      const gsr = await loadGsr();
      controller = new AbortController();
      set({ bench: state, benchSummary: summaryOf(mod, state), benchActivity: "running", benchError: null, trainingPreview: null });
      try {
        await mod.runBenchmark({
          port: engine,
          state,
          storage: getStorage(mod),
          signal: controller.signal,
          equivalent: gsr.answersEquivalent,
          now: wallClock,
          onChange: (next) => set({ bench: next, benchSummary: summaryOf(mod, next) }),
          onProgress: (live) => set({ benchLive: live }),
          onStorageError: (error) => set({ benchError: mod.storageErrorMessage(error) }),
        });
      } catch (error) {
        fail(error);
      } finally {
        controller = null;
        set({ benchActivity: "idle", benchLive: null });
      }
    };

    return {
      bench: null,
      benchSummary: null,
      benchLive: null,
      benchActivity: "idle",
      benchError: null,
      benchRestored: false,
      trainingPreview: null,

      restoreBenchmark: async () => {
        if (get().benchRestored || get().benchActivity !== "idle") return;
        try {
          const mod = await loadBench();
          const stored = await getStorage(mod).loadLatest();
          if (get().bench || get().benchActivity !== "idle") return set({ benchRestored: true });
          const state = stored ? mod.recoverInterrupted(stored) : null;
          if (state && stored && state.meta.status !== stored.meta.status) await getStorage(mod).saveMeta(state.meta);
          set({ bench: state, benchSummary: summaryOf(mod, state), benchRestored: true });
        } catch (error) {
          set({ benchRestored: true });
          fail(error);
        }
      },

      startBenchmark: async (config) => {
        if (get().benchActivity !== "idle") return;
        if (config.problems.length === 0) return set({ benchError: "The subset is empty: change the filter or the selection." });
        if (!readyEngine()) return;
        set({ benchActivity: "starting", benchError: null });
        try {
          const mod = await loadBench();
          const previous = get().bench;
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
          set({ benchActivity: "idle" });
          fail(error);
        }
      },

      pauseBenchmark: () => {
        if (!controller || get().benchActivity !== "running") return;
        set({ benchActivity: "pausing" });
        controller.abort("pause");
      },

      stopBenchmark: async () => {
        if (controller) {
          set({ benchActivity: "stopping" });
          controller.abort("stop");
          return;
        }
        // A paused or interrupted benchmark with nothing running: end it here.
        const bench = get().bench;
        if (!bench || get().benchActivity !== "idle") return;
        const mod = await loadBench();
        const state: BenchState = { ...bench, meta: { ...bench.meta, status: "stopped", reason: "Stopped by you.", updatedAt: wallClock() } };
        set({ bench: state });
        try {
          await getStorage(mod).saveMeta(state.meta);
        } catch (error) {
          set({ benchError: mod.storageErrorMessage(error) });
        }
      },

      resumeBenchmark: async () => {
        const bench = get().bench;
        if (!bench || get().benchActivity !== "idle") return;
        const mod = await loadBench();
        if (!mod.isResumable(bench)) return;
        set({ benchActivity: "starting" });
        await drive(mod, bench);
      },

      discardBenchmark: async () => {
        const bench = get().bench;
        if (!bench || get().benchActivity !== "idle") return;
        try {
          const mod = await loadBench();
          await getStorage(mod).remove(bench.meta.id);
          set({ bench: null, benchSummary: null, trainingPreview: null, benchError: null });
        } catch (error) {
          fail(error);
        }
      },

      exportBenchmark: async (format) => {
        const bench = get().bench;
        if (!bench) return;
        try {
          const mod = await loadBench();
          if (format === "csv") {
            downloadText(mod.benchFilename(bench, "csv"), mod.resultsToCsv(bench), "text/csv");
          } else {
            const device = await mod.collectDeviceInfo();
            const summary = summaryOf(mod, bench)!;
            downloadText(mod.benchFilename(bench, "json"), mod.resultsToJson(bench, summary, { exportedAt: wallClock(), device }), "application/json");
          }
        } catch (error) {
          fail(error);
        }
      },

      prepareTrainingExport: async (sources) => {
        try {
          const [mod, gsr] = await Promise.all([loadBench(), loadGsr()]);
          const bench = get().bench;
          const fromBench = sources.benchmark && bench ? mod.trainingFromBenchmark(bench, gsr.answersEquivalent) : [];
          let historyRuns = 0;
          let fromHistory: TrainingRecord[] = [];
          if (sources.history) {
            await deps.historyReady;
            const runs = await deps.history.allRuns();
            historyRuns = runs.length;
            fromHistory = mod.trainingFromHistory(runs, gsr.answersEquivalent);
          }
          trainingRecords = mod.mergeTrainingRecords(fromBench, fromHistory);
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

      dismissBenchError: () => set({ benchError: null }),
    };
  };
}

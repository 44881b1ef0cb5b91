import type { StateCreator } from "zustand";
import { fromSavedRun, toSavedRun } from "../history/convert";
import { toHistoryError, type ImportReport } from "../history/db";
import { downloadText, historyFilename, historyToJson, runFilename, runToJson, runToMarkdown } from "../history/export";
import type { SavedRun, SavedRunSummary } from "../history/types";
import type { RunLineage } from "../lineage/types";
import { loadGsr } from "./gsrModule";
import { answerLineageOf, refinementEnded, stepLineageOf } from "./lineage";
import type { AppDeps, AppState } from "./index";
import type { RunView } from "./runSlice";
import type { Settings } from "./settingsSlice";

export interface HistorySlice {
  historyRuns: SavedRunSummary[];
  historySearch: string;
  /** Why history could not be read or written (e.g. storage full); the run itself goes on. */
  historyError: string | null;
  /** The saved run shown on screen (a reopened run or the last recorded one). */
  shownRunId: string | null;
  refreshHistory(search?: string): Promise<void>;
  openRun(id: string): Promise<void>;
  rerun(id: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  deleteAllRuns(): Promise<void>;
  /** Resolves to an error message, or what was imported. */
  importHistory(file: File): Promise<string | ImportReport>;
  exportAllRuns(): Promise<void>;
  exportShownRun(format: "json" | "md"): Promise<void>;
}

export function createHistorySlice(deps: AppDeps): StateCreator<AppState, [], [], HistorySlice> {
  return (set, get) => {
    const fail = (error: unknown) => set({ historyError: toHistoryError(error).message });
    /**
     * A run saved before lineage was recorded (or whose steps could not be traced)
     * gets it now, on screen and in history, so its exports carry it too.
     */
    const backfillLineage = async (saved: SavedRun, shown: RunView) => {
      const stillShown = () => get().run?.id === shown.id && get().shownRunId === saved.id;
      const answers = shown.lineage ?? answerLineageOf(await loadGsr(), shown);
      if (!stillShown()) return;
      set({ run: { ...get().run!, lineage: answers, stepTrace: "pending" } });
      let steps: RunLineage["steps"] = null;
      try {
        steps = await stepLineageOf(shown);
      } catch {
        if (stillShown()) set({ run: { ...get().run!, stepTrace: "failed" } });
      }
      if (steps && stillShown()) set({ run: { ...get().run!, lineage: { ...answers, steps }, stepTrace: "ready" } });
      await deps.history.saveRun({ ...saved, lineage: { ...answers, steps } });
    };
    return {
      historyRuns: [],
      historySearch: "",
      historyError: null,
      shownRunId: null,
      refreshHistory: async (search = get().historySearch) => {
        set({ historySearch: search });
        try {
          await deps.historyReady;
          const runs = await deps.history.listRuns({ search });
          // A later search may have finished first; keep only the latest answer.
          if (get().historySearch === search) set({ historyRuns: runs, historyError: null });
        } catch (error) {
          fail(error);
        }
      },
      openRun: async (id) => {
        if (get().run?.status === "running") return;
        try {
          const saved = await deps.history.getRun(id);
          if (!saved) return set({ historyError: "That run is no longer in history." });
          const run = fromSavedRun(saved, -1) as RunView;
          set({ run, problem: saved.problem, problemRef: saved.problemRef, shownRunId: id, banner: null, focusedStep: null });
          if (!run.lineage?.steps && refinementEnded(run)) await backfillLineage(saved, run);
        } catch (error) {
          fail(error);
        }
      },
      rerun: async (id) => {
        if (get().run?.status === "running") return;
        try {
          const saved = await deps.history.getRun(id);
          if (!saved) return set({ historyError: "That run is no longer in history." });
          const state = get();
          state.setProblem(saved.problem, saved.problemRef);
          for (const key of ["n", "temperature", "topP", "maxTokens", "seed"] as const satisfies ReadonlyArray<keyof Settings>)
            state.setSetting(key, saved.settings[key]);
          await get().startRun();
        } catch (error) {
          fail(error);
        }
      },
      deleteRun: async (id) => {
        try {
          await deps.history.deleteRun(id);
          if (get().shownRunId === id) set({ shownRunId: null });
          await get().refreshHistory();
        } catch (error) {
          fail(error);
        }
      },
      deleteAllRuns: async () => {
        try {
          await deps.history.deleteAll();
          set({ shownRunId: null });
          await get().refreshHistory();
        } catch (error) {
          fail(error);
        }
      },
      importHistory: async (file) => {
        // zod loads only when someone imports.
        const { readImportFile } = await import("../history/schema");
        const parsed = await readImportFile(file);
        if (!parsed.ok) return parsed.message;
        try {
          const report = await deps.history.importRuns(parsed.runs);
          await get().refreshHistory();
          return report;
        } catch (error) {
          return toHistoryError(error).message;
        }
      },
      exportAllRuns: async () => {
        try {
          downloadText(historyFilename(), historyToJson(await deps.history.allRuns()), "application/json");
        } catch (error) {
          fail(error);
        }
      },
      exportShownRun: async (format) => {
        const id = get().shownRunId;
        if (!id) return;
        try {
          await deps.flushRecording().catch(() => undefined);
          const run = get().run;
          // A run that could not be saved (storage full) is exported from the screen instead.
          const saved =
            (await deps.history.getRun(id).catch(() => undefined)) ??
            (run && run.status !== "running"
              ? toSavedRun(run, { id, createdAt: Date.now(), updatedAt: Date.now(), problemRef: get().problemRef, engine: get().engineKind, model: get().model?.name ?? "" })
              : undefined);
          if (!saved) return;
          if (format === "json") downloadText(runFilename(saved, "json"), runToJson(saved), "application/json");
          else downloadText(runFilename(saved, "md"), runToMarkdown(saved), "text/markdown");
        } catch (error) {
          fail(error);
        }
      },
    };
  };
}

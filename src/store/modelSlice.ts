import type { StateCreator } from "zustand";
import { toUserFacing, type UserFacingError } from "../engine/errors";
import { ProgressTracker, type ProgressView } from "../engine/progress";
import type { LoadedModelInfo, ModelSource } from "../engine/types";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import type { AppDeps, AppState } from "./index";

/** What the model picker has selected. */
export type ModelChoice =
  | { kind: "catalog"; id: string }
  | { kind: "url"; url: string }
  | { kind: "file"; file: File | null };

export type ModelStatus = "idle" | "loading" | "ready" | "error";

export interface ModelSlice {
  modelChoice: ModelChoice;
  modelStatus: ModelStatus;
  progress: ProgressView | null;
  model: LoadedModelInfo | null;
  modelError: UserFacingError | null;
  setModelChoice(choice: ModelChoice): void;
  loadModel(): Promise<void>;
  cancelLoad(): void;
}

/** Resolves the picker's choice to what the engine loads, or explains what is missing. */
export function resolveModelSource(choice: ModelChoice): ModelSource | { error: string } {
  switch (choice.kind) {
    case "catalog": {
      const entry = GGUF_CATALOG.find((e) => e.id === choice.id);
      return entry ? { kind: "url", url: entry.url, name: entry.label } : { error: "Pick a model from the list." };
    }
    case "url": {
      const url = choice.url.trim();
      let parsed: URL;
      try {
        parsed = new URL(url, typeof location === "undefined" ? undefined : location.href);
      } catch {
        return { error: "That is not a valid URL. Enter the address of a .gguf file, e.g. http://192.168.1.10:8080/model.gguf" };
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
        return { error: "Model URLs must start with http:// or https://." };
      const name = decodeURIComponent(parsed.pathname.split("/").pop() || parsed.host);
      return { kind: "url", url: parsed.href, name };
    }
    case "file":
      if (!choice.file) return { error: "Choose a .gguf file first." };
      if (choice.file.size === 0) return { error: `"${choice.file.name}" is empty.` };
      return { kind: "file", file: choice.file, name: choice.file.name };
  }
}

export function createModelSlice(deps: AppDeps): StateCreator<AppState, [], [], ModelSlice> {
  let loadController: AbortController | null = null;
  return (set, get) => ({
    modelChoice: { kind: "catalog", id: GGUF_CATALOG[0]!.id },
    modelStatus: "idle",
    progress: null,
    model: null,
    modelError: null,
    setModelChoice: (modelChoice) => set({ modelChoice }),
    loadModel: async () => {
      if (get().modelStatus === "loading" || get().run?.status === "running") return;
      const source = resolveModelSource(get().modelChoice);
      if ("error" in source) {
        set({ modelError: { code: "unknown", title: source.error, action: "", detail: "" } });
        return;
      }
      loadController = new AbortController();
      const tracker = new ProgressTracker();
      set({ modelStatus: "loading", progress: null, model: null, modelError: null, banner: null });
      try {
        const model = await deps.engine.load(
          source,
          { contextSize: get().settings.contextSize, signal: loadController.signal },
          (p) => set({ progress: tracker.update(p, deps.now()) }),
        );
        set({ modelStatus: "ready", model, progress: null });
      } catch (error) {
        const aborted = loadController?.signal.aborted;
        set({
          modelStatus: aborted ? "idle" : "error",
          progress: null,
          modelError: aborted ? null : toUserFacing(error),
        });
      } finally {
        loadController = null;
      }
    },
    cancelLoad: () => loadController?.abort(),
  });
}

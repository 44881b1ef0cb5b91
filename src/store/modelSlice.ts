import type { StateCreator } from "zustand";
import { chooseEngine, type DeviceCapabilities } from "../engine/capabilities";
import type { UserFacingError } from "../engine/errors";
import { explainLoadFailure, explainUnreachableUrl } from "../engine/modelUrlMessages";
import { markModelUsed, requestPersistentStorage, storageEstimate, willFit } from "../engine/modelCache";
import { formatBytes, ProgressTracker, type ProgressView } from "../engine/progress";
import type { EngineKind, LoadedModelInfo, ModelSource } from "../engine/types";
import { catalogDevice, defaultModel, modelsForDevice, type ExcludedModel, type WebLlmCatalogEntry } from "../engine/webllm/catalog";
import { PREBUILT_MATH_MODELS } from "../engine/webllm/prebuilt";
import { hasBatchedDecodingControls, type BatchStatus } from "../engine/webllm/batching";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import type { AppDeps, AppState } from "./index";
import { remoteSource } from "./serverSlice";
import { explainServerFailure } from "../engine/remote/messages";

/** What the model picker has selected. */
export type ModelChoice =
  | { kind: "catalog"; id: string }
  | { kind: "url"; url: string }
  | { kind: "file"; file: File | null }
  | { kind: "webllm"; modelId: string }
  | { kind: "webllm-custom"; modelUrl: string; libUrl: string }
  /** A model on the shared server (serverSlice); "" = the first one it lists. */
  | { kind: "remote"; model: string };

export type ModelStatus = "idle" | "loading" | "ready" | "error";

/**
 * How a load ended: the model is ready, the load failed (modelError says why),
 * the user cancelled it, it waits for the user to accept a storage warning, or
 * it was refused because a run is using the engine.
 */
export type LoadOutcome = "loaded" | "failed" | "cancelled" | "storage-warning" | "refused";

export interface ModelSlice {
  /** What detection found; null until it finishes. */
  capabilities: DeviceCapabilities | null;
  engineKind: EngineKind;
  /** One line: which engine runs where, and why. */
  engineReason: string;
  /** The user's choice in Settings; null = automatic. */
  engineOverride: EngineKind | null;
  /** WebLLM models this device can run, and those left out with why. */
  webllmModels: WebLlmCatalogEntry[];
  webllmExcluded: ExcludedModel[];
  modelChoice: ModelChoice;
  modelStatus: ModelStatus;
  progress: ProgressView | null;
  model: LoadedModelInfo | null;
  /** The picker's choice the loaded model came from; null while none is loaded. */
  loadedChoice: ModelChoice | null;
  modelError: UserFacingError | null;
  /** A download that the storage estimate says will not fit, waiting for the user's go-ahead. */
  storageWarning: string | null;
  /** One line from the engine, e.g. that batched decoding fell back to one-at-a-time. */
  engineNotice: string | null;
  /** WebLLM: whether candidates are decoded in one batch, and why (null for wllama, which always batches). */
  batchStatus: BatchStatus | null;
  /** The text report of the last "Verify batched decoding" run. */
  selfTestReport: string | null;
  selfTestRunning: boolean;
  refreshBatchStatus(): void;
  verifyBatchedDecoding(): Promise<void>;
  setCapabilities(caps: DeviceCapabilities): void;
  setEngineOverride(kind: EngineKind | null): Promise<void>;
  setModelChoice(choice: ModelChoice): void;
  /** Loads the picker's choice; while a load is in flight, answers that load's outcome instead. */
  loadModel(options?: { ignoreStorageWarning?: boolean }): Promise<LoadOutcome>;
  /** What a Run needs: the loaded model at once, else the load in flight, else a load of the picker's choice. */
  ensureModel(): Promise<LoadOutcome>;
  cancelLoad(): void;
}

const info = (title: string, action = ""): UserFacingError => ({ code: "unknown", title, action, detail: "" });

/** Resolves the picker's choice to what the engine loads, or explains what is missing. */
export async function resolveModelSource(
  choice: ModelChoice,
  webllmModels: readonly WebLlmCatalogEntry[],
  fetchFn: typeof fetch = (...a) => fetch(...a),
): Promise<ModelSource | { error: string | UserFacingError }> {
  switch (choice.kind) {
    case "catalog": {
      const entry = GGUF_CATALOG.find((e) => e.id === choice.id);
      return entry ? { kind: "url", url: entry.url, name: entry.label } : { error: "Pick a model from the list." };
    }
    case "url": {
      if (!choice.url.trim()) return { error: "No model URL entered. Type the address of a .gguf file under Model URL, e.g. http://192.168.1.10:8080/model.gguf" };
      const parsed = parseHttpUrl(choice.url);
      if ("error" in parsed) return { error: `${parsed.error} Enter the address of a .gguf file, e.g. http://192.168.1.10:8080/model.gguf` };
      return { kind: "url", url: parsed.href, name: decodeURIComponent(parsed.pathname.split("/").pop() || parsed.host) };
    }
    case "file":
      if (!choice.file) return { error: "Choose a .gguf file first." };
      if (choice.file.size === 0) return { error: `"${choice.file.name}" is empty.` };
      // GGUF files begin with the magic bytes "GGUF"; anything else would fail deep inside llama.cpp.
      if ((await readMagic(choice.file)) !== "GGUF")
        return { error: `"${choice.file.name}" is not a GGUF model file (it does not start with "GGUF"). Choose a .gguf file made for llama.cpp.` };
      return { kind: "file", file: choice.file, name: choice.file.name };
    case "webllm": {
      const entry = webllmModels.find((e) => e.modelId === choice.modelId);
      return entry ? { kind: "webllm", modelId: entry.modelId, name: entry.label } : { error: "Pick a WebLLM model this device can run." };
    }
    case "remote":
      return { error: "A server's model is resolved with the server's address (remoteSource)." };
    case "webllm-custom": {
      if (!choice.modelUrl.trim() || !choice.libUrl.trim())
        return { error: "Enter both the MLC weights folder URL and the model library (.wasm) URL of the custom model." };
      const model = parseHttpUrl(choice.modelUrl);
      const lib = parseHttpUrl(choice.libUrl);
      if ("error" in model) return { error: `Model folder URL: ${model.error}` };
      if ("error" in lib) return { error: `Model library URL: ${lib.error}` };
      const { validateCustomModel, customModelId } = await import("../engine/webllm/customModel");
      const check = await validateCustomModel(fetchFn, model.href, lib.href);
      if (!check.ok) {
        // A request that got no answer at all: say why (the app's policy, mixed content, no server, no CORS).
        const cause = check.unreachable[0] ? await explainUnreachableUrl(check.unreachable[0]) : null;
        return { error: cause ?? `This custom WebLLM model cannot be used: ${check.problems.join(" ")}` };
      }
      return {
        kind: "webllm",
        modelId: customModelId(model.href),
        name: model.pathname.split("/").filter(Boolean).pop() ?? model.host,
        custom: { modelUrl: model.href, modelLibUrl: lib.href, contextWindow: check.contextWindow, quantization: check.quantization },
      };
    }
  }
}

async function readMagic(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return String.fromCharCode(...bytes);
}

function parseHttpUrl(text: string): URL | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: "That is not a valid URL." };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { error: "Model URLs must start with http:// or https://." };
  return url;
}

/** The picker's starting choice for an engine. */
function defaultChoice(kind: EngineKind, webllmModels: readonly WebLlmCatalogEntry[]): ModelChoice {
  if (kind === "remote") return { kind: "remote", model: "" };
  if (kind === "webllm") {
    const best = defaultModel(webllmModels);
    return best ? { kind: "webllm", modelId: best.modelId } : { kind: "webllm-custom", modelUrl: "", libUrl: "" };
  }
  return { kind: "catalog", id: GGUF_CATALOG[0]!.id };
}

/** Whether the picker's choice is one the engine can load (a GGUF for wllama, an MLC model for WebLLM, a server's model for remote). */
function choiceFitsEngine(choice: ModelChoice, kind: EngineKind): boolean {
  if (choice.kind === "remote") return kind === "remote";
  return choice.kind.startsWith("webllm") === (kind === "webllm") && kind !== "remote";
}

/** Bytes a choice will download, when known before the download. */
function downloadSize(choice: ModelChoice, webllmModels: readonly WebLlmCatalogEntry[]): number | null {
  if (choice.kind === "catalog") return GGUF_CATALOG.find((e) => e.id === choice.id)?.sizeBytes ?? null;
  if (choice.kind === "webllm") return webllmModels.find((e) => e.modelId === choice.modelId)?.downloadBytes ?? null;
  return null;
}

export function createModelSlice(deps: AppDeps): StateCreator<AppState, [], [], ModelSlice> {
  let loadController: AbortController | null = null;
  // The load in flight, from the press of Load (or Run) to its outcome; a second request joins it.
  let pendingLoad: Promise<LoadOutcome> | null = null;
  let stopListening: (() => void) | null = null;
  return (set, get) => {
    const batchStatusOf = () => {
      const engine = deps.engines.current();
      return hasBatchedDecodingControls(engine) ? engine.batchStatus() : null;
    };
    /** Re-decides the engine from what was detected and the user's override. */
    const decideEngine = (caps: DeviceCapabilities | null, override: EngineKind | null) => {
      const device = caps ? catalogDevice(caps) : null;
      const { entries, excluded } = device ? modelsForDevice(PREBUILT_MATH_MODELS, device) : { entries: [], excluded: [] };
      const choice = caps
        ? chooseEngine(caps, override)
        : { kind: override ?? ("wllama" as const), reason: "wllama on the CPU (checking this device for WebGPU…)" };
      const changed = choice.kind !== get().engineKind;
      set({
        engineKind: choice.kind,
        engineReason: choice.reason,
        webllmModels: entries,
        webllmExcluded: excluded,
        ...(changed || !choiceFitsEngine(get().modelChoice, choice.kind)
          ? { modelChoice: defaultChoice(choice.kind, entries) }
          : {}),
        ...(changed ? { modelStatus: "idle" as const, model: null, loadedChoice: null, progress: null } : {}),
      });
    };

    /** One load of the picker's choice, from resolving it to the engine's answer. */
    const load = async (options: { ignoreStorageWarning?: boolean }): Promise<LoadOutcome> => {
      const { modelChoice, webllmModels, engineKind } = get();
      set({ modelError: null, banner: null });
      const source = modelChoice.kind === "remote" ? await remoteSource(get(), modelChoice.model) : await resolveModelSource(modelChoice, webllmModels);
      if ("error" in source) {
        set({ modelError: typeof source.error === "string" ? info(source.error) : source.error });
        return "failed";
      }

      // Warn before a download that the browser's storage estimate says will not fit.
      const size = downloadSize(modelChoice, webllmModels);
      if (size !== null && !options.ignoreStorageWarning) {
        const estimate = await storageEstimate().catch(() => null);
        if (estimate && !willFit(size, estimate).fits) {
          set({
            storageWarning: `This model needs about ${formatBytes(size)}, but the browser reports only ${formatBytes(
              Math.max(0, estimate.quotaBytes - estimate.usageBytes),
            )} of storage free. Delete cached models (Models) or load anyway.`,
          });
          return "storage-warning";
        }
      }
      set({ storageWarning: null });

      loadController = new AbortController();
      const tracker = new ProgressTracker();
      set({ modelStatus: "loading", progress: null, model: null, loadedChoice: null });
      try {
        const engine = await deps.engines.use(engineKind);
        stopListening?.();
        stopListening = hasBatchedDecodingControls(engine)
          ? engine.addNoticeListener((message) => set({ engineNotice: message, batchStatus: batchStatusOf() }))
          : null;
        const model = await engine.load(
          source,
          { contextSize: get().settings.contextSize, signal: loadController.signal },
          (p) => set({ progress: tracker.update(p, deps.now()) }),
        );
        set({ modelStatus: "ready", model, loadedChoice: modelChoice, progress: null, engineNotice: null, batchStatus: batchStatusOf() });
        if (source.kind === "url") markModelUsed("wllama", source.url);
        // Ask once a model is worth keeping; browsers may evict caches otherwise.
        void requestPersistentStorage().catch(() => false);
        return "loaded";
      } catch (error) {
        const aborted = loadController?.signal.aborted;
        // A model from a URL: find out why the URL failed (the app's policy, the network, CORS, a web page…).
        const modelError = aborted
          ? null
          : source.kind === "remote"
            ? await explainServerFailure(source.baseUrl, source.apiKey, error)
            : await explainLoadFailure(source, error);
        set({ modelStatus: aborted ? "idle" : "error", progress: null, modelError });
        return aborted ? "cancelled" : "failed";
      } finally {
        loadController = null;
      }
    };

    return {
      capabilities: null,
      engineKind: "wllama",
      engineReason: "wllama on the CPU (checking this device for WebGPU…)",
      engineOverride: null,
      webllmModels: [],
      webllmExcluded: [],
      modelChoice: defaultChoice("wllama", []),
      modelStatus: "idle",
      progress: null,
      model: null,
      loadedChoice: null,
      modelError: null,
      storageWarning: null,
      engineNotice: null,
      batchStatus: null,
      selfTestReport: null,
      selfTestRunning: false,
      refreshBatchStatus: () => set({ batchStatus: batchStatusOf() }),
      verifyBatchedDecoding: async () => {
        if (get().selfTestRunning || get().run?.status === "running") return;
        set({ selfTestRunning: true, selfTestReport: null });
        const { runSelfTestForDisplay } = await import("../engine/webllm/selfTestPage");
        const report = await runSelfTestForDisplay(deps.engines.current());
        set({ selfTestRunning: false, selfTestReport: report, batchStatus: batchStatusOf() });
      },
      setCapabilities: (capabilities) => {
        set({ capabilities });
        decideEngine(capabilities, get().engineOverride);
      },
      setEngineOverride: async (engineOverride) => {
        if (get().modelStatus === "loading" || get().run?.status === "running") return;
        set({ engineOverride });
        decideEngine(get().capabilities, engineOverride);
      },
      setModelChoice: (modelChoice) => set({ modelChoice, storageWarning: null }),
      loadModel: (options = {}) => {
        if (pendingLoad) return pendingLoad;
        if (get().run?.status === "running") return Promise.resolve("refused");
        pendingLoad = load(options).finally(() => (pendingLoad = null));
        return pendingLoad;
      },
      ensureModel: () =>
        get().modelStatus === "ready" && deps.engines.current() ? Promise.resolve("loaded") : get().loadModel(),
      cancelLoad: () => loadController?.abort(),
    };
  };
}

import { formatBytes, formatDuration } from "../engine/progress";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import { useApp } from "../store/context";
import type { ModelChoice } from "../store/modelSlice";

const URL_OPTION = "__url";
const FILE_OPTION = "__file";

function choiceValue(choice: ModelChoice): string {
  return choice.kind === "catalog" ? choice.id : choice.kind === "url" ? URL_OPTION : FILE_OPTION;
}

export function ModelPanel() {
  const choice = useApp((s) => s.modelChoice);
  const status = useApp((s) => s.modelStatus);
  const model = useApp((s) => s.model);
  const running = useApp((s) => s.run?.status === "running");
  const setChoice = useApp((s) => s.setModelChoice);
  const loadModel = useApp((s) => s.loadModel);
  const cancelLoad = useApp((s) => s.cancelLoad);

  const onSelect = (value: string) => {
    if (value === URL_OPTION) setChoice({ kind: "url", url: "" });
    else if (value === FILE_OPTION) setChoice({ kind: "file", file: null });
    else setChoice({ kind: "catalog", id: value });
  };
  const catalogEntry = choice.kind === "catalog" ? GGUF_CATALOG.find((e) => e.id === choice.id) : undefined;

  return (
    <div className="model-panel">
      <div className="model-row">
        <label>
          <span className="label">Model</span>
          <select data-testid="model.select" value={choiceValue(choice)} onChange={(e) => onSelect(e.target.value)} disabled={status === "loading"}>
            <optgroup label="Catalog (downloads once, then cached)">
              {GGUF_CATALOG.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.label} · {formatBytes(e.sizeBytes)}
                </option>
              ))}
            </optgroup>
            <optgroup label="Your own">
              <option value={URL_OPTION}>From a URL (e.g. a classroom server)…</option>
              <option value={FILE_OPTION}>From a local .gguf file…</option>
            </optgroup>
          </select>
        </label>
        {choice.kind === "url" && (
          <label className="grow">
            <span className="label">Model URL</span>
            <input
              data-testid="model.url"
              type="url"
              placeholder="http://192.168.1.10:8080/model.gguf"
              value={choice.url}
              onChange={(e) => setChoice({ kind: "url", url: e.target.value })}
            />
          </label>
        )}
        {choice.kind === "file" && (
          <label className="grow">
            <span className="label">GGUF file</span>
            <input
              data-testid="model.file"
              type="file"
              accept=".gguf"
              onChange={(e) => setChoice({ kind: "file", file: e.target.files?.[0] ?? null })}
            />
          </label>
        )}
        {status === "loading" ? (
          <button type="button" data-testid="model.cancel" onClick={cancelLoad}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" data-testid="model.load" onClick={() => void loadModel()} disabled={running}>
            Load
          </button>
        )}
        <EngineName />
      </div>
      {catalogEntry && status !== "loading" && (
        <p className="hint">
          {catalogEntry.mathTuned ? "Math-tuned" : "General"}
          {catalogEntry.reasoning ? ", reasons in <think> blocks" : ""} · {formatBytes(catalogEntry.sizeBytes)} on disk ·{" "}
          {catalogEntry.note}
        </p>
      )}
      <LoadProgress />
      {status === "ready" && model && (
        <p className="hint" data-testid="model.status">
          Ready: <strong>{model.name}</strong> · context {model.contextWindow} tokens · {model.parallelSlots} parallel slots ·{" "}
          {model.threads} thread{model.threads === 1 ? "" : "s"}
          {model.fromCache ? " · loaded from cache" : ""}
        </p>
      )}
    </div>
  );
}

function EngineName() {
  const model = useApp((s) => s.model);
  const title = model
    ? `llama.cpp in WebAssembly on the CPU, ${model.threads} thread${model.threads === 1 ? "" : "s"}`
    : "llama.cpp in WebAssembly on the CPU";
  return (
    <span className="engine-name" title={title}>
      Engine: <strong data-testid="engine.name">wllama</strong>
    </span>
  );
}

function LoadProgress() {
  const progress = useApp((s) => s.progress);
  const status = useApp((s) => s.modelStatus);
  if (status !== "loading") return null;
  const phaseLabel =
    progress?.phase === "cache" ? "Loading from cache" : progress?.phase === "initialize" ? "Initializing the model" : "Downloading";
  const pct = progress?.fraction != null ? Math.round(progress.fraction * 100) : null;
  const indeterminate = progress?.phase === "initialize" || pct === null;
  return (
    <div className="load-progress" data-testid="model.progress" data-phase={progress?.phase ?? "download"}>
      <progress max={100} value={indeterminate ? undefined : (pct ?? 0)} aria-label={phaseLabel} />
      <span>
        {phaseLabel}
        {progress && progress.phase === "download" && progress.totalBytes > 0 && (
          <>
            {" "}
            · {formatBytes(progress.loadedBytes)} / {formatBytes(progress.totalBytes)} · {pct}%
            {progress.bytesPerSecond !== null && <> · {formatBytes(progress.bytesPerSecond)}/s</>}
            {progress.etaSeconds !== null && <> · {formatDuration(progress.etaSeconds)} left</>}
          </>
        )}
        …
      </span>
    </div>
  );
}
